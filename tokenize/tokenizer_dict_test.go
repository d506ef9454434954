package tokenize

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"reflect"
	"sync"
	"testing"

	"github.com/ikawaha/kagome-dict/dict"
	"github.com/ikawaha/kagome-dict/ipa"
)

// loadIPA must give exactly the dictionary kagome-dict's own loader gives.
func TestLoadIPAMatchesKagome(t *testing.T) {
	got, loadPOS, err := loadIPA(false, true)
	if err != nil {
		t.Fatal(err)
	}
	if got.POSTable.POSs != nil {
		t.Error("POS table loaded before loadPOS was called")
	}
	loadPOS()
	loadPOS() // a no-op
	want := *ipa.DictShrink()
	want.Contents = nil // DictShrink is the full dictionary if ipa.Dict ran first
	if got.Contents != nil {
		t.Error("shrunk dictionary has contents")
	}
	parts := []struct {
		name      string
		got, want any
	}{
		{"Morphs", got.Morphs, want.Morphs},
		{"POSTable", got.POSTable, want.POSTable},
		{"ContentsMeta", got.ContentsMeta, want.ContentsMeta},
		{"Connection", got.Connection, want.Connection},
		{"Index", got.Index, want.Index},
		{"CharClass", got.CharClass, want.CharClass},
		{"CharCategory", got.CharCategory, want.CharCategory},
		{"InvokeList", got.InvokeList, want.InvokeList},
		{"GroupList", got.GroupList, want.GroupList},
		{"UnkDict", got.UnkDict, want.UnkDict},
		{"whole", *got, want},
	}
	for _, p := range parts {
		if !reflect.DeepEqual(p.got, p.want) {
			t.Errorf("%s differs from kagome-dict's", p.name)
		}
	}
	if testing.Short() {
		return
	}
	full, _, err := loadIPA(true, false)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(full.Contents, ipa.Dict().Contents) {
		t.Error("Contents differ from kagome-dict's")
	}
}

// The bulk decoders read what kagome-dict writes and reject truncated data.
func TestDecodeDictArrays(t *testing.T) {
	idx := dict.IndexTable{Dup: map[int32]int32{3: 1, 7: 2}}
	idx.Da = append(idx.Da, struct{ Base, Check int32 }{1, -1}, struct{ Base, Check int32 }{-5, 0})
	var ib bytes.Buffer
	if _, err := idx.WriteTo(&ib); err != nil {
		t.Fatal(err)
	}
	conn := dict.ConnectionTable{Row: 2, Col: 3, Vec: []int16{1, -2, 3, -4, 5, 32767}}
	var cb bytes.Buffer
	if _, err := conn.WriteTo(&cb); err != nil {
		t.Fatal(err)
	}
	morphs := dict.Morphs{{LeftID: 1, RightID: -2, Weight: 300}, {LeftID: 1316, RightID: 0, Weight: -32768}}
	var mb bytes.Buffer
	if _, err := morphs.WriteTo(&mb); err != nil {
		t.Fatal(err)
	}
	if got, err := decodeMorphs(mb.Bytes()); err != nil || !reflect.DeepEqual(got, morphs) {
		t.Errorf("decodeMorphs = %v, %v; want %v", got, err, morphs)
	}
	if got, err := decodeIndexTable(ib.Bytes()); err != nil || !reflect.DeepEqual(got, idx) {
		t.Errorf("decodeIndexTable = %v, %v; want %v", got, err, idx)
	}
	if got, err := decodeConnectionTable(cb.Bytes()); err != nil || !reflect.DeepEqual(got, conn) {
		t.Errorf("decodeConnectionTable = %v, %v; want %v", got, err, conn)
	}
	huge := binary.LittleEndian.AppendUint64(nil, 1<<62)
	for _, tc := range []struct {
		name string
		data []byte
		fn   func([]byte) error
	}{
		{"morphs truncated", binary.LittleEndian.AppendUint64(nil, 2), func(b []byte) error { _, err := decodeMorphs(b); return err }},
		{"index truncated", ib.Bytes()[:ib.Len()-1], func(b []byte) error { _, err := decodeIndexTable(b); return err }},
		{"index empty", nil, func(b []byte) error { _, err := decodeIndexTable(b); return err }},
		{"index huge count", huge, func(b []byte) error { _, err := decodeIndexTable(b); return err }},
		{"connection truncated", cb.Bytes()[:cb.Len()-1], func(b []byte) error { _, err := decodeConnectionTable(b); return err }},
		{"connection huge", append(huge, huge...), func(b []byte) error { _, err := decodeConnectionTable(b); return err }},
	} {
		if err := tc.fn(tc.data); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

// A WakatiOnly tokenizer loads its POS table on first use; concurrent
// first uses must all see it (go test -race checks the hand-off).
func TestWakatiOnlyPOSConcurrent(t *testing.T) {
	tk, err := NewTokenizer(WakatiOnly())
	if err != nil {
		t.Fatal(err)
	}
	const want = "すもも\t名詞,一般,*,*\nも\t助詞,係助詞,*,*\n"
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for i := range 8 {
		wg.Go(func() {
			if i%2 == 0 {
				if got := string(tk.AppendPOS(nil, "すももも")); got != want {
					errs <- got
				}
			} else if got := tk.Morphemes("すももも"); len(got) != 2 || got[1].POS[0] != "助詞" {
				errs <- fmt.Sprint(got)
			}
		})
	}
	wg.Wait()
	close(errs)
	for got := range errs {
		t.Errorf("got %q", got)
	}
}

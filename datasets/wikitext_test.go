package datasets

import (
	"bytes"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
)

type wikiRow struct {
	Text string `parquet:"text"`
}

// writeParquet writes rows with small row groups and pages so that the
// reader crosses page and row-group boundaries.
func writeParquet[T any](t testing.TB, rows []T) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[T](&buf, parquet.PageBufferSize(256), parquet.MaxRowsPerRowGroup(5))
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestWriteWikitextRawExactBytes(t *testing.T) {
	rows := []wikiRow{
		{""},
		{" = Valkyria Chronicles III = \n"},
		{""},
		{" Senjō no Valkyria 3 : Unrecorded Chronicles ( Japanese : 戦場のヴァルキュリア3 ) is a game . \n"},
		{" The game began development in 2010 , carrying over a large portion of the work . \n"},
		{""},
		{" = = Gameplay = = \n"},
		{""},
	}
	for i := range 20 {
		rows = append(rows, wikiRow{strings.Repeat("word ", i) + "@-@ text\n"})
	}
	pq := writeParquet(t, rows)
	var out bytes.Buffer
	st, err := WriteWikitextRaw(&out, bytes.NewReader(pq), int64(len(pq)), "test.parquet")
	if err != nil {
		t.Fatal(err)
	}
	var want strings.Builder
	for _, r := range rows {
		if r.Text == "" {
			want.WriteString(" \n")
		} else {
			want.WriteString(r.Text)
		}
	}
	if out.String() != want.String() {
		t.Errorf("output differs:\n got %q\nwant %q", out.String(), want.String())
	}
	if st.Rows != int64(len(rows)) || st.EmptyRows != 4 || st.Bytes != int64(want.Len()) {
		t.Errorf("stats %+v", st)
	}
	if strings.Count(out.String(), "\n") != len(rows) {
		t.Errorf("%d lines, want one per row (%d)", strings.Count(out.String(), "\n"), len(rows))
	}
}

func TestWriteWikitextRawBadInput(t *testing.T) {
	type other struct {
		Title string `parquet:"title"`
	}
	type numbers struct {
		Text int64 `parquet:"text"`
	}
	tests := []struct {
		name string
		file []byte
		want string
	}{
		{"no text column", writeParquet(t, []other{{"a"}}), `no "text" column`},
		{"text not a string", writeParquet(t, []numbers{{1}}), `want a string column`},
		{"not parquet", []byte("PAR1 this is not a parquet file at all"), "read parquet bad.parquet"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := WriteWikitextRaw(&bytes.Buffer{}, bytes.NewReader(tt.file), int64(len(tt.file)), "bad.parquet")
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "bad.parquet") {
				t.Errorf("error %v, want %q naming the file", err, tt.want)
			}
		})
	}
}

// FuzzWriteWikitextRaw feeds corrupted parquet files: the reader must
// return an error naming the file, or text, never panic.
func FuzzWriteWikitextRaw(f *testing.F) {
	good := writeParquet(f, []wikiRow{{""}, {" = A = \n"}, {" b c \n"}, {""}, {" d \n"}})
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add([]byte("PAR1PAR1"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var out bytes.Buffer
		_, err := WriteWikitextRaw(&out, bytes.NewReader(b), int64(len(b)), "fuzz.parquet")
		if err != nil && !strings.Contains(err.Error(), "fuzz.parquet") {
			t.Fatalf("error does not name the file: %v", err)
		}
	})
}

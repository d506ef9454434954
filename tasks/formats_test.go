package tasks

import (
	"bytes"
	"context"
	"encoding/binary"
	"reflect"
	"strings"
	"testing"
)

func TestFormatsRoundTrip(t *testing.T) {
	hs := genHellaswag(9, 4)
	var b bytes.Buffer
	if err := WriteHellaswag(&b, hs); err != nil {
		t.Fatal(err)
	}
	back, err := ReadHellaswag(&b, "hs")
	if err != nil || !reflect.DeepEqual(back, hs) {
		t.Errorf("hellaswag round trip: %v", err)
	}
	wg := genWinogrande(9, 4)
	wg[3].First = `He said "hi, there" to `
	b.Reset()
	if err := WriteWinogrande(&b, wg); err != nil {
		t.Fatal(err)
	}
	wback, err := ReadWinogrande(&b, "wg")
	if err != nil || !reflect.DeepEqual(wback, wg) {
		t.Errorf("winogrande round trip: %v\n%+v\n%+v", err, wback, wg)
	}
	mc := genMultipleChoice(9, 4)
	mc[2].MC2Answers, mc[2].MC2Labels = []string{"x", "y"}, []int32{1, 1}
	b.Reset()
	if err := WriteMultipleChoice(&b, mc); err != nil {
		t.Fatal(err)
	}
	f, err := OpenMultipleChoice(&b, "mc")
	if err != nil {
		t.Fatal(err)
	}
	seq, err := f.Sequential()
	if err != nil {
		t.Fatal(err)
	}
	for i := range mc {
		one, err := f.Task(i)
		if err != nil || !reflect.DeepEqual(one, mc[i]) || !reflect.DeepEqual(seq[i], mc[i]) {
			t.Errorf("multiple choice task %d: %v %+v", i, err, one)
		}
	}
}

// TestWinograndeAsUpstreamReadsIt: a header row is skipped, a quoted
// sentence unquoted, the last row dropped unless an empty line follows it.
func TestWinograndeAsUpstreamReadsIt(t *testing.T) {
	csv := "index,sentence,option1,option2,answer\n" +
		`0,"Sarah, not Maria, knew _ best.",Sarah,Maria,1` + "\n" +
		"1,Ann gave Bea a gift because _ was kind.,Ann,Bea,2\n"
	ts, dropped, err := readWinogrande(strings.NewReader(csv), "wg.csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 1 || dropped != 3 || ts[0].First != "Sarah, not Maria, knew " || ts[0].Answer != 1 {
		t.Errorf("tasks %+v dropped line %d", ts, dropped)
	}
	ts, dropped, err = readWinogrande(strings.NewReader(csv+"\n"), "wg.csv")
	if err != nil || len(ts) != 2 || dropped != 0 {
		t.Errorf("with an empty last line: %d tasks, dropped %d, %v", len(ts), dropped, err)
	}
}

// TestBadTaskFiles checks that every malformed file gets an error naming
// the file and the task or line.
func TestBadTaskFiles(t *testing.T) {
	var mc bytes.Buffer
	if err := WriteMultipleChoice(&mc, genMultipleChoice(3, 1)); err != nil {
		t.Fatal(err)
	}
	good := mc.Bytes()
	emptyAnswer := genMultipleChoice(2, 1)
	emptyAnswer[1].Answers[0] = ""
	badLabel := bytes.Clone(good)
	// task 0's question length, then "n answers" past it: make n 101
	qlen := binary.LittleEndian.Uint32(badLabel[16:])
	binary.LittleEndian.PutUint32(badLabel[16+4+qlen:], 101)
	cases := []struct {
		name, mode string
		data       []byte
		want       string
	}{
		{"hellaswag truncated", "hs", []byte("ctx\n1\na\nb\nc\nd\nctx2\n0\na\n"), "not a multiple of 6"},
		{"hellaswag label out of range", "hs", []byte("ctx\n1\na\nb\nc\nd\nctx2\n4\na\nb\nc\nd\n"), "task 1 (line 8): label 4 out of range"},
		{"hellaswag label not a number", "hs", []byte("ctx\nx\na\nb\nc\nd\n"), "task 0 (line 2): label \"x\" is not a number"},
		{"hellaswag empty ending", "hs", []byte("ctx\n1\na\n\nc\nd\n"), "task 0 (line 4): ending 1 is empty"},
		{"hellaswag empty", "hs", nil, "no tasks"},
		{"winogrande answer", "wg", []byte("0,a _ b,x,y,3\n\n"), "line 1: answer \"3\" is not 1 or 2"},
		{"winogrande empty option", "wg", []byte("0,a _ b,x,y,1\n1,a _ b,,y,1\n\n"), "line 2: option1 is empty"},
		{"winogrande fields", "wg", []byte("0,a _ b,x,1\n\n"), "line 1: found 3 field separators"},
		{"winogrande blank", "wg", []byte("0,a _ b,x,y,1\n1,a b,x,y,1\n\n"), "line 2: sentence \"a b\" has no blank"},
		{"mc truncated", "mc", good[:len(good)-3], "task 2"},
		{"mc index truncated", "mc", good[:10], "cannot hold their index"},
		{"mc too many answers", "mc", badLabel, "task 0 (byte 16): first answer set: 101 answers"},
		{"mc empty", "mc", []byte{0, 0, 0, 0}, "no tasks"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var err error
			switch c.mode {
			case "hs":
				_, err = ReadHellaswag(bytes.NewReader(c.data), "f.txt")
			case "wg":
				_, err = ReadWinogrande(bytes.NewReader(c.data), "f.txt")
			case "mc":
				var f *MultipleChoiceFile
				if f, err = OpenMultipleChoice(bytes.NewReader(c.data), "f.txt"); err == nil {
					_, err = f.Sequential()
				}
			}
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "f.txt") {
				t.Errorf("error %v, want one naming f.txt and %q", err, c.want)
			}
		})
	}
	if err := WriteMultipleChoice(&bytes.Buffer{}, emptyAnswer); err == nil || !strings.Contains(err.Error(), "task 1: answer 0 is empty") {
		t.Errorf("writing an empty answer: %v", err)
	}
}

// TestTaskLongerThanContext: a task that cannot fit is named before any
// decoding.
func TestTaskLongerThanContext(t *testing.T) {
	m := testModel(t)
	hs := genHellaswag(3, 2)
	hs[2].Context = strings.Repeat("the cat sat on the mat ", 60)
	var b bytes.Buffer
	if err := WriteHellaswag(&b, hs); err != nil {
		t.Fatal(err)
	}
	_, err := ScoreHellaswag(context.Background(), m, &b, "long.txt", Options{NCtx: 64, Threads: 1})
	if err == nil || !strings.Contains(err.Error(), "long.txt: task 2 needs") || !strings.Contains(err.Error(), "256 cells") {
		t.Errorf("error %v", err)
	}
	mc := genMultipleChoice(2, 2)
	mc[1].Answers = []string{"a", "b", "c", "d", "e"}
	mc[1].Labels = []int32{0, 0, 1, 0, 0}
	b.Reset()
	if err := WriteMultipleChoice(&b, mc); err != nil {
		t.Fatal(err)
	}
	_, err = ScoreMultipleChoice(context.Background(), m, &b, "five.bin", Options{NCtx: 128, Threads: 1, Parallel: 4})
	if err == nil || !strings.Contains(err.Error(), "task 1 has 5 answers") || !strings.Contains(err.Error(), "-np") {
		t.Errorf("five answers, four sequences: %v", err)
	}
}

func TestScoreCancelled(t *testing.T) {
	m := testModel(t)
	var b bytes.Buffer
	WriteHellaswag(&b, genHellaswag(8, 3))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ScoreHellaswag(ctx, m, &b, "hs", Options{NCtx: 128, Threads: 1}); err == nil || !strings.Contains(err.Error(), "context canceled") {
		t.Errorf("cancelled scoring: %v", err)
	}
}

package chat

import (
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

func TestParseRecord(t *testing.T) {
	tests := []struct {
		name, line, key string
		want            []Message
		id              string
		skip            string
	}{
		{name: "messages", line: `{"id": 7, "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello."}]}`,
			want: []Message{{"user", "Hi"}, {"assistant", "Hello."}}, id: "7"},
		{name: "sharegpt", line: `{"id": "a1", "conversations": [{"from": "system", "value": "S"}, {"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Yo"}]}`,
			want: []Message{{"system", "S"}, {"user", "Hi"}, {"assistant", "Yo"}}, id: "a1"},
		{name: "named key", key: "chat", line: `{"messages": 1, "chat": [{"role": "user", "content": "x"}]}`,
			want: []Message{{"user", "x"}}},
		{name: "unknown sharegpt role kept", line: `{"conversations": [{"from": "narrator", "value": "x"}]}`,
			want: []Message{{"narrator", "x"}}},
		{name: "null content", line: `{"messages": [{"role": "assistant", "content": null}]}`, skip: "content is not a string"},
		{name: "list content", line: `{"messages": [{"role": "user", "content": [{"type": "text", "text": "x"}]}]}`, skip: "content is not a string"},
		{name: "no role", line: `{"messages": [{"content": "x"}]}`, skip: "turn has neither role nor from"},
		{name: "empty", line: `{"messages": []}`, skip: "empty conversation"},
		{name: "not a list", line: `{"messages": "hi"}`, skip: "turns are not a list of objects"},
		{name: "missing key", line: `{"text": "hi"}`, skip: "no messages or conversations key"},
		{name: "missing named key", key: "chat", line: `{"messages": []}`, skip: `no "chat" key`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseRecord([]byte(tt.line), tt.key, "id")
			if tt.skip != "" {
				var re *RecordError
				if !errors.As(err, &re) || re.Reason != tt.skip {
					t.Fatalf("err = %v, want reason %q", err, tt.skip)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(c.Messages, tt.want) || c.ID != tt.id {
				t.Errorf("got %+v id %q, want %+v id %q", c.Messages, c.ID, tt.want, tt.id)
			}
		})
	}
}

func TestJSONLReader(t *testing.T) {
	in := `{"messages": [{"role": "user", "content": "a"}]}

{"messages": [{"role": "user"}]}
{"conversations": [{"from": "human", "value": "b"}]}
not json
`
	r := NewJSONLReader(strings.NewReader(in), "in.jsonl", "", "")
	var got []string
	for {
		rec, err := r.Next()
		if err == io.EOF {
			t.Fatal("reached EOF without the error for line 5")
		}
		if err != nil {
			if !strings.Contains(err.Error(), "in.jsonl line 5") {
				t.Fatalf("error %q does not name in.jsonl line 5", err)
			}
			break
		}
		if rec.Skip != nil {
			got = append(got, "skip:"+rec.Skip.Reason)
			continue
		}
		got = append(got, rec.Conversation.Messages[0].Content+"@"+rec.Conversation.Source)
	}
	want := []string{"a@in.jsonl", "skip:content is not a string", "b@in.jsonl"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func FuzzParseRecord(f *testing.F) {
	f.Add([]byte(`{"messages": [{"role": "user", "content": "Hi"}]}`))
	f.Add([]byte(`{"conversations": [{"from": "gpt", "value": "x"}], "id": 3}`))
	f.Add([]byte(`{"messages": [{"role": null, "content": {"a": 1}}]}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseRecord(data, "", "id")
		if err != nil {
			return
		}
		if len(c.Messages) == 0 {
			t.Fatal("a parsed conversation has no turns")
		}
	})
}

func TestParseRecordStrings(t *testing.T) {
	tests := []struct{ raw, want string }{
		{`"plain"`, "plain"},
		{`"tab\tand \"quotes\" \u00e9"`, "tab\tand \"quotes\" é"},
		{"\"bad \xff byte\"", "bad \uFFFD byte"},
	}
	for _, tt := range tests {
		c, err := ParseRecord([]byte(`{"messages": [{"role": "user", "content": `+tt.raw+`}]}`), "", "")
		if err != nil {
			t.Fatal(err)
		}
		if got := c.Messages[0].Content; got != tt.want {
			t.Errorf("content %s = %q, want %q", tt.raw, got, tt.want)
		}
	}
}

package chat

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The expected texts follow llama.cpp's llama_chat_apply_template for the
// same names, written out by hand.
func TestBuiltins(t *testing.T) {
	tests := []struct {
		name string
		conv Conversation
		want string
	}{
		{"chatml", withSys, "<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello.<|im_end|>\n"},
		{"llama3", padded, "<|start_header_id|>user<|end_header_id|>\n\nHello!<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHi.<|eot_id|>"},
		{"phi3", withSys, "<|system|>\nYou are terse.<|end|>\n<|user|>\nHi<|end|>\n<|assistant|>\nHello.<|end|>\n"},
		{"gemma", withSys, "<start_of_turn>user\nYou are terse.\n\nHi<end_of_turn>\n<start_of_turn>model\nHello.<end_of_turn>\n"},
		{"gemma", padded, "<start_of_turn>user\nHello!<end_of_turn>\n<start_of_turn>model\nHi.<end_of_turn>\n"},
	}
	for _, tt := range tests {
		src, err := Builtin(tt.name)
		if err != nil {
			t.Fatal(err)
		}
		tmpl, err := Compile(tt.name, src, Options{})
		if err != nil {
			t.Fatal(err)
		}
		got, err := tmpl.Render(tt.conv)
		if err != nil || got != tt.want {
			t.Errorf("%s: got %q, %v\nwant %q", tt.name, got, err, tt.want)
		}
	}
	if _, err := Builtin("nope"); err == nil || !strings.Contains(err.Error(), "chatml, gemma, llama3, phi3") {
		t.Errorf("unknown name: %v", err)
	}
}

// Every built-in has its markers listed, and renders each of them: a model
// given them as control tokens reads its turns as the template writes them.
func TestBuiltinMarkers(t *testing.T) {
	for _, name := range BuiltinNames() {
		markers := BuiltinMarkers(name)
		if len(markers) == 0 {
			t.Errorf("%s: no markers", name)
			continue
		}
		src, _ := Builtin(name)
		tmpl, err := Compile(name, src, Options{})
		if err != nil {
			t.Fatal(err)
		}
		out, err := tmpl.Render(Conversation{Messages: []Message{{Role: "system", Content: "s"}, {Role: "user", Content: "u"}, {Role: "assistant", Content: "a"}}})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, m := range markers {
			if !strings.Contains(out, m) {
				t.Errorf("%s: marker %q not in its rendering %q", name, m, out)
			}
		}
	}
	if BuiltinMarkers("nonesuch") != nil {
		t.Error("markers for an unknown name")
	}
}

// A --chat-template value is a file first, then a built-in name.
func TestLoadTemplate(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "t.jinja")
	os.WriteFile(file, []byte("{{ messages[0].content }}"), 0o644)
	chatml := filepath.Join(dir, "chatml") // a file named like a built-in wins
	os.WriteFile(chatml, []byte("mine"), 0o644)
	builtin, _ := Builtin("gemma")
	for _, tc := range []struct {
		arg, src, err string
		builtin       bool
	}{
		{arg: file, src: "{{ messages[0].content }}"},
		{arg: chatml, src: "mine"},
		{arg: "gemma", src: builtin, builtin: true},
		{arg: "nonesuch", err: `--chat-template nonesuch: no such file, and no built-in chat template "nonesuch"; built-in names: chatml, gemma, llama3, phi3 (or give a Jinja file)`},
		{arg: dir, err: "--chat-template: read " + dir + ": is a directory"},
	} {
		src, isBuiltin, err := LoadTemplate(tc.arg)
		switch {
		case tc.err != "" && (err == nil || err.Error() != tc.err):
			t.Errorf("%s: error %v, want %q", tc.arg, err, tc.err)
		case tc.err == "" && (err != nil || src != tc.src || isBuiltin != tc.builtin):
			t.Errorf("%s: %q, %v, %v; want %q, %v", tc.arg, src, isBuiltin, err, tc.src, tc.builtin)
		}
	}
}

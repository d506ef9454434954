package chat

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestCompileUnsupported(t *testing.T) {
	tests := []struct {
		name, src string
		construct string
		line      int
	}{
		{"filter in an untaken branch", "{% if false %}\n{{ x | trim }}\n{{ x | shuffle }}\n{% endif %}", "filter shuffle", 3},
		{"test", "{%- for m in messages %}\n{%- if m is divisibleby(2) %}x{% endif %}\n{%- endfor %}", "test divisibleby", 2},
		{"a filter named inside a string is not one", "{{ 'a | shuffle' }}\n{{ y | frobnicate }}", "filter frobnicate", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compile("t.jinja", tt.src, Options{})
			var u *UnsupportedError
			if !errors.As(err, &u) {
				t.Fatalf("Compile error = %v, want *UnsupportedError", err)
			}
			if u.Construct != tt.construct || u.Line != tt.line {
				t.Errorf("got %s at line %d, want %s at line %d", u.Construct, u.Line, tt.construct, tt.line)
			}
			if !strings.Contains(err.Error(), "t.jinja line") {
				t.Errorf("error %q does not name the template and line", err)
			}
		})
	}
}

func TestRenderUnsupportedMethod(t *testing.T) {
	tmpl, err := Compile("t.jinja", "{%- for m in messages %}\n{{ m.content.zfill(3) }}\n{%- endfor %}", Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = tmpl.Render(conv("user", "a"))
	var u *UnsupportedError
	if !errors.As(err, &u) || u.Line != 2 || !strings.Contains(u.Construct, "zfill") {
		t.Fatalf("Render error = %v, want zfill unsupported at line 2", err)
	}
}

func TestCompileSyntaxError(t *testing.T) {
	for _, src := range []string{"{% for m in messages %}\n{{ m.content }}", "a\n{% include 'other.jinja' %}"} {
		_, err := Compile("bad.jinja", src, Options{})
		if err == nil || !strings.Contains(err.Error(), "bad.jinja") {
			t.Errorf("Compile(%q) error = %v, want one naming bad.jinja", src, err)
		}
	}
}

func TestStrftime(t *testing.T) {
	tmpl, err := Compile("t", `{{ strftime_now("%A %d %B %Y %H:%M %p %%") }}`, Options{Now: mustDate(t)})
	if err != nil {
		t.Fatal(err)
	}
	got, err := tmpl.Render(conv("user", "a"))
	if want := "Wednesday 05 March 2025 14:07 PM %"; err != nil || got != want {
		t.Fatalf("got %q, %v; want %q", got, err, want)
	}
	tmpl, err = Compile("t", `{{ strftime_now("%G") }}`, Options{Now: mustDate(t)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tmpl.Render(conv("user", "a")); err == nil {
		t.Fatal("an unknown strftime directive rendered without an error")
	}
}

func mustDate(t *testing.T) time.Time {
	t.Helper()
	return time.Date(2025, 3, 5, 14, 7, 0, 0, time.UTC)
}

package versioncmd

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/cli/iostreams"
	"github.com/calibkit/calibkit/internal/llama"
)

func TestVersionFlags(t *testing.T) {
	io, _, _, _ := iostreams.Test()
	var got *Options
	cmd := NewCmdVersion(io, func(o *Options) error { got = o; return nil })
	cmd.SetArgs([]string{"--json"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got == nil || !got.JSON {
		t.Fatalf("options %+v", got)
	}
	cmd = NewCmdVersion(io, func(o *Options) error { return nil })
	cmd.SetArgs([]string{"extra"})
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	if err := cmd.Execute(); err == nil {
		t.Error("positional argument accepted")
	}
}

func TestVersionRun(t *testing.T) {
	io, _, out, _ := iostreams.Test()
	if err := versionRun(&Options{IO: io}); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, want := range []string{"calibkit ", "llama.cpp " + llama.Commit, "system_info: ", "CPU"} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	out.Reset()
	if err := versionRun(&Options{IO: io, JSON: true}); err != nil {
		t.Fatal(err)
	}
	var info Info
	if err := json.Unmarshal(out.Bytes(), &info); err != nil {
		t.Fatal(err)
	}
	if info.LlamaCppCommit != llama.Commit || info.SystemInfo == "" {
		t.Errorf("json %+v", info)
	}
}

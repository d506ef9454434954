package chat

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
)

// builtins are llama.cpp's built-in chat formats by their names
// (llama_chat_apply_template), written as Jinja that produces the same
// text; like llama.cpp's, they add no BOS (the tokenizer does).
var builtins = map[string]string{
	"chatml": `{%- for m in messages -%}
{{- '<|im_start|>' + m.role + '\n' + m.content + '<|im_end|>\n' -}}
{%- endfor -%}`,
	"llama3": `{%- for m in messages -%}
{{- '<|start_header_id|>' + m.role + '<|end_header_id|>\n\n' + (m.content | trim) + '<|eot_id|>' -}}
{%- endfor -%}`,
	"phi3": `{%- for m in messages -%}
{{- '<|' + m.role + '|>\n' + m.content + '<|end|>\n' -}}
{%- endfor -%}`,
	// gemma: no system turn; system text joins the next non-model turn.
	"gemma": `{%- set ns = namespace(sys='') -%}
{%- for m in messages -%}
{%- if m.role == 'system' -%}
{%- set ns.sys = ns.sys + (m.content | trim) -%}
{%- else -%}
{%- set role = 'model' if m.role == 'assistant' else m.role -%}
{{- '<start_of_turn>' + role + '\n' -}}
{%- if ns.sys and role != 'model' -%}
{{- ns.sys + '\n\n' -}}
{%- set ns.sys = '' -%}
{%- endif -%}
{{- (m.content | trim) + '<end_of_turn>\n' -}}
{%- endif -%}
{%- endfor -%}`,
}

// BuiltinNames lists the built-in template names, sorted.
func BuiltinNames() []string {
	names := make([]string, 0, len(builtins))
	for n := range builtins {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// builtinMarkers are the turn markers each built-in template writes, which
// the models that use it read as control tokens.
var builtinMarkers = map[string][]string{
	"chatml": {"<|im_start|>", "<|im_end|>"},
	"llama3": {"<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"},
	"phi3":   {"<|system|>", "<|user|>", "<|assistant|>", "<|end|>"},
	"gemma":  {"<start_of_turn>", "<end_of_turn>"},
}

// BuiltinMarkers returns the turn markers a built-in template writes (nil
// for an unknown name): the control tokens a model using it needs.
func BuiltinMarkers(name string) []string { return slices.Clone(builtinMarkers[name]) }

// Builtin returns the Jinja source of a built-in template name.
func Builtin(name string) (string, error) {
	src, ok := builtins[name]
	if !ok {
		return "", fmt.Errorf("no built-in chat template %q; built-in names: %s (or give a Jinja file)", name, strings.Join(BuiltinNames(), ", "))
	}
	return src, nil
}

// LoadTemplate returns the Jinja source that a --chat-template value
// names: the file at that path, or else the built-in template of that name
// (builtin true). Neither is an error naming both.
func LoadTemplate(nameOrFile string) (src string, builtin bool, err error) {
	data, err := os.ReadFile(nameOrFile)
	switch {
	case err == nil:
		return string(data), false, nil
	case errors.Is(err, fs.ErrNotExist):
		b, berr := Builtin(nameOrFile)
		if berr != nil {
			return "", false, fmt.Errorf("--chat-template %s: no such file, and %w", nameOrFile, berr)
		}
		return b, true, nil
	default:
		return "", false, fmt.Errorf("--chat-template: %w", err)
	}
}

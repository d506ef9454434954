package chat

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The expected renderings below were written out by hand from reading each
// template under testdata/templates (Python's jinja2 cannot run here), with
// Hugging Face's semantics: trim_blocks and lstrip_blocks, tools None,
// add_generation_prompt false.

func conv(turns ...string) Conversation {
	var c Conversation
	for i := 0; i+1 < len(turns); i += 2 {
		c.Messages = append(c.Messages, Message{Role: turns[i], Content: turns[i+1]})
	}
	return c
}

var (
	fourTurns = conv("user", "Hello!", "assistant", "Hi there. How can I help?", "user", "Name a prime.", "assistant", "7 is prime.")
	withSys   = conv("system", "You are terse.", "user", "Hi", "assistant", "Hello.")
	sysLast   = conv("system", "You are terse.", "user", "Hi", "assistant", "Hello.", "user", "Again?")
	twoUsers  = conv("user", "a", "user", "b")
	narrator  = conv("user", "a", "narrator", "b")
	padded    = conv("user", "  Hello! \n", "assistant", "\nHi.  ")
	thinking  = conv("user", "Why?", "assistant", "<think>\nstep\n</think>\n\nAnswer")
)

// qwen25System is Qwen 2.5's system turn for a conversation without one.
const qwen25System = "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"

const gptOSSSystem = "<|start|>system<|message|>You are ChatGPT, a large language model trained by OpenAI.\nKnowledge cutoff: 2024-06\nCurrent date: 2025-03-05\n\n" +
	"Reasoning: medium\n\n# Valid channels: analysis, commentary, final. Channel must be included for every message.<|end|>"

func loadTemplate(t testing.TB, file string, opts Options) *Template {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("testdata", "templates", file))
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := Compile(file, string(src), opts)
	if err != nil {
		t.Fatalf("compile %s: %v", file, err)
	}
	return tmpl
}

func TestRenderRealTemplates(t *testing.T) {
	date := time.Date(2025, 3, 5, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		file     string
		bos, eos string
		conv     Conversation
		want     string
		refusal  string
	}{
		// Gemma 2: bos, user/model turns, content trimmed, no system role.
		{file: "google-gemma-2-2b-it.jinja", bos: "<bos>", eos: "<eos>", conv: fourTurns,
			want: "<bos><start_of_turn>user\nHello!<end_of_turn>\n<start_of_turn>model\nHi there. How can I help?<end_of_turn>\n<start_of_turn>user\nName a prime.<end_of_turn>\n<start_of_turn>model\n7 is prime.<end_of_turn>\n"},
		{file: "google-gemma-2-2b-it.jinja", bos: "<bos>", eos: "<eos>", conv: padded,
			want: "<bos><start_of_turn>user\nHello!<end_of_turn>\n<start_of_turn>model\nHi.<end_of_turn>\n"},
		{file: "google-gemma-2-2b-it.jinja", bos: "<bos>", conv: withSys, refusal: "System role not supported"},
		{file: "google-gemma-2-2b-it.jinja", bos: "<bos>", conv: twoUsers, refusal: "Conversation roles must alternate user/assistant/user/assistant/..."},
		// Phi-3.5: no bos, eos after the last turn, content untouched.
		{file: "microsoft-Phi-3.5-mini-instruct.jinja", eos: "<|endoftext|>", conv: fourTurns,
			want: "<|user|>\nHello!<|end|>\n<|assistant|>\nHi there. How can I help?<|end|>\n<|user|>\nName a prime.<|end|>\n<|assistant|>\n7 is prime.<|end|>\n<|endoftext|>"},
		{file: "microsoft-Phi-3.5-mini-instruct.jinja", eos: "<|endoftext|>", conv: padded,
			want: "<|user|>\n  Hello! \n<|end|>\n<|assistant|>\n\nHi.  <|end|>\n<|endoftext|>"},
		{file: "microsoft-Phi-3.5-mini-instruct.jinja", eos: "<|endoftext|>", conv: withSys,
			want: "<|system|>\nYou are terse.<|end|>\n<|user|>\nHi<|end|>\n<|assistant|>\nHello.<|end|>\n<|endoftext|>"},
		// Mistral Nemo: the system message joins only a last user turn.
		{file: "mistralai-Mistral-Nemo-Instruct-2407.jinja", bos: "<s>", eos: "</s>", conv: fourTurns,
			want: "<s>[INST]Hello![/INST]Hi there. How can I help?</s>[INST]Name a prime.[/INST]7 is prime.</s>"},
		{file: "mistralai-Mistral-Nemo-Instruct-2407.jinja", bos: "<s>", eos: "</s>", conv: withSys,
			want: "<s>[INST]Hi[/INST]Hello.</s>"},
		{file: "mistralai-Mistral-Nemo-Instruct-2407.jinja", bos: "<s>", eos: "</s>", conv: sysLast,
			want: "<s>[INST]Hi[/INST]Hello.</s>[INST]You are terse.\n\nAgain?[/INST]"},
		{file: "mistralai-Mistral-Nemo-Instruct-2407.jinja", bos: "<s>", eos: "</s>", conv: twoUsers,
			refusal: "After the optional system message, conversation roles must alternate user/assistant/user/assistant/..."},
		{file: "mistralai-Mistral-Nemo-Instruct-2407.jinja", bos: "<s>", eos: "</s>", conv: narrator,
			refusal: "Only user and assistant roles are supported, with the exception of an initial optional system message!"},
		// Qwen 3: an empty think block on the answer after the last query.
		{file: "Qwen-Qwen3-0.6B.jinja", eos: "<|im_end|>", conv: fourTurns,
			want: "<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\nHi there. How can I help?<|im_end|>\n<|im_start|>user\nName a prime.<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n7 is prime.<|im_end|>\n"},
		{file: "Qwen-Qwen3-0.6B.jinja", eos: "<|im_end|>", conv: withSys,
			want: "<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\nHello.<|im_end|>\n"},
		{file: "Qwen-Qwen3-0.6B.jinja", eos: "<|im_end|>", conv: thinking,
			want: "<|im_start|>user\nWhy?<|im_end|>\n<|im_start|>assistant\n<think>\nstep\n</think>\n\nAnswer<|im_end|>\n"},
		// Qwen 2.5: a default system turn when the conversation has none,
		// contents untouched, a later system turn and a tool turn rendered.
		{file: "Qwen-Qwen2.5-7B-Instruct.jinja", eos: "<|im_end|>", conv: fourTurns,
			want: qwen25System + "<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\nHi there. How can I help?<|im_end|>\n<|im_start|>user\nName a prime.<|im_end|>\n<|im_start|>assistant\n7 is prime.<|im_end|>\n"},
		{file: "Qwen-Qwen2.5-7B-Instruct.jinja", eos: "<|im_end|>", conv: withSys,
			want: "<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello.<|im_end|>\n"},
		{file: "Qwen-Qwen2.5-7B-Instruct.jinja", eos: "<|im_end|>", conv: padded,
			want: qwen25System + "<|im_start|>user\n  Hello! \n<|im_end|>\n<|im_start|>assistant\n\nHi.  <|im_end|>\n"},
		{file: "Qwen-Qwen2.5-7B-Instruct.jinja", eos: "<|im_end|>", conv: thinking,
			want: qwen25System + "<|im_start|>user\nWhy?<|im_end|>\n<|im_start|>assistant\n<think>\nstep\n</think>\n\nAnswer<|im_end|>\n"},
		{file: "Qwen-Qwen2.5-7B-Instruct.jinja", eos: "<|im_end|>", conv: conv("user", "a", "system", "b"),
			want: qwen25System + "<|im_start|>user\na<|im_end|>\n<|im_start|>system\nb<|im_end|>\n"},
		{file: "Qwen-Qwen2.5-7B-Instruct.jinja", eos: "<|im_end|>", conv: conv("user", "a", "tool", "b", "tool", "c"),
			want: qwen25System + "<|im_start|>user\na<|im_end|>\n<|im_start|>user\n<tool_response>\nb\n</tool_response>\n<tool_response>\nc\n</tool_response><|im_end|>\n"},
		// gpt-oss: a system block with the (fixed) date, a system turn becomes
		// the developer message, the last assistant turn ends in <|return|>.
		{file: "openai-gpt-oss-120b.jinja", eos: "<|return|>", conv: fourTurns,
			want: gptOSSSystem + "<|start|>user<|message|>Hello!<|end|><|start|>assistant<|channel|>final<|message|>Hi there. How can I help?<|end|>" +
				"<|start|>user<|message|>Name a prime.<|end|><|start|>assistant<|channel|>final<|message|>7 is prime.<|return|>"},
		{file: "openai-gpt-oss-120b.jinja", eos: "<|return|>", conv: withSys,
			want: gptOSSSystem + "<|start|>developer<|message|># Instructions\n\nYou are terse.\n\n<|end|>" +
				"<|start|>user<|message|>Hi<|end|><|start|>assistant<|channel|>final<|message|>Hello.<|return|>"},
		{file: "openai-gpt-oss-120b.jinja", eos: "<|return|>", conv: conv("user", "a", "tool", "b"),
			refusal: "Message has tool role, but there was no previous assistant message with a tool call!"},
		// SmolLM3 (Unsloth's edit kept in llama.cpp): /no_think in the system
		// message switches the mode and adds an empty think block.
		{file: "HuggingFaceTB-SmolLM3-3B.jinja", eos: "<|im_end|>", conv: conv("system", "You are terse. /no_think", "user", "Hi", "assistant", "Hello."),
			want: "<|im_start|>system\n## Metadata\n\nKnowledge Cutoff Date: June 2025\nReasoning Mode: /no_think\n\n## Custom Instructions\n\nYou are terse.\n\n<|im_end|>\n" +
				"<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\nHello.<|im_end|>\n"},
		{file: "HuggingFaceTB-SmolLM3-3B.jinja", eos: "<|im_end|>", conv: conv("system", "Be brief.", "user", "Hi", "assistant", "\nHello."),
			want: "<|im_start|>system\n## Metadata\n\nKnowledge Cutoff Date: June 2025\nReasoning Mode: /think\n\n## Custom Instructions\n\nBe brief.\n\n<|im_end|>\n" +
				"<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello.<|im_end|>\n"},
		// Llama 3.2: a system header with the (fixed) date, contents trimmed.
		{file: "meta-llama-Llama-3.2-3B-Instruct.jinja", bos: "<|begin_of_text|>", eos: "<|eot_id|>", conv: fourTurns,
			want: "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 05 Mar 2025\n\n<|eot_id|>" +
				"<|start_header_id|>user<|end_header_id|>\n\nHello!<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHi there. How can I help?<|eot_id|>" +
				"<|start_header_id|>user<|end_header_id|>\n\nName a prime.<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n7 is prime.<|eot_id|>"},
		{file: "meta-llama-Llama-3.2-3B-Instruct.jinja", bos: "<|begin_of_text|>", eos: "<|eot_id|>", conv: withSys,
			want: "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 05 Mar 2025\n\nYou are terse.<|eot_id|>" +
				"<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHello.<|eot_id|>"},
		{file: "meta-llama-Llama-3.2-3B-Instruct.jinja", bos: "<|begin_of_text|>", eos: "<|eot_id|>", conv: padded,
			want: "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 05 Mar 2025\n\n<|eot_id|>" +
				"<|start_header_id|>user<|end_header_id|>\n\nHello!<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHi.<|eot_id|>"},
	}
	for _, tt := range tests {
		name := strings.TrimSuffix(tt.file, ".jinja") + "/" + tt.conv.Messages[0].Role + "-" + tt.conv.Messages[len(tt.conv.Messages)-1].Content
		t.Run(name, func(t *testing.T) {
			tmpl := loadTemplate(t, tt.file, Options{BOS: tt.bos, EOS: tt.eos, Now: date})
			got, err := tmpl.Render(tt.conv)
			if tt.refusal != "" {
				var r *RefusalError
				if !errors.As(err, &r) || r.Message != tt.refusal {
					t.Fatalf("Render = %q, %v; want refusal %q", got, err, tt.refusal)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("Render mismatch\n got: %q\nwant: %q", got, tt.want)
			}
		})
	}
}

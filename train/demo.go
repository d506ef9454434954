package train

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/calibkit/calibkit/corpus"
	"github.com/calibkit/calibkit/internal/sample"
)

// DemoSpecial are the demo model's chat turn markers, control tokens of
// its vocabulary.
var DemoSpecial = []string{"<|im_start|>", "<|im_end|>"}

// DemoChatTemplate is the demo model's chat template (tokenizer.chat_template):
// ChatML, as Hugging Face models that use it write it.
const DemoChatTemplate = `{%- for message in messages %}
    {{- '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|im_start|>assistant\n' }}
{%- endif %}
`

// demoChatDate is what the template's strftime_now would print (it prints
// nothing), fixed so that the rendered training text's manifest is the
// same on every run.
var demoChatDate = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Demo returns the options of calibkit demo's model: Defaults for 400
// steps at a peak learning rate of 2e-3 (about 100,000 tokens), no
// checkpoints, with DemoSpecial as control tokens and DemoChatTemplate as
// its chat template. inputs are DemoInputs' texts. Tests use the same
// model (train/traintest).
func Demo(inputs []string) Options {
	o := Defaults()
	o.Inputs = inputs
	o.Steps = 400
	o.LR = 2e-3
	o.Warmup = 20
	o.CheckpointEvery = 0
	o.Model.Special = DemoSpecial
	o.Model.ChatTemplate = DemoChatTemplate
	return o
}

// DemoInputs returns the training texts of DemoTexts' map, in the order
// Demo's model trains on them: Japanese, English, conversations.
func DemoInputs(texts map[string]string) []string {
	return []string{texts["train-ja"], texts["train-en"], texts["train-chat"]}
}

// DemoTexts writes the demo model's texts into dir: each language's
// training, calibration and eval Wikipedia text (sample.WikiTexts: keys
// "train-ja", "calib-ja", "eval-ja", the same for "en"), the bundled
// conversations split into training and eval records (sample.ChatSplit:
// "train-chat.jsonl", "eval-chat.jsonl"), and the training conversations
// rendered with DemoChatTemplate by corpus.BuildChat, with their manifest
// ("train-chat", dir/train-chat.txt).
func DemoTexts(ctx context.Context, dir string) (map[string]string, error) {
	texts, err := sample.WikiTexts(dir)
	if err != nil {
		return nil, err
	}
	recs, err := sample.ChatSplit(dir)
	if err != nil {
		return nil, err
	}
	texts["train-chat.jsonl"], texts["eval-chat.jsonl"] = recs["train-chat"], recs["eval-chat"]
	co, err := corpus.TemplateChatOptions("the demo model's chat template (train.DemoChatTemplate)", DemoChatTemplate, "<s>", "</s>", demoChatDate)
	if err != nil {
		return nil, err
	}
	co.Workers = 1
	out := filepath.Join(dir, "train-chat.txt")
	if _, err := corpus.BuildChat(ctx, []string{recs["train-chat"]}, out, []string{"calibkit", "demo"}, co); err != nil {
		return nil, fmt.Errorf("demo training conversations: %w", err)
	}
	texts["train-chat"] = out
	return texts, nil
}

package tasks

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Converter turns one row of a published dataset into a task.
type Converter struct {
	// Name is what `calibkit tasks build NAME` takes.
	Name string
	Mode Mode
	// Template says how the task text is made from the row's fields; it is
	// recorded in the output's manifest.
	Template string
	// Source names the published dataset the converter reads.
	Source  string
	convert func(Row) (any, error)
}

// Converters lists the datasets Build converts, by name.
var Converters = map[string]Converter{
	"jcommonsenseqa": {
		Name: "jcommonsenseqa", Mode: MultipleChoice, Source: "JGLUE JCommonsenseQA (question, choice0..choice4, label)",
		Template: "question: 質問：{question}\\n答え：  answers: {choice0} … {choice4}  (llama-perplexity scores question + \" \" + answer)",
		convert:  convertJCommonsenseQA,
	},
	"arc": {
		Name: "arc", Mode: MultipleChoice, Source: "allenai/ai2_arc (question, choices.text, choices.label, answerKey)",
		Template: "question: Question: {question}\\nAnswer:  answers: {choices.text[i]}",
		convert:  convertARC,
	},
	"mmlu": {
		Name: "mmlu", Mode: MultipleChoice, Source: "cais/mmlu (question, choices, answer 0..3)",
		Template: "question: Question: {question}\\nAnswer:  answers: {choices[i]}",
		convert:  convertMMLU,
	},
	"hellaswag": {
		Name: "hellaswag", Mode: Hellaswag, Source: "Rowan/hellaswag jsonl (activity_label, ctx_a, ctx_b, endings, label)",
		Template: "context: preprocess({activity_label}: {ctx_a} {ctx_b capitalized})  endings: preprocess({endings[i]})  (lm-evaluation-harness preprocessing, as llama.cpp's hellaswag_val_full.txt)",
		convert:  convertHellaswag,
	},
	"jhellaswag": {
		Name: "jhellaswag", Mode: Hellaswag, Source: "weblab-GENIAC/jhellaswag (HellaSwag's fields in Japanese; endings may be a JSON list in a string)",
		Template: "as hellaswag",
		convert:  convertHellaswag,
	},
	"winogrande": {
		Name: "winogrande", Mode: Winogrande, Source: "allenai/winogrande (sentence, option1, option2, answer 1|2)",
		Template: "sentence split at its \"_\"; candidates: {before}{option}{after}",
		convert:  convertWinogrande,
	},
}

// ConverterNames returns the converter names, sorted.
func ConverterNames() []string {
	var names []string
	for n := range Converters {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func field(r Row, key string) (any, error) {
	v, ok := r[key]
	if !ok || v == nil {
		return nil, fmt.Errorf("missing field %q", key)
	}
	return v, nil
}

func strField(r Row, key string) (string, error) {
	v, err := field(r, key)
	if err != nil {
		return "", err
	}
	switch x := v.(type) {
	case string:
		return x, nil
	case json.Number:
		return x.String(), nil
	case float64, int64, int32, int:
		return fmt.Sprint(x), nil
	}
	return "", fmt.Errorf("field %q is a %T, not a string", key, v)
}

func intField(r Row, key string) (int, error) {
	s, err := strField(r, key)
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("field %q = %q is not an integer", key, s)
	}
	return n, nil
}

// listField reads a list of strings: a JSON/parquet list, or a string
// holding a JSON list (as jhellaswag stores its endings).
func listField(r Row, key string) ([]string, error) {
	v, err := field(r, key)
	if err != nil {
		return nil, err
	}
	if s, ok := v.(string); ok {
		var out []string
		if err := json.Unmarshal([]byte(s), &out); err != nil {
			return nil, fmt.Errorf("field %q is a string that is not a JSON list of strings", key)
		}
		return out, nil
	}
	var items []any
	switch x := v.(type) {
	case []any:
		items = x
	case map[string]any: // a parquet LIST read as {list: [{element: …}]}
		if l, ok := x["list"].([]any); ok {
			for _, e := range l {
				if m, ok := e.(map[string]any); ok && len(m) == 1 {
					for _, v := range m { // "element", or "item" in older Arrow files
						items = append(items, v)
					}
				} else {
					items = append(items, e)
				}
			}
		} else {
			return nil, fmt.Errorf("field %q is not a list", key)
		}
	default:
		return nil, fmt.Errorf("field %q is a %T, not a list", key, v)
	}
	out := make([]string, len(items))
	for i, it := range items {
		s, ok := it.(string)
		if !ok {
			return nil, fmt.Errorf("field %q item %d is a %T, not a string", key, i, it)
		}
		out[i] = s
	}
	return out, nil
}

func oneLine(what, s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", fmt.Errorf("%s is empty", what)
	}
	return s, nil
}

func multipleChoice(question string, answers []string, gold int) (any, error) {
	if gold < 0 || gold >= len(answers) {
		return nil, fmt.Errorf("label %d out of range for %d choices", gold, len(answers))
	}
	t := &MultipleChoiceTask{Question: question, Labels: make([]int32, len(answers))}
	for i, a := range answers {
		a, err := oneLine(fmt.Sprintf("choice %d", i), a)
		if err != nil {
			return nil, err
		}
		t.Answers = append(t.Answers, a)
	}
	t.Labels[gold] = 1
	return t, checkTask(*t)
}

func convertJCommonsenseQA(r Row) (any, error) {
	q, err := strField(r, "question")
	if err != nil {
		return nil, err
	}
	if q, err = oneLine("question", q); err != nil {
		return nil, err
	}
	var answers []string
	for i := range 5 {
		a, err := strField(r, fmt.Sprintf("choice%d", i))
		if err != nil {
			return nil, err
		}
		answers = append(answers, a)
	}
	gold, err := intField(r, "label")
	if err != nil {
		return nil, err
	}
	return multipleChoice("質問："+q+"\n答え：", answers, gold)
}

func convertARC(r Row) (any, error) {
	q, err := strField(r, "question")
	if err != nil {
		return nil, err
	}
	if q, err = oneLine("question", q); err != nil {
		return nil, err
	}
	ch, ok := r["choices"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("missing field %q (an object with text and label lists)", "choices")
	}
	texts, err := listField(Row(ch), "text")
	if err != nil {
		return nil, fmt.Errorf("choices: %w", err)
	}
	labels, err := listField(Row(ch), "label")
	if err != nil {
		return nil, fmt.Errorf("choices: %w", err)
	}
	if len(labels) != len(texts) {
		return nil, fmt.Errorf("choices: %d labels for %d texts", len(labels), len(texts))
	}
	key, err := strField(r, "answerKey")
	if err != nil {
		return nil, err
	}
	gold := -1
	for i, l := range labels {
		if l == key {
			gold = i
		}
	}
	if gold < 0 {
		return nil, fmt.Errorf("answerKey %q is none of the choice labels %v", key, labels)
	}
	return multipleChoice("Question: "+q+"\nAnswer:", texts, gold)
}

func convertMMLU(r Row) (any, error) {
	q, err := strField(r, "question")
	if err != nil {
		return nil, err
	}
	if q, err = oneLine("question", q); err != nil {
		return nil, err
	}
	choices, err := listField(r, "choices")
	if err != nil {
		return nil, err
	}
	gold, err := intField(r, "answer")
	if err != nil {
		return nil, err
	}
	return multipleChoice("Question: "+q+"\nAnswer:", choices, gold)
}

var bracketed = regexp.MustCompile(`\[.*?\]`)

// hellaswagPreprocess is lm-evaluation-harness's preprocess (the one
// llama.cpp's HellaSwag file was made with): strip, " [title]" to ". ",
// drop [bracketed] parts, "  " to " ".
func hellaswagPreprocess(s string) string {
	s = strings.TrimSpace(s)
	s = strings.ReplaceAll(s, " [title]", ". ")
	s = bracketed.ReplaceAllString(s, "")
	return strings.ReplaceAll(s, "  ", " ")
}

// capitalize is Python's str.capitalize: the first character in title case,
// the rest in lower case.
func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToTitle(r)) + strings.ToLower(s[n:])
}

func convertHellaswag(r Row) (any, error) {
	var f [3]string
	for i, k := range []string{"activity_label", "ctx_a", "ctx_b"} {
		s, err := strField(r, k)
		if err != nil {
			return nil, err
		}
		f[i] = s
	}
	endings, err := listField(r, "endings")
	if err != nil {
		return nil, err
	}
	if len(endings) != 4 {
		return nil, fmt.Errorf("%d endings, want 4", len(endings))
	}
	label, err := strField(r, "label")
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(label) == "" {
		return nil, fmt.Errorf("no label (HellaSwag's test split is unlabelled: use the validation split)")
	}
	gold, err := intField(r, "label")
	if err != nil {
		return nil, err
	}
	t := &HellaswagTask{Context: hellaswagPreprocess(f[0] + ": " + f[1] + " " + capitalize(f[2])), Gold: gold}
	for i, e := range endings {
		t.Endings[i] = hellaswagPreprocess(e)
	}
	if strings.ContainsAny(t.Context, "\n") {
		t.Context = strings.ReplaceAll(t.Context, "\n", " ")
	}
	for i := range t.Endings {
		t.Endings[i] = strings.ReplaceAll(t.Endings[i], "\n", " ")
	}
	return t, checkHellaswag(*t)
}

func convertWinogrande(r Row) (any, error) {
	s, err := strField(r, "sentence")
	if err != nil {
		return nil, err
	}
	var opts [2]string
	for i := range 2 {
		if opts[i], err = strField(r, fmt.Sprintf("option%d", i+1)); err != nil {
			return nil, err
		}
	}
	ans, err := strField(r, "answer")
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(ans) == "" {
		return nil, fmt.Errorf("no answer (Winogrande's test split is unlabelled: use the validation split)")
	}
	a, err := intField(r, "answer")
	if err != nil {
		return nil, err
	}
	if a != 1 && a != 2 {
		return nil, fmt.Errorf("answer %d is not 1 or 2", a)
	}
	first, second, ok := strings.Cut(s, "_")
	if !ok {
		return nil, fmt.Errorf("sentence %q has no blank \"_\"", s)
	}
	t := &WinograndeTask{First: first, Second: second, Choices: opts, Answer: a}
	if _, err := winograndeRow(0, *t); err != nil {
		return nil, err
	}
	return t, nil
}

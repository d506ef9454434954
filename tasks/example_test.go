package tasks_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/calibkit/calibkit/tasks"
)

// A Winogrande CSV as llama-perplexity reads it: the header is skipped, the
// sentence split at its blank, and the last row read only because an empty
// line follows it (WriteWinogrande always ends with one).
func ExampleReadWinogrande() {
	csv := "index,sentence,option1,option2,answer\n" +
		"0,Sarah was a much better surgeon than Maria so _ always got the easier cases.,Sarah,Maria,2\n\n"
	ts, err := tasks.ReadWinogrande(strings.NewReader(csv), "wg.csv")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%q | %q | %v | %d\n", ts[0].First, ts[0].Second, ts[0].Choices, ts[0].Answer)
	tasks.WriteWinogrande(os.Stdout, ts)
	// Output:
	// "Sarah was a much better surgeon than Maria so " | " always got the easier cases." | [Sarah Maria] | 2
	// 0,Sarah was a much better surgeon than Maria so _ always got the easier cases.,Sarah,Maria,2
}

// A HellaSwag task: six lines, context, gold ending, four endings.
func ExampleWriteHellaswag() {
	tasks.WriteHellaswag(os.Stdout, []tasks.HellaswagTask{{
		Context: "Roof shingle removal: A man is sitting on a roof. He",
		Gold:    3,
		Endings: [4]string{"is using wrap to wrap a pair of skis.", "is ripping level tiles off.", "is holding a rubik's cube.", "starts pulling up roofing on a roof."},
	}})
	// Output:
	// Roof shingle removal: A man is sitting on a roof. He
	// 3
	// is using wrap to wrap a pair of skis.
	// is ripping level tiles off.
	// is holding a rubik's cube.
	// starts pulling up roofing on a roof.
}

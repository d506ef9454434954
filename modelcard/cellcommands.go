package modelcard

import "strings"

// CellCommands returns, for each perplexity cell of the study folder dir,
// the command lines that rebuild its files (its source's imatrix, its
// quant, its perplexity), calibkit's and then llama.cpp's, as the card
// lists them: the study page shows them per cell from this one source.
func CellCommands(dir string) (map[string][]string, error) {
	f, err := readFolder(dir)
	if err != nil {
		return nil, err
	}
	cmds := rebuild(f.recs, f.sources(), f.evalPaths())
	by := map[string]Commands{}
	for _, c := range cmds {
		by[c.What] = c
	}
	out := map[string][]string{}
	for _, r := range f.recs {
		var lines []string
		add := func(what string) {
			c, ok := by[what]
			if !ok {
				return
			}
			lines = append(lines, "# "+c.What)
			lines = append(lines, c.Calibkit...)
			lines = append(lines, "# or with llama.cpp's tools:")
			lines = append(lines, c.LlamaCpp...)
		}
		lines = append(lines, modelLine(r.Model))
		add("imatrix of source " + r.Source)
		add("quant " + r.Variant + " with imatrix source " + r.Source)
		add("perplexity of cell " + r.Cell)
		for i, l := range lines {
			lines[i] = strings.ReplaceAll(l, modelVar, "$MODEL")
		}
		out[r.Cell] = lines
	}
	return out, nil
}

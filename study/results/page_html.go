package results

// pageHTML is the page's template: one file, no script, no fetched
// resource; the tables scroll sideways on a narrow screen and print
// without the scroll.
const pageHTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>{{.Title}} · calibkit study</title>
<style>
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:72rem;padding:1rem;color:#222;background:#fff}
h1{font-size:1.6rem;margin:.2rem 0 .8rem}h2{font-size:1.25rem;margin:1.6rem 0 .5rem;border-bottom:1px solid #ddd}
.warn{background:#fff4d6;border-left:4px solid #d99a00;padding:.4rem .7rem;margin:.4rem 0}
.scroll{overflow-x:auto}
table{border-collapse:collapse;font-variant-numeric:tabular-nums;margin:.3rem 0}
th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f3f3}
td .v{white-space:nowrap}
td .p{display:block;color:#555;font-size:.9em}
td.sig .p{color:#1f4e9a;font-weight:bold}
figure{margin:1rem 0}figure svg{max-width:100%;height:auto}
figcaption{font-size:.85em;color:#555}
details{margin:.3rem 0;border:1px solid #ddd;padding:.3rem .6rem}
summary{cursor:pointer;font-weight:600}
pre{white-space:pre-wrap;word-break:break-all;background:#f7f7f7;padding:.4rem;font-size:.85em}
ul{margin:.2rem 0;padding-left:1.3rem}
@media print{.scroll{overflow:visible}details{break-inside:avoid}figure{break-inside:avoid}body{max-width:none}}
</style>
</head>
<body>
<h1>{{.Title}}</h1>
<p>{{if .Info.Engine}}Engine {{.Info.Engine}}{{end}}{{if .Info.LlamaCpp}}; llama.cpp {{.Info.LlamaCpp}}{{end}}{{if .Baseline}}{{if .Info.Engine}}; {{end}}baseline imatrix source: <b>{{.Baseline}}</b>{{end}}. {{len .Cells}} cell(s).</p>
{{range .Warnings}}<p class="warn" role="alert">{{.}}</p>
{{end}}
{{- if .Info.Notes}}<h2>Notes</h2><ul>{{range .Info.Notes}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{- if .PPL}}
<h2>Perplexity</h2>
<p>Perplexity ± its error; below, PPL against the baseline imatrix source ({{.Baseline}}) of the same variant, from the paired per-chunk difference in log-PPL, with its 95% t-interval; <b>bold blue</b>: the interval leaves out 1.</p>
<div class="scroll"><table id="ppl"><thead><tr><th>variant</th><th>imatrix</th>{{range .Evals}}<th>{{.}}</th>{{end}}</tr></thead><tbody>
{{range .PPL}}<tr><th>{{.Variant}}</th><th>{{.Source}}</th>{{range .Cells}}{{template "td" .}}{{end}}</tr>
{{end}}</tbody></table></div>
{{- end}}
{{- if .KLD}}
<h2>KL divergence</h2>
<p>{{.KLDCap}}.</p>
<div class="scroll"><table id="kld"><thead><tr><th>variant</th><th>imatrix</th>{{range .Evals}}<th>{{.}}</th>{{end}}</tr></thead><tbody>
{{range .KLD}}<tr><th>{{.Variant}}</th><th>{{.Source}}</th>{{range .Cells}}{{template "td" .}}{{end}}</tr>
{{end}}</tbody></table></div>
{{if .KLDNote}}<p class="warn">{{.KLDNote}}</p>{{end}}
{{- end}}
{{- if .TaskRows}}
<h2>Tasks</h2>
<p>Task accuracy % ± its standard error [95% Wilson interval]; below, the difference from the baseline imatrix source ({{.Baseline}}) of the same variant in percentage points, paired task by task, with its 95% interval and McNemar's exact p; <b>bold blue</b>: p &lt; 0.05.</p>
<div class="scroll"><table id="tasks"><thead><tr><th>variant</th><th>imatrix</th>{{range .Tasks}}<th>{{.}}</th>{{end}}</tr></thead><tbody>
{{range .TaskRows}}<tr><th>{{.Variant}}</th><th>{{.Source}}</th>{{range .Cells}}{{template "td" .}}{{end}}</tr>
{{end}}</tbody></table></div>
{{- end}}
{{- if .Charts}}
<h2>Charts</h2>
<p>The forest charts (chart-paired-…) are the tables' paired comparisons: a row per cell, its ratio to the baseline with the 95% interval, blue when the interval leaves out 1, grey when it holds 1; the dashed line is 1, no change. The sweep charts show the metric against the added corpus's share with error bars.</p>
{{range .Charts}}<figure>{{svg .SVG}}<figcaption>{{.Name}}</figcaption></figure>
{{end}}
{{- end}}
{{- if .Info.Failed}}
<h2>Failed steps</h2>
{{range .Info.Failed}}<details open><summary>{{.Step}}</summary><p>{{.Err}}</p>{{if .Cells}}<p>Cells without a record: {{range $i, $c := .Cells}}{{if $i}}, {{end}}{{$c}}{{end}}</p>{{end}}{{if .Log}}<p>Log: <code>{{.Log}}</code></p>{{end}}{{if .Tail}}<pre>{{.Tail}}</pre>{{end}}</details>
{{end}}
{{- end}}
{{- if .Cells}}
<h2>Cells</h2>
{{range .Cells}}<details id="cell-{{.Cell}}"><summary>{{.Cell}}</summary>
<ul><li>imatrix source {{.Source}}{{if .SourceKind}} ({{.SourceKind}}){{end}}; variant {{.Variant}}; set {{.Set}}</li>
{{if .Params}}<li>parameters: {{range $i, $p := .Params}}{{if $i}}; {{end}}{{$p}}{{end}}</li>{{end}}
{{if .SourceFigures}}<li>imatrix source: {{range $i, $p := .SourceFigures}}{{if $i}}; {{end}}{{$p}}{{end}}</li>{{end}}
{{if .Quant}}<li>quant: {{.Quant}}</li>{{end}}
{{if .Seconds}}<li>timings: {{range $i, $p := .Seconds}}{{if $i}}; {{end}}{{$p}}{{end}}</li>{{end}}</ul>
{{if .Commands}}<pre>{{range .Commands}}{{.}}
{{end}}</pre>{{end}}</details>
{{end}}
{{- end}}
{{- if .Info.Spec}}
<h2>Spec as run</h2>
<pre>{{.Info.Spec}}</pre>
{{- end}}
<p><small>Written by calibkit study report from {{len .Cells}} record(s) of results.jsonl.</small></p>
</body>
</html>
{{define "td"}}{{if .}}<td data-cell="{{.Cell}}"{{if .Sig}} class="sig"{{end}}><span class="v">{{.Value}}</span>{{if .Paired}}<span class="p">{{.Paired}}</span>{{end}}</td>{{else}}<td></td>{{end}}{{end}}`

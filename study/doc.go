// Package study runs an imatrix study as one resumable command: it plans
// the cells of a spec (study/plan), runs the steps they need through an
// engine (study/engine) with every output stored once under its action
// key (study/stepcache), and writes one record per cell to
// DIR/results.jsonl with the table, CSV and charts built from it
// (study/results).
//
// The folder a study runs in holds:
//
//	DIR/steps/<kind>/<key>/     one finished step: its files and step.json
//	DIR/steps/.locks, .tmp      per-step locks, entries being written
//	DIR/logs/<step>.log         each step's own output, kept for failures
//	DIR/plan.json               the plan of the last run
//	DIR/results.jsonl           one record per cell, appended
//	DIR/results.csv, results.md, *.png   built from results.jsonl
package study

// Package tasks reads, writes and scores the task files of llama.cpp's
// llama-perplexity (--hellaswag, --winogrande, --multiple-choice) exactly as
// upstream's tools/perplexity/perplexity.cpp does: the same file formats, the
// same random task selection (std::mt19937 seeded with 1), the same
// tokenization, batching of continuations that share a prefix, log-likelihood
// normalizations and printed lines. It also builds such files from the
// datasets' own published forms (Build).
package tasks

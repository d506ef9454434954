// Package hfdataset writes calibration and eval text as a Hugging Face
// dataset folder that datasets.load_dataset(DIR) loads as is: zstd parquet
// shards under data/ named as the Hub names them
// (data/{split}-{i:05d}-of-{n:05d}.parquet) with the columns text, lang,
// source and id, and a dataset card README.md whose YAML header carries
// configs/data_files, language, license, size_categories and
// task_categories and whose body is generated from the inputs' calibkit
// manifests (sources with sha256, cleaning steps, language shares, sizes,
// the commands that rebuild them). What no manifest records, the card
// says is unknown.
//
// With Samples and SeqLen set, the text of each split is cut instead into
// that many windows of SeqLen model tokens (or characters without a
// tokenizer), drawn reproducibly by Seed, the shape GPTQ/AWQ-style
// quantizers take for calibration.
//
// The folder is built in a temporary sibling and renamed into place at
// the end, so no partial folder ever appears under the final name.
package hfdataset

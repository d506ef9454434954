// Package datasets fetches dataset files from the Hugging Face Hub into a
// cache laid out exactly as huggingface_hub lays it out, so that files
// fetched by either tool serve both (DESIGN.md §4).
//
// A Client lists a dataset repository (the git tree, paged by the Link
// header, or the refs/convert/parquet branch through the parquet API),
// downloads the chosen files with resumable, verified transfers
// (size always, sha256 for LFS files, the git blob id for small files),
// and places each one in snapshots/<commit>/<path> only once it is
// complete. Two processes fetching the same file take the same lock under
// .locks/ and the file is written once.
//
// WriteWikitextRaw rebuilds wikitext's raw files (wiki.test.raw) from the
// dataset's parquet rows, byte for byte.
package datasets

// Package modelcard writes the Hugging Face model card (README.md) of a
// study's quants from the study folder that `calibkit study run` leaves:
// the Hub's YAML header (base_model when the model came from the Hub,
// tags, languages, license), the study's table with failed cells shown as
// failed, its charts copied beside the card, the paired intervals against
// the baseline and how to read them, the imatrix sources with their
// language shares and sizes, the calibkit and llama.cpp commands that
// rebuild each artifact, and the caveats the records show. What the
// folder does not record, the card says is unknown.
package modelcard

// Package chunks decodes a tokenized text in chunks of n_ctx tokens with the
// batch and sequence layout that llama-perplexity and llama-imatrix share:
// as many whole chunks side by side (one sequence each) as the logical
// batch holds, the batch trimmed to them; a batch smaller than a chunk
// splits each chunk into several decodes; BOS written over each chunk's
// first token when the vocabulary adds BOS; and the second half of each
// chunk scored (positions n_ctx/2 .. n_ctx-2, each predicting the next
// token).
package chunks

import (
	"context"

	"github.com/calibkit/calibkit/internal/llama"
)

// Plan is the layout of one run.
type Plan struct {
	NCtx   int // tokens per chunk
	NBatch int // logical batch, trimmed to whole chunks when it holds several
	NSeq   int // chunks decoded side by side
	NChunk int // chunks to decode
}

// NewPlan lays out nChunkMax = nTokens/nCtx chunks (capped at maxChunks
// when positive) as the llama.cpp tools do: NSeq = max(1, nBatch/nCtx)
// and NBatch = min(nBatch, NSeq*nCtx).
func NewPlan(nCtx, nBatch, nTokens, maxChunks int) Plan {
	nSeq := max(1, nBatch/nCtx)
	p := Plan{NCtx: nCtx, NBatch: min(nBatch, nSeq*nCtx), NSeq: nSeq, NChunk: nTokens / nCtx}
	if maxChunks > 0 {
		p.NChunk = min(p.NChunk, maxChunks)
	}
	return p
}

// First is the first scored position of a chunk (n_ctx/2).
func (p Plan) First() int { return p.NCtx / 2 }

// Scored is the number of tokens scored per chunk (n_ctx - 1 - n_ctx/2).
func (p Plan) Scored() int { return p.NCtx - 1 - p.NCtx/2 }

// ContextCells is the KV size the context needs (NSeq*NCtx).
func (p Plan) ContextCells() int { return p.NSeq * p.NCtx }

// Rows are the scored tokens of one sequence in one decoded batch: the
// batch indices whose logits predict Targets, and their positions in the
// chunk.
type Rows struct {
	Seq     int     // sequence in the group (chunk = group start + Seq)
	Outputs []int   // batch token indices
	Targets []int32 // the token each predicts (the next one in the text)
	Pos     []int   // positions in the chunk (First() .. NCtx-2)
}

// Decoder decodes groups of chunks of Tokens through Ctx.
type Decoder struct {
	Ctx    *llama.Context
	Batch  *llama.Batch // capacity at least Plan.NBatch
	Tokens []int32
	Plan   Plan
	AddBOS bool
	BOS    int32
	// AllOutputs asks for the logits of every token (llama-imatrix, so that
	// output.weight sees them all); otherwise only positions from First()
	// on are outputs, as llama-perplexity asks.
	AllOutputs bool
	// NoScore skips the scoring callback (imatrix --no-ppl).
	NoScore bool

	rows []Rows
}

// Group decodes chunks first .. first+nSeq-1 (nSeq ≤ Plan.NSeq) as
// sequences 0..nSeq-1 and, after each decode, calls score once per
// sequence, in sequence order, with that sequence's scored rows in the
// batch (none when the decode held only first halves). An error from the
// decode or score stops the group and is returned.
func (d *Decoder) Group(ctx context.Context, first, nSeq int, score func(Rows) error) error {
	d.Ctx.ClearMemory()
	p := d.Plan
	start := first * p.NCtx
	end := start + p.NCtx
	firstPos := p.First()
	if cap(d.rows) < nSeq {
		d.rows = make([]Rows, nSeq)
	}
	rows := d.rows[:nSeq]
	for j := 0; j*p.NBatch < p.NCtx; j++ {
		batchStart := start + j*p.NBatch
		batchSize := min(end-batchStart, p.NBatch)
		d.Batch.Clear()
		for seq := range nSeq {
			r := &rows[seq]
			r.Seq, r.Outputs, r.Targets, r.Pos = seq, r.Outputs[:0], r.Targets[:0], r.Pos[:0]
			seqStart := batchStart + seq*p.NCtx
			for k := range batchSize {
				tok := d.Tokens[seqStart+k]
				if d.AddBOS && j == 0 && k == 0 {
					tok = d.BOS
				}
				pos := j*p.NBatch + k
				if err := d.Batch.Add(tok, int32(pos), int32(seq), d.AllOutputs || pos >= firstPos); err != nil {
					return err
				}
				if !d.NoScore && pos >= firstPos && pos < p.NCtx-1 {
					r.Outputs = append(r.Outputs, seq*batchSize+k)
					r.Targets = append(r.Targets, d.Tokens[seqStart+k+1])
					r.Pos = append(r.Pos, pos)
				}
			}
		}
		if err := d.Ctx.Decode(ctx, d.Batch); err != nil {
			return err
		}
		if d.NoScore {
			continue
		}
		for seq := range nSeq {
			if len(rows[seq].Outputs) == 0 {
				continue
			}
			if err := score(rows[seq]); err != nil {
				return err
			}
		}
	}
	return nil
}

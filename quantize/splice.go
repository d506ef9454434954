package quantize

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/calibkit/calibkit/internal/gguf"
	"github.com/calibkit/calibkit/internal/llama"
)

// splice gives the tensors routed bySplice their type in the files that
// llama.cpp wrote (one per shard), where llama.cpp copied them unchanged:
// each is quantized with ggml's kernels as llama.cpp quantizes a tensor
// (llama.QuantizeTensor, with its importance data), and the file is
// rewritten with it. Files without such a tensor are left alone.
func splice(ctx context.Context, files []string, p *plan, threads int) error {
	if len(p.copyTensors) == 0 {
		return nil
	}
	for _, f := range files {
		if err := spliceFile(ctx, f, p, threads); err != nil {
			return err
		}
	}
	return nil
}

// spliceFile rewrites one file: the same header bytes with the spliced
// tensors' type and every tensor's data offset patched (a type and an
// offset have a fixed size, so the header keeps its size and layout), then
// the tensors' data in their order, each padded to the file's alignment as
// llama.cpp pads it. The new file is written beside the old one and renamed
// over it when complete.
func spliceFile(ctx context.Context, path string, p *plan, threads int) error {
	r, err := gguf.Open(path)
	if err != nil {
		return fmt.Errorf("splice overrides: %w", err)
	}
	defer r.Close()
	var todo int
	for _, t := range r.Tensors {
		if f := p.forced[t.Name]; f != nil && f.Route == bySplice {
			todo++
		}
	}
	if todo == 0 {
		return nil
	}
	fh, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("splice overrides: %w", err)
	}
	defer fh.Close()
	header := make([]byte, r.DataOffset)
	if _, err := io.ReadFull(fh, header); err != nil {
		return fmt.Errorf("splice overrides: read %s: %w", path, err)
	}
	// the new type and offset of each tensor; llama.cpp lays the data out
	// in the order of the tensor infos, each padded to the alignment
	types := make([]llama.GGMLType, len(r.Tensors))
	var off, was uint64
	for i, t := range r.Tensors {
		n, err := t.Size()
		if err != nil {
			return fmt.Errorf("splice overrides: %s: %w", path, err)
		}
		if t.Offset != was || t.TypeAt <= 0 || t.TypeAt+12 > r.DataOffset {
			return fmt.Errorf("splice overrides: %s: tensor %s is not where llama.cpp puts it (data offset %d, want %d)", path, t.Name, t.Offset, was)
		}
		was += pad(n, r.Alignment)
		types[i] = llama.GGMLType(t.Type)
		if f := p.forced[t.Name]; f != nil && f.Route == bySplice {
			types[i] = f.Type
			n = uint64(f.Type.RowSize(int64(t.Shape[0]))) * (t.NumElements() / t.Shape[0])
		}
		binary.LittleEndian.PutUint32(header[t.TypeAt:], uint32(types[i]))
		binary.LittleEndian.PutUint64(header[t.TypeAt+4:], off)
		off += pad(n, r.Alignment)
	}

	out, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".splice-*")
	if err != nil {
		return fmt.Errorf("splice overrides: %w", err)
	}
	done := false
	defer func() {
		if !done {
			out.Close()
			os.Remove(out.Name())
		}
	}()
	w := bufio.NewWriterSize(out, 1<<20)
	if _, err := w.Write(header); err != nil {
		return fmt.Errorf("splice overrides: write %s: %w", out.Name(), err)
	}
	zeros := make([]byte, r.Alignment)
	for i, t := range r.Tensors {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("quantize %s: %w: %w", path, ErrCancelled, err)
		}
		sr, err := r.TensorData(t)
		if err != nil {
			return fmt.Errorf("splice overrides: %w", err)
		}
		var n int64
		if types[i] == llama.GGMLType(t.Type) {
			if n, err = io.Copy(w, sr); err != nil {
				return fmt.Errorf("splice overrides: copy %s of %s: %w", t.Name, path, err)
			}
		} else {
			data, err := quantizeForced(ctx, sr, t, types[i], p, threads)
			if err != nil {
				return err
			}
			if _, err := w.Write(data); err != nil {
				return fmt.Errorf("splice overrides: write %s: %w", out.Name(), err)
			}
			n = int64(len(data))
		}
		if _, err := w.Write(zeros[:pad(uint64(n), r.Alignment)-uint64(n)]); err != nil {
			return fmt.Errorf("splice overrides: write %s: %w", out.Name(), err)
		}
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("splice overrides: write %s: %w", out.Name(), err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("splice overrides: write %s: %w", out.Name(), err)
	}
	if err := os.Rename(out.Name(), path); err != nil {
		return fmt.Errorf("splice overrides: %w", err)
	}
	done = true
	return nil
}

// quantizeForced reads tensor t (copied unchanged by llama.cpp) and
// quantizes it to typ with its importance data where the imatrix has an
// entry of the right size (as llama.cpp, which ignores a mis-sized one for
// token_embd.weight; checkImatrixFits refuses it for the others).
func quantizeForced(ctx context.Context, sr *io.SectionReader, t gguf.TensorInfo, typ llama.GGMLType, p *plan, threads int) ([]byte, error) {
	raw := make([]byte, sr.Size())
	if _, err := io.ReadFull(sr, raw); err != nil {
		return nil, fmt.Errorf("splice overrides: read %s: %w", t.Name, err)
	}
	q := llama.TensorQuant{Name: t.Name, From: llama.GGMLType(t.Type), To: typ, Data: raw, Shape: [3]int64{1, 1, 1}}
	for i, d := range t.Shape {
		if i >= 3 && d > 1 {
			return nil, fmt.Errorf("splice overrides: tensor %s has 4 dimensions (%s), which calibkit does not quantize itself; give it no override", t.Name, shapeString(t.Shape))
		}
		if i < 3 {
			q.Shape[i] = int64(d)
		}
	}
	if v, ok := p.imatrix[t.Name]; ok && int64(len(v)) == q.Shape[0]*q.Shape[2] {
		q.Imatrix = v
	}
	data, err := llama.QuantizeTensor(ctx, q, threads)
	if err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return nil, fmt.Errorf("quantize %s: %w: %w", t.Name, ErrCancelled, cerr)
		}
		return nil, fmt.Errorf("splice overrides: %w", err)
	}
	return data, nil
}

func pad(n, a uint64) uint64 { return (n + a - 1) / a * a }

package datasets

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/sync/errgroup"
)

// groupBytes: once the files hashed and not yet asked about hold this
// much, they are asked about and sent while the next files are hashed.
var groupBytes int64 = 64 << 20

// hashAndSend hashes the files one after the other on a goroutine of its
// own and, in groups, asks the preupload and LFS batch APIs about those
// hashed and starts sending the LFS objects the Hub lacks (req.Jobs at a
// time), so that the hashing of one file overlaps the sending of the ones
// before it. A group is sent once it holds 256 files (huggingface_hub's
// chunk of its calls) or groupBytes, and with the last file: small files
// go together in one call, as when every file was hashed first. It
// returns the items in file order once every object is sent.
func (c *Client) hashAndSend(ctx context.Context, t uploadTarget, req UploadRequest, res *UploadResult) ([]*uploadItem, error) {
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	items := make([]*uploadItem, len(req.Files))
	hashed := make(chan *uploadItem, len(req.Files))
	var herr error
	hashDone := make(chan struct{})
	go func() {
		defer close(hashDone)
		defer close(hashed)
		for i, f := range req.Files {
			info, err := hashUploadFile(cctx, f, c.hashes)
			if err != nil {
				herr = err
				cancel()
				return
			}
			it := &uploadItem{UploadFile: f, info: info, res: &res.Files[i]}
			*it.res = UploadedFile{Path: f.PathInRepo, Local: f.Local, Size: info.size, SHA256: info.sha256}
			items[i] = it
			hashed <- it // never blocks: room for every file
		}
	}()
	sends, sctx := errgroup.WithContext(cctx)
	sends.SetLimit(req.Jobs)
	sending := map[string]bool{} // two files of one content: sent once
	derr := func() error {
		var group []*uploadItem
		var bytes int64
		for it := range hashed {
			group = append(group, it)
			bytes += it.info.size
			if len(group) == 256 || bytes >= groupBytes {
				if err := c.sendGroup(sctx, t, group, sends, sending); err != nil {
					return err
				}
				group, bytes = nil, 0
			}
		}
		if len(group) == 0 || herr != nil {
			return nil
		}
		return c.sendGroup(sctx, t, group, sends, sending)
	}()
	if derr != nil {
		cancel()
	}
	serr := sends.Wait()
	<-hashDone
	if err := firstCause(ctx, herr, serr, derr); err != nil {
		return nil, err
	}
	return items, nil
}

// firstCause picks the error that stopped the others: one that is not
// the cancellation the first failure caused (or ctx's own error).
func firstCause(ctx context.Context, errs ...error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var canceled error
	for _, e := range errs {
		switch {
		case e == nil:
		case errors.Is(e, context.Canceled):
			canceled = e
		default:
			return e
		}
	}
	return canceled
}

// sendGroup makes the preupload and LFS batch calls for hashed files and
// starts sending what the Hub lacks on sends.
func (c *Client) sendGroup(ctx context.Context, t uploadTarget, group []*uploadItem, sends *errgroup.Group, sending map[string]bool) error {
	if err := c.preupload(ctx, t, group); err != nil {
		return err
	}
	var lfs []*uploadItem
	for _, it := range group {
		it.res.Mode = it.mode
		it.res.Unchanged = it.unchanged()
		it.res.Ignored = it.ignored
		if it.mode == "lfs" && !it.res.Unchanged && !it.ignored {
			lfs = append(lfs, it)
		}
	}
	if len(lfs) == 0 {
		return nil
	}
	answers, err := c.lfsBatch(ctx, t, lfs)
	if err != nil {
		return err
	}
	prog := c.progress
	if prog == nil {
		prog = noProgress{}
	}
	for _, it := range lfs {
		o := answers[it.info.sha256]
		if _, ok := o.Actions["upload"]; !ok || sending[it.info.sha256] {
			it.res.OnHub = !sending[it.info.sha256]
			continue
		}
		sending[it.info.sha256] = true
		it.res.Sent = true
		sends.Go(func() error {
			bar := prog.StartFile(it.PathInRepo, it.info.size, 0)
			err := c.sendLFS(ctx, t, it, o, bar)
			bar.Done(err)
			if err != nil && it.info.cached {
				// the sum came from the hash cache: should it be wrong
				// (the Hub refused the content), the next run reads the
				// file again
				c.hashes.Forget(it.Local)
				return fmt.Errorf("%w (the sha256 of %s was taken from calibkit's hash cache without reading the file; that record is dropped, so running the upload again hashes the file afresh)", err, it.Local)
			}
			return err
		})
	}
	return nil
}

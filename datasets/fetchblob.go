package datasets

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// fetchBlob downloads into blobs/<etag>.incomplete, resuming what is
// there, verifies it and renames it to blobs/<etag>. The caller holds the
// lock.
func (c *Client) fetchBlob(ctx context.Context, m fileMeta, blob, what, name string, relocate func() (string, error)) error {
	inc := blob + ".incomplete"
	f, err := c.openFile(inc, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("%s: create %s: %w", what, inc, err)
	}
	defer f.Close()
	v := newVerifier(m)
	have, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return fmt.Errorf("%s: read %s: %w", what, inc, err)
	}
	if have > m.size {
		if err := truncate(f, inc); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		have = 0
	}
	if have > 0 {
		// Resume: hash what is already on disk.
		n, err := io.Copy(v, io.NewSectionReader(f, 0, have))
		if err == nil && n != have {
			err = io.ErrUnexpectedEOF
		}
		if err != nil {
			return fmt.Errorf("%s: read partial download %s: %w", what, inc, err)
		}
	}
	resumed := have > 0
	prog := c.progress
	if prog == nil {
		prog = noProgress{}
	}
	bar := prog.StartFile(name, m.size, have)
	hp := newHashPipe(v, 4, c.bufSize)
	// An attempt counts as progress only when it gets further than any
	// before it, so a server that keeps restarting or cutting at the same
	// byte still exhausts the retries.
	best := have
	relocations := 0
	err = c.retry.do(ctx, func() (bool, error) {
		err := c.getRange(ctx, m, f, inc, hp, &have, bar, what)
		var el *expiredLocationError
		if errors.As(err, &el) && relocations < 3 {
			relocations++
			loc, rerr := relocate()
			if rerr != nil {
				return false, rerr
			}
			m.location = loc
		}
		progressed := have > best
		best = max(best, have)
		return progressed, err
	})
	if err == nil {
		hp.drain()
		if msg := v.check(have); msg != "" && resumed {
			// The bytes kept from an earlier run may be what is wrong
			// (the file changed, or the disk lied): download it whole once.
			if err = truncate(f, inc); err == nil {
				have, best = 0, 0
				v.reset()
				bar.Restart(0)
				err = c.retry.do(ctx, func() (bool, error) {
					err := c.getRange(ctx, m, f, inc, hp, &have, bar, what)
					progressed := have > best
					best = max(best, have)
					return progressed, err
				})
				hp.drain()
			}
		}
	}
	hp.close()
	if err == nil {
		if msg := v.check(have); msg != "" {
			err = &VerifyError{What: what, Msg: msg}
		}
	}
	if err == nil {
		err = f.Sync()
		if err != nil {
			err = fmt.Errorf("%s: write %s: %w", what, inc, err)
		}
	}
	if err != nil {
		bar.Done(err)
		var ve *VerifyError
		if errors.As(err, &ve) {
			f.Close()
			os.Remove(inc)
		}
		return err
	}
	if err := f.Close(); err != nil {
		bar.Done(err)
		return fmt.Errorf("%s: write %s: %w", what, inc, err)
	}
	if err := os.Chmod(inc, 0o644); err != nil {
		bar.Done(err)
		return fmt.Errorf("%s: %w", what, err)
	}
	if err := os.Rename(inc, blob); err != nil {
		bar.Done(err)
		return fmt.Errorf("%s: %w", what, err)
	}
	syncDir(filepath.Dir(blob))
	bar.Done(nil)
	return nil
}

// syncDir makes a rename in dir durable (best effort).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

func truncate(f *os.File, name string) error {
	if err := f.Truncate(0); err != nil {
		return fmt.Errorf("truncate %s: %w", name, err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("truncate %s: %w", name, err)
	}
	return nil
}

package datasets

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/sync/errgroup"
)

// Request names the parquet files to fetch from a dataset.
type Request struct {
	Repo string
	// Config is the dataset config (subset): the folder of its files on
	// the main branch, or the config of the converted parquet branch.
	Config string
	// Split keeps the files of one split (train, test, ...).
	Split string
	// Revision is a branch, tag or commit; "" means main.
	Revision string
	// Include keeps files matching any of these globs (see MatchGlob)
	// instead of selecting by config and split.
	Include []string
	// Shards keeps these positions (0-based) of the sorted selection.
	Shards []int
	// Jobs is the number of parallel downloads (default 1).
	Jobs int
}

// Plan is the list of files a Request resolved to.
type Plan struct {
	Repo  string
	Files []RepoFile
	// Converted is true when the files come from refs/convert/parquet
	// because the revision holds no parquet file for the config.
	Converted bool
}

// Resolve lists the dataset and selects the files a request names. When
// the revision holds no parquet file for the config it asks the parquet
// API for the refs/convert/parquet branch. Offline, it lists the cached
// snapshot of the revision instead.
func (c *Client) Resolve(ctx context.Context, req Request) (Plan, error) {
	if err := ValidateRepoID(req.Repo); err != nil {
		return Plan{}, err
	}
	rev := req.Revision
	if rev == "" {
		rev = "main"
	}
	for _, g := range req.Include {
		if err := ValidateGlob(g); err != nil {
			return Plan{}, fmt.Errorf("--include %q: %w", g, err)
		}
	}
	plan := Plan{Repo: req.Repo}
	listed, err := c.list(ctx, req.Repo, rev, listDir(req))
	var offErr *OfflineError
	switch {
	case err == nil, isMissingFolder(err):
	case errors.As(err, &offErr) && req.Config != "" && req.Split != "":
		// Offline and the revision is not cached: the converted branch may be.
	default:
		return Plan{}, err
	}
	files, err := selectFiles(listed, req)
	if err != nil {
		return Plan{}, err
	}
	if len(files) == 0 && len(req.Include) == 0 && req.Config != "" && req.Split != "" {
		plan.Converted = true
		files, err = c.convertedFiles(ctx, req)
		switch {
		case err == nil:
		case offErr != nil:
			return Plan{}, offErr
		case IsNotFound(err) && !isMissingRepo(err):
			return Plan{}, fmt.Errorf("dataset %s revision %s: no parquet file matches %s, and the Hub's parquet conversion (%s) has none either", req.Repo, rev, describe(req), ParquetBranch)
		default:
			return Plan{}, err
		}
	}
	if len(files) == 0 && offErr != nil {
		return Plan{}, offErr
	}
	if len(files) == 0 {
		hint := ""
		if len(req.Include) == 0 && req.Config != "" && req.Split == "" {
			hint = "; give --split to use the Hub's parquet conversion"
		}
		return Plan{}, fmt.Errorf("dataset %s revision %s: no file matches %s%s", req.Repo, rev, describe(req), hint)
	}
	files, err = pickShards(files, req.Shards)
	if err != nil {
		return Plan{}, fmt.Errorf("dataset %s: %w", req.Repo, err)
	}
	plan.Files = files
	return plan, nil
}

func (c *Client) convertedFiles(ctx context.Context, req Request) ([]RepoFile, error) {
	if c.cfg.Offline {
		files, err := c.list(ctx, req.Repo, ParquetBranch, req.Config)
		if err != nil {
			return nil, err
		}
		return selectFiles(files, Request{Config: req.Config, Split: req.Split})
	}
	files, err := c.ListParquet(ctx, req.Repo, req.Config, req.Split)
	if err != nil {
		return nil, err
	}
	sort.SliceStable(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return files, nil
}

// list lists a folder of a revision: from the Hub, or offline from the
// cached snapshot.
func (c *Client) list(ctx context.Context, repo, rev, dir string) ([]RepoFile, error) {
	if !c.cfg.Offline {
		files, err := c.ListTree(ctx, repo, rev, dir)
		var he *HTTPError
		if err == nil || ctx.Err() != nil || (errors.As(err, &he) && he.Status < 500 && he.Status != 429) {
			return files, err
		}
		// The Hub cannot be reached: like huggingface_hub, fall back to
		// the cached snapshot of the revision when there is one.
		if cached, cerr := c.listCached(repo, rev, dir); cerr == nil {
			return cached, nil
		}
		return nil, err
	}
	return c.listCached(repo, rev, dir)
}

// listCached lists a folder of the cached snapshot of a revision.
func (c *Client) listCached(repo, rev, dir string) ([]RepoFile, error) {
	commit, err := c.cache.ReadRef(repo, rev)
	if err != nil {
		return nil, &OfflineError{What: fmt.Sprintf("list dataset %s at %s", repo, rev), Missing: "ref for revision " + rev + " under " + c.cache.RepoDir(repo)}
	}
	names, err := c.cache.SnapshotFiles(repo, commit)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &OfflineError{What: fmt.Sprintf("list dataset %s at %s", repo, rev), Missing: "snapshot " + c.cache.SnapshotDir(repo, commit)}
		}
		return nil, err
	}
	var out []RepoFile
	for _, n := range names {
		if dir == "" || strings.HasPrefix(n, dir+"/") {
			out = append(out, RepoFile{Revision: rev, Path: n, Size: -1})
		}
	}
	return out, nil
}

func isMissingFolder(err error) bool {
	var he *HTTPError
	return errors.As(err, &he) && he.Status == 404 && he.Code != "RepoNotFound" && he.Code != "RevisionNotFound"
}

func isMissingRepo(err error) bool {
	var he *HTTPError
	return errors.As(err, &he) && he.Code == "RepoNotFound"
}

// listDir picks the folder worth listing for a request.
func listDir(req Request) string {
	if len(req.Include) > 0 {
		dirs := make([]string, len(req.Include))
		for i, g := range req.Include {
			dirs[i] = globDir(g)
		}
		return commonDir(dirs)
	}
	return req.Config
}

func describe(req Request) string {
	if len(req.Include) > 0 {
		return "--include " + strings.Join(req.Include, ",")
	}
	var parts []string
	if req.Config != "" {
		parts = append(parts, "config "+req.Config)
	}
	if req.Split != "" {
		parts = append(parts, "split "+req.Split)
	}
	if len(parts) == 0 {
		return "the request"
	}
	return strings.Join(parts, ", ")
}

// selectFiles keeps the parquet files a request names, sorted by path.
// Without Include: files under the config's folder (when a config is
// given) belonging to the split, that is, whose name starts with
// "<split>-" or "<split>." or with a folder named after the split.
func selectFiles(files []RepoFile, req Request) ([]RepoFile, error) {
	var out []RepoFile
	for _, f := range files {
		ok, err := wanted(f.Path, req)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, f)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

func wanted(p string, req Request) (bool, error) {
	if len(req.Include) > 0 {
		for _, g := range req.Include {
			ok, err := MatchGlob(g, p)
			if err != nil || ok {
				return ok, err
			}
		}
		return false, nil
	}
	if !strings.HasSuffix(p, ".parquet") {
		return false, nil
	}
	segs := strings.Split(p, "/")
	if req.Config != "" && (len(segs) < 2 || segs[0] != req.Config) {
		return false, nil
	}
	if req.Split == "" {
		return true, nil
	}
	base := path.Base(p)
	if strings.HasPrefix(base, req.Split+"-") || strings.HasPrefix(base, req.Split+".") {
		return true, nil
	}
	for _, s := range segs[:len(segs)-1] {
		if s == req.Split || s == "partial-"+req.Split {
			return true, nil
		}
	}
	return false, nil
}

// ParseShards reads a shard list such as "0,2,5-7".
func ParseShards(s string) ([]int, error) {
	var out []int
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(strings.TrimSpace(lo))
		if err != nil || a < 0 {
			return nil, fmt.Errorf("shard %q: want a number >= 0 or a range A-B", part)
		}
		b := a
		if isRange {
			b, err = strconv.Atoi(strings.TrimSpace(hi))
			if err != nil || b < a {
				return nil, fmt.Errorf("shard range %q: want A-B with A <= B", part)
			}
		}
		if b-a > 1_000_000 {
			return nil, fmt.Errorf("shard range %q is too large", part)
		}
		for i := a; i <= b; i++ {
			out = append(out, i)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("empty shard list %q", s)
	}
	return out, nil
}

func pickShards(files []RepoFile, shards []int) ([]RepoFile, error) {
	if len(shards) == 0 {
		return files, nil
	}
	seen := map[int]bool{}
	var out []RepoFile
	for _, i := range shards {
		if i < 0 || i >= len(files) {
			return nil, fmt.Errorf("shard %d out of range: %d files match (shards 0-%d)", i, len(files), len(files)-1)
		}
		if !seen[i] {
			seen[i] = true
			out = append(out, files[i])
		}
	}
	return out, nil
}

// Fetch resolves a request and downloads its files, req.Jobs at a time.
// The result is in the order of the plan (sorted by path). On the first
// failure the other downloads stop, leaving resumable partial files.
func (c *Client) Fetch(ctx context.Context, req Request) ([]File, error) {
	plan, err := c.Resolve(ctx, req)
	if err != nil {
		return nil, err
	}
	return c.DownloadAll(ctx, plan.Repo, plan.Files, req.Jobs)
}

// DownloadAll downloads files of one dataset, jobs at a time.
func (c *Client) DownloadAll(ctx context.Context, repo string, files []RepoFile, jobs int) ([]File, error) {
	if jobs < 1 {
		jobs = 1
	}
	out := make([]File, len(files))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(jobs)
	for i, f := range files {
		g.Go(func() error {
			res, err := c.Download(gctx, repo, f)
			out[i] = res
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}

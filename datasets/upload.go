package datasets

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
)

// UploadRequest says what to upload where.
type UploadRequest struct {
	// Repo is "owner/name"; RepoType "model" (default) or "dataset".
	Repo, RepoType string
	// Revision is the branch to commit to (default main).
	Revision string
	// Create makes the repository first (an existing one is fine).
	Create  bool
	Private bool
	// Message and Description make the commit message.
	Message, Description string
	Files                []UploadFile
	// Jobs is how many LFS files are sent at once (default 4).
	Jobs int
}

// UploadedFile is what happened to one file.
type UploadedFile struct {
	Path   string `json:"path"`
	Local  string `json:"local"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	// Mode is "lfs" or "regular", as the Hub's preupload call decided.
	Mode string `json:"mode"`
	// Unchanged: the revision already holds this content at this path;
	// the file was left out of the commit.
	Unchanged bool `json:"unchanged,omitempty"`
	// OnHub: the LFS object was on the Hub already (an earlier, interrupted
	// upload or another file with the same content): nothing was sent.
	OnHub bool `json:"on_hub,omitempty"`
	// Sent: the LFS content was sent in this run.
	Sent bool `json:"sent,omitempty"`
	// Ignored: the repository's .gitignore leaves this path out (the
	// preupload call's shouldIgnore); it was not uploaded.
	Ignored bool `json:"ignored,omitempty"`
}

// UploadResult describes an upload.
type UploadResult struct {
	Repo     string `json:"repo"`
	RepoType string `json:"repo_type"`
	Revision string `json:"revision"`
	Created  bool   `json:"created"`
	// Committed is false when every file was unchanged: no commit is made.
	Committed bool           `json:"committed"`
	CommitURL string         `json:"commit_url,omitempty"`
	CommitOID string         `json:"commit_oid,omitempty"`
	Files     []UploadedFile `json:"files"`
}

// uploadItem is a file on its way.
type uploadItem struct {
	UploadFile
	info     uploadInfo
	mode     string
	remoteID string
	ignored  bool
	res      *UploadedFile
}

// Upload publishes files to a Hub repository the way huggingface_hub's
// create_commit does: create the repository (with Create), ask the
// preupload API which files go through LFS, ask the LFS batch API which
// LFS objects it lacks and send only those (one PUT, or parts and a
// completion), then make one commit holding every file (regular files
// inline, base64; LFS files by sha256). Files the revision already holds
// unchanged are left out; when nothing changed no commit is made. A
// commit whose answer is lost is checked before it is sent again, so
// nothing is committed twice.
func (c *Client) Upload(ctx context.Context, req UploadRequest) (*UploadResult, error) {
	res, err := c.upload(ctx, req)
	if err != nil {
		return nil, c.scrub(err)
	}
	return res, nil
}

// scrub hides the token should an answer have echoed it into an error.
func (c *Client) scrub(err error) error {
	tok := string(c.cfg.Token)
	if tok == "" || !strings.Contains(err.Error(), tok) {
		return err
	}
	return &scrubbedError{msg: strings.ReplaceAll(err.Error(), tok, Token(tok).String()), err: err}
}

type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }

func (c *Client) upload(ctx context.Context, req UploadRequest) (*UploadResult, error) {
	if req.RepoType == "" {
		req.RepoType = "model"
	}
	if req.Revision == "" {
		req.Revision = "main"
	}
	if req.Jobs < 1 {
		req.Jobs = 4
	}
	if err := ValidateUploadRepoID(req.Repo); err != nil {
		return nil, err
	}
	if req.RepoType != "model" && req.RepoType != "dataset" {
		return nil, fmt.Errorf("repo type %q: want model or dataset", req.RepoType)
	}
	if len(req.Files) == 0 {
		return nil, errors.New("upload: no files")
	}
	if req.Message == "" {
		req.Message = "Upload with calibkit"
	}
	t := uploadTarget{repo: req.Repo, repoType: req.RepoType, revision: req.Revision}
	res := &UploadResult{Repo: req.Repo, RepoType: req.RepoType, Revision: req.Revision}
	if req.Create {
		created, err := c.createRepo(ctx, t, req.Private)
		if err != nil {
			return nil, err
		}
		res.Created = created
	}
	res.Files = make([]UploadedFile, len(req.Files)) // it.res points into it
	items, err := c.hashAndSend(ctx, t, req, res)
	if err != nil {
		return nil, err
	}
	var changed []*uploadItem
	for _, it := range items {
		if !it.res.Unchanged && !it.ignored {
			changed = append(changed, it)
		}
	}
	if len(changed) == 0 {
		return res, nil
	}
	if err := c.commit(ctx, t, req, changed, res); err != nil {
		return nil, err
	}
	return res, nil
}

// ValidateUploadRepoID checks a repository id for upload: "owner/name",
// both parts made of letters, digits, '.', '_' and '-'.
func ValidateUploadRepoID(repo string) error {
	if strings.Count(repo, "/") != 1 {
		return fmt.Errorf("repository %q: want OWNER/NAME", repo)
	}
	if err := ValidateRepoID(repo); err != nil {
		return fmt.Errorf("repository %q: want OWNER/NAME made of letters, digits, '.', '_' and '-'", repo)
	}
	return nil
}

// unchanged tells whether the revision holds this content already.
func (it *uploadItem) unchanged() bool {
	if it.remoteID == "" {
		return false
	}
	if it.mode == "lfs" {
		return it.remoteID == it.info.sha256
	}
	return it.info.gitOID != "" && it.remoteID == it.info.gitOID
}

// createRepo is hf_api.create_repo with exist_ok: a 409 means the
// repository exists, which is fine.
func (c *Client) createRepo(ctx context.Context, t uploadTarget, private bool) (bool, error) {
	owner, name, _ := strings.Cut(t.repo, "/")
	payload := map[string]any{"name": name, "organization": owner, "private": private, "type": t.repoType}
	body, err := jsonBody(payload)
	if err != nil {
		return false, err
	}
	err = c.callJSON(ctx, t, "create", fmt.Sprintf("create %s repository %s", t.repoType, t.repo),
		request{method: http.MethodPost, url: c.cfg.Endpoint + "/api/repos/create", header: http.Header{"Content-Type": {"application/json"}}, body: body, auth: true}, nil)
	switch {
	case err == nil:
		return true, nil
	case IsUploadStatus(err, http.StatusConflict):
		return false, nil
	}
	return false, err
}

// preupload asks which files go through LFS, and which the revision
// already holds (chunks of 256 files, as huggingface_hub sends them).
func (c *Client) preupload(ctx context.Context, t uploadTarget, items []*uploadItem) error {
	u := fmt.Sprintf("%s/api/%ss/%s/preupload/%s", c.cfg.Endpoint, t.repoType, t.repo, url.PathEscape(t.revision))
	for start := 0; start < len(items); start += 256 {
		chunk := items[start:min(start+256, len(items))]
		type file struct {
			Path   string `json:"path"`
			Sample string `json:"sample"`
			Size   int64  `json:"size"`
			SHA    string `json:"sha"`
		}
		var files []file
		for _, it := range chunk {
			files = append(files, file{Path: it.PathInRepo, Sample: base64.StdEncoding.EncodeToString(it.info.sample), Size: it.info.size, SHA: it.info.sha256})
		}
		body, err := jsonBody(map[string]any{"files": files})
		if err != nil {
			return err
		}
		var ans struct {
			Files []struct {
				Path         string  `json:"path"`
				UploadMode   string  `json:"uploadMode"`
				ShouldIgnore bool    `json:"shouldIgnore"`
				OID          *string `json:"oid"`
			} `json:"files"`
		}
		if err := c.callJSON(ctx, t, "preupload", fmt.Sprintf("preupload to %s %s", t.repoType, t.repo),
			request{method: http.MethodPost, url: u, header: http.Header{"Content-Type": {"application/json"}}, body: body, auth: true}, &ans); err != nil {
			return err
		}
		byPath := map[string]int{}
		for i, f := range ans.Files {
			if f.UploadMode != "lfs" && f.UploadMode != "regular" {
				return fmt.Errorf("preupload to %s: upload mode %q for %s: want lfs or regular", t.repo, f.UploadMode, f.Path)
			}
			byPath[f.Path] = i
		}
		for _, it := range chunk {
			i, ok := byPath[it.PathInRepo]
			if !ok {
				return fmt.Errorf("preupload to %s: no answer for %s", t.repo, it.PathInRepo)
			}
			f := ans.Files[i]
			it.mode = f.UploadMode
			it.ignored = f.ShouldIgnore
			if f.OID != nil {
				it.remoteID = *f.OID
			}
			// empty files cannot go through LFS (huggingface_hub)
			if it.info.size == 0 {
				it.mode = "regular"
			}
		}
	}
	return nil
}

// commit makes the one commit (NDJSON: a header line, then one line per
// file). When the connection fails after the request was sent, the
// preupload call tells whether the commit landed before it is tried
// again, so nothing is committed twice.
func (c *Client) commit(ctx context.Context, t uploadTarget, req UploadRequest, items []*uploadItem, res *UploadResult) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	type kv struct {
		Key   string `json:"key"`
		Value any    `json:"value"`
	}
	if err := enc.Encode(kv{"header", map[string]string{"summary": req.Message, "description": req.Description}}); err != nil {
		return err
	}
	for _, it := range items {
		if it.mode == "lfs" {
			enc.Encode(kv{"lfsFile", map[string]any{"path": it.PathInRepo, "algo": "sha256", "oid": it.info.sha256, "size": it.info.size}})
			continue
		}
		data, err := os.ReadFile(it.Local)
		if err != nil {
			return fmt.Errorf("upload: %w", err)
		}
		if int64(len(data)) != it.info.size {
			return fmt.Errorf("upload: %s changed while it was being uploaded", it.Local)
		}
		if err := enc.Encode(kv{"file", map[string]string{"content": base64.StdEncoding.EncodeToString(data), "path": it.PathInRepo, "encoding": "base64"}}); err != nil {
			return err
		}
	}
	payload := buf.Bytes()
	u := fmt.Sprintf("%s/api/%ss/%s/commit/%s", c.cfg.Endpoint, t.repoType, t.repo, url.PathEscape(t.revision))
	what := fmt.Sprintf("commit to %s %s", t.repoType, t.repo)
	r := request{method: http.MethodPost, url: u, header: http.Header{"Content-Type": {"application/x-ndjson"}}, auth: true,
		body: func() (io.Reader, int64, error) { return bytes.NewReader(payload), int64(len(payload)), nil }}
	lost := false
	return c.retry.do(ctx, func() (bool, error) {
		if lost {
			landed, err := c.landed(ctx, t, items)
			if err != nil {
				return false, err
			}
			if landed {
				res.Committed = true
				return false, nil
			}
		}
		resp, err := c.do(ctx, r)
		if err != nil {
			lost = true
			return false, fmt.Errorf("%s: %w", what, err)
		}
		if resp.StatusCode/100 != 2 {
			return false, t.statusError(resp, "commit", what)
		}
		defer resp.Body.Close()
		var ans struct {
			CommitURL string `json:"commitUrl"`
			CommitOID string `json:"commitOid"`
		}
		if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&ans); err != nil {
			lost = true
			return false, retryable(fmt.Errorf("%s: the answer was cut: %w", what, err))
		}
		res.Committed, res.CommitURL, res.CommitOID = true, ans.CommitURL, ans.CommitOID
		return false, nil
	})
}

// landed asks the preupload API whether the revision holds every file as
// it was to be committed.
func (c *Client) landed(ctx context.Context, t uploadTarget, items []*uploadItem) (bool, error) {
	probe := make([]*uploadItem, len(items))
	for i, it := range items {
		cp := *it
		cp.remoteID = ""
		probe[i] = &cp
	}
	if err := c.preupload(ctx, t, probe); err != nil {
		return false, err
	}
	for _, p := range probe {
		if !p.unchanged() {
			return false, nil
		}
	}
	return true, nil
}

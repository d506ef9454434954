package datasets

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// DefaultEndpoint is the Hugging Face Hub used when HF_ENDPOINT is unset.
const DefaultEndpoint = "https://huggingface.co"

// Token is a Hub access token. It prints as "[redacted]" so that it cannot
// leak into logs, errors or manifests through formatting.
type Token string

// String hides the token.
func (t Token) String() string {
	if t == "" {
		return ""
	}
	return "[redacted]"
}

// GoString hides the token from %#v.
func (t Token) GoString() string { return `"` + t.String() + `"` }

// Config says where the Hub is, how to authenticate and where the cache is.
type Config struct {
	// Endpoint is the Hub's base URL without a trailing slash.
	Endpoint string
	// Token is sent as "Authorization: Bearer" to the endpoint's host only.
	Token Token
	// HubCache is the huggingface_hub cache folder ($HF_HUB_CACHE).
	HubCache string
	// Home is $HF_HOME (default ~/.cache/huggingface), where the token
	// file is.
	Home string
	// Offline serves files from the cache only (HF_HUB_OFFLINE=1).
	Offline bool
	// StallTimeout drops and retries a download that receives nothing for
	// this long (HF_HUB_DOWNLOAD_TIMEOUT, in seconds); 0 means 60 s.
	StallTimeout time.Duration
}

// ConfigFromEnv reads the huggingface_hub environment variables:
// HF_ENDPOINT, HF_TOKEN (else HUGGING_FACE_HUB_TOKEN, else the file
// $HF_TOKEN_PATH or $HF_HOME/token), HF_HOME, HF_HUB_CACHE, HF_HUB_OFFLINE
// and HF_HUB_DOWNLOAD_TIMEOUT.
func ConfigFromEnv() (Config, error) {
	home, err := os.UserHomeDir()
	if err != nil && os.Getenv("HF_HOME") == "" && os.Getenv("HF_HUB_CACHE") == "" && os.Getenv("XDG_CACHE_HOME") == "" {
		return Config{}, fmt.Errorf("locate the Hugging Face cache: %w (set HF_HOME or HF_HUB_CACHE)", err)
	}
	return configFromLookup(os.Getenv, home)
}

func configFromLookup(getenv func(string) string, home string) (Config, error) {
	hfHome := getenv("HF_HOME")
	if hfHome == "" {
		xdg := getenv("XDG_CACHE_HOME")
		if xdg == "" {
			xdg = filepath.Join(home, ".cache")
		}
		hfHome = filepath.Join(xdg, "huggingface")
	}
	hfHome = expandHome(hfHome, home)
	cache := getenv("HF_HUB_CACHE")
	if cache == "" {
		cache = getenv("HUGGINGFACE_HUB_CACHE")
	}
	if cache == "" {
		cache = filepath.Join(hfHome, "hub")
	}
	cfg := Config{
		Endpoint: strings.TrimRight(getenv("HF_ENDPOINT"), "/"),
		HubCache: expandHome(cache, home),
		Home:     hfHome,
		Offline:  truthy(getenv("HF_HUB_OFFLINE")),
	}
	if cfg.Endpoint == "" {
		cfg.Endpoint = DefaultEndpoint
	}
	if !strings.HasPrefix(cfg.Endpoint, "http://") && !strings.HasPrefix(cfg.Endpoint, "https://") {
		return Config{}, fmt.Errorf("HF_ENDPOINT %q: want an http:// or https:// address", cfg.Endpoint)
	}
	if v := getenv("HF_HUB_DOWNLOAD_TIMEOUT"); v != "" {
		secs, err := strconv.ParseFloat(v, 64)
		if err != nil || secs <= 0 {
			return Config{}, fmt.Errorf("HF_HUB_DOWNLOAD_TIMEOUT %q: want a number of seconds > 0", v)
		}
		cfg.StallTimeout = time.Duration(secs * float64(time.Second))
	}
	tok := getenv("HF_TOKEN")
	if tok == "" {
		tok = getenv("HUGGING_FACE_HUB_TOKEN")
	}
	if tok == "" {
		path := getenv("HF_TOKEN_PATH")
		if path == "" {
			path = filepath.Join(hfHome, "token")
		}
		b, err := os.ReadFile(expandHome(path, home))
		switch {
		case err == nil:
			tok = string(b)
		case errors.Is(err, os.ErrNotExist):
		default:
			return Config{}, fmt.Errorf("read Hugging Face token file: %w", err)
		}
	}
	cfg.Token = Token(strings.TrimSpace(tok))
	return cfg, nil
}

// truthy follows huggingface_hub's _is_true: 1, ON, YES, TRUE in any case.
func truthy(v string) bool {
	switch strings.ToUpper(strings.TrimSpace(v)) {
	case "1", "ON", "YES", "TRUE":
		return true
	}
	return false
}

func expandHome(p, home string) string {
	if p == "~" {
		return home
	}
	if strings.HasPrefix(p, "~/") {
		return filepath.Join(home, p[2:])
	}
	return p
}

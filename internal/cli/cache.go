package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	goruntime "runtime"
	"slices"
	"time"
)

// programCache keeps the programs cnnc run --engine gen, bench and train
// build, so that running a model again skips the build (1.5 s with a warm
// Go build cache, 20 s and more with a cold one). A program is a file
// named by a hash of everything that goes into it: every source file (the
// generated package, its main and the embedded runtime), the go command
// (its path, size and time) and the environment that changes a build.
// Using a program touches it; storing one removes those not used for
// cacheDays days. The cache is $CNNC_CACHE, else cnnc/programs in the
// user's cache directory; CNNC_CACHE=off turns it off, as does a
// directory that cannot be made.
type programCache struct{ dir string } // "" when off

// cacheDays is how long a program stays in the cache unused.
const cacheDays = 10

func openCache() programCache {
	dir := os.Getenv("CNNC_CACHE")
	switch dir {
	case "off":
		return programCache{}
	case "":
		base, err := os.UserCacheDir()
		if err != nil {
			return programCache{}
		}
		dir = filepath.Join(base, "cnnc", "programs")
	}
	if os.MkdirAll(dir, 0o755) != nil {
		return programCache{}
	}
	return programCache{dir: dir}
}

// buildEnv lists the variables that change what the go command builds.
var buildEnv = []string{"GOEXPERIMENT", "GOAMD64", "GOARM64", "GOARM", "GO386", "GOARCH", "GOOS", "GOFLAGS", "CGO_ENABLED", "GOROOT", "CNNC_PORTABLE"}

// cacheKey hashes a program's files (names to contents), the go command
// goCmd and the build environment.
func cacheKey(files map[string][]byte, goCmd string) string {
	h := sha256.New()
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		fmt.Fprintf(h, "file %q %d\n", name, len(files[name]))
		h.Write(files[name])
	}
	if st, err := os.Stat(goCmd); err == nil {
		fmt.Fprintf(h, "go %q %d %d\n", goCmd, st.Size(), st.ModTime().UnixNano())
	}
	for _, v := range buildEnv {
		fmt.Fprintf(h, "%s=%q\n", v, os.Getenv(v))
	}
	fmt.Fprintf(h, "%s/%s\n", goruntime.GOOS, goruntime.GOARCH)
	return hex.EncodeToString(h.Sum(nil))[:32]
}

func (c programCache) path(key string) string {
	p := filepath.Join(c.dir, key)
	if goruntime.GOOS == "windows" {
		p += ".exe"
	}
	return p
}

// lookup returns the program stored under key, or "".
func (c programCache) lookup(key string) string {
	if c.dir == "" {
		return ""
	}
	p := c.path(key)
	st, err := os.Stat(p)
	if err != nil || !st.Mode().IsRegular() {
		return ""
	}
	now := time.Now()
	os.Chtimes(p, now, now)
	return p
}

// store copies the program bin into the cache under key, atomically, and
// returns its path there, or "" when it cannot.
func (c programCache) store(key, bin string) string {
	if c.dir == "" {
		return ""
	}
	c.trim()
	src, err := os.Open(bin)
	if err != nil {
		return ""
	}
	defer src.Close()
	tmp, err := os.CreateTemp(c.dir, ".tmp-*")
	if err != nil {
		return ""
	}
	_, err = io.Copy(tmp, src)
	if err == nil {
		err = tmp.Chmod(0o755)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), c.path(key))
	}
	if err != nil {
		os.Remove(tmp.Name())
		return ""
	}
	return c.path(key)
}

// trim removes the programs (and temporary files) not used for cacheDays.
func (c programCache) trim() {
	entries, err := os.ReadDir(c.dir)
	if err != nil {
		return
	}
	old := time.Now().Add(-cacheDays * 24 * time.Hour)
	for _, e := range entries {
		if info, err := e.Info(); err == nil && info.Mode().IsRegular() && info.ModTime().Before(old) {
			os.Remove(filepath.Join(c.dir, e.Name()))
		}
	}
}

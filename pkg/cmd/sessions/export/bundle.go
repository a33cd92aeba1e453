package export

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// File is one file of a bundle as the manifest lists it.
type File struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Bytes  int64  `json:"bytes"`
}

// isTarball reports whether out names a gzipped tarball rather than a
// directory.
func isTarball(out string) bool {
	l := strings.ToLower(out)
	return strings.HasSuffix(l, ".tar.gz") || strings.HasSuffix(l, ".tgz")
}

// bundle is an evidence bundle being built. Everything goes into a
// temporary sibling of the final path (same directory, so the final
// rename is atomic and never crosses file systems): a directory, or a
// .tar.gz file. commit renames it into place; abort removes it. Until
// commit, nothing exists under the final name.
type bundle struct {
	final   string
	tmp     string
	tarball bool
	mtime   time.Time

	mu    sync.Mutex
	done  bool
	f     *os.File
	gz    *gzip.Writer
	tw    *tar.Writer
	dirs  map[string]bool
	files []File
	// redact takes secrets out of every file before it is written and
	// summed (a journal line written by an older pamctl may hold one).
	redact func([]byte) []byte
}

// createBundle starts a bundle for final. The temporary's name starts with
// a dot and names the final one, so a leftover (after a power loss) says
// what it was.
func createBundle(final string, mtime time.Time) (*bundle, error) {
	dir, base := filepath.Split(final)
	if dir == "" {
		dir = "."
	}
	b := &bundle{final: final, tarball: isTarball(final), mtime: mtime.UTC(), dirs: map[string]bool{}}
	pattern := "." + base + ".tmp-*"
	if !b.tarball {
		tmp, err := os.MkdirTemp(dir, pattern)
		if err != nil {
			return nil, fmt.Errorf("creating the bundle: %w", err)
		}
		b.tmp = tmp // MkdirTemp makes it 0700
		return b, nil
	}
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return nil, fmt.Errorf("creating the bundle: %w", err)
	}
	b.tmp, b.f = f.Name(), f
	if err := f.Chmod(0o600); err != nil {
		b.abort()
		return nil, fmt.Errorf("creating the bundle: %w", err)
	}
	// A fixed gzip header (no name, no time, OS unknown) and tar headers
	// without owners, with the bundle's creation time: the same content
	// makes the same bytes.
	b.gz, _ = gzip.NewWriterLevel(f, gzip.BestCompression)
	b.gz.ModTime = b.mtime
	b.tw = tar.NewWriter(b.gz)
	return b, nil
}

// add writes one file (a slash-separated path inside the bundle) and
// records its checksum for the manifest.
func (b *bundle) add(name string, data []byte) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.done {
		return errors.New("the bundle was abandoned")
	}
	if !fs.ValidPath(name) || name == "." {
		return fmt.Errorf("bundle: bad file name %q", name)
	}
	if b.redact != nil {
		data = b.redact(data)
	}
	if err := b.write(name, data); err != nil {
		return fmt.Errorf("writing %s of the bundle: %w", name, err)
	}
	sum := sha256.Sum256(data)
	b.files = append(b.files, File{Path: name, SHA256: hex.EncodeToString(sum[:]), Bytes: int64(len(data))})
	return nil
}

func (b *bundle) write(name string, data []byte) error {
	if !b.tarball {
		p := filepath.Join(b.tmp, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			return err
		}
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return err
		}
		if _, err := f.Write(data); err != nil {
			f.Close()
			return err
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	if d := path.Dir(name); d != "." && !b.dirs[d] {
		if err := b.tw.WriteHeader(b.header(d+"/", tar.TypeDir, 0o700, 0)); err != nil {
			return err
		}
		b.dirs[d] = true
	}
	if err := b.tw.WriteHeader(b.header(name, tar.TypeReg, 0o600, int64(len(data)))); err != nil {
		return err
	}
	_, err := b.tw.Write(data)
	return err
}

// header is a tar header with no owner (uid/gid 0, no names) and the
// bundle's time.
func (b *bundle) header(name string, typ byte, mode, size int64) *tar.Header {
	return &tar.Header{Typeflag: typ, Name: name, Mode: mode, Size: size, ModTime: b.mtime, Format: tar.FormatPAX}
}

// size is the bundle's size on disk: the tarball's, or the sum of the
// files' (valid after commit).
func (b *bundle) size() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.tarball {
		if fi, err := os.Stat(b.final); err == nil {
			return fi.Size()
		}
		return 0
	}
	var n int64
	for _, f := range b.files {
		n += f.Bytes
	}
	return n
}

// commit finishes the bundle and renames it to the final name. Without
// force an existing final path (created since the check before any
// request) is an error; with force it is replaced: moved aside, the
// bundle renamed in, then removed, so the final name always holds a
// complete bundle, the old one or the new one.
func (b *bundle) commit(force bool) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.done {
		return errors.New("the bundle was abandoned")
	}
	if b.tarball {
		err := b.tw.Close()
		if err == nil {
			err = b.gz.Close()
		}
		if err == nil {
			err = b.f.Sync()
		}
		if cerr := b.f.Close(); err == nil {
			err = cerr
		}
		b.f = nil
		if err != nil {
			return fmt.Errorf("writing the bundle: %w", err)
		}
	}
	aside := ""
	if _, err := os.Lstat(b.final); err == nil {
		if !force {
			return fmt.Errorf("%s appeared while the bundle was being built; pass --force to replace it", b.final)
		}
		aside = b.tmp + ".old"
		if err := os.Rename(b.final, aside); err != nil {
			return fmt.Errorf("replacing %s: %w", b.final, err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("checking %s: %w", b.final, err)
	}
	if err := os.Rename(b.tmp, b.final); err != nil {
		if aside != "" {
			_ = os.Rename(aside, b.final)
		}
		return fmt.Errorf("moving the bundle to %s: %w", b.final, err)
	}
	b.done = true
	syncDir(filepath.Dir(b.final))
	if aside != "" {
		if err := os.RemoveAll(aside); err != nil {
			return fmt.Errorf("the bundle is at %s, but removing the one it replaced (now %s) failed: %w", b.final, aside, err)
		}
	}
	return nil
}

// abort removes the temporary. It is safe to call more than once, after
// commit (then it does nothing), and from the second-signal hook.
func (b *bundle) abort() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.done {
		return
	}
	b.done = true
	if b.f != nil {
		b.f.Close()
		b.f = nil
	}
	_ = os.RemoveAll(b.tmp)
}

// syncDir makes a rename durable where the platform allows it.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

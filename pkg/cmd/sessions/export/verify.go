package export

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// maxVerifyBytes bounds what verification reads of one bundle file.
const maxVerifyBytes = 1 << 30

// VerifyError lists every problem Verify found in a bundle.
type VerifyError struct {
	Bundle   string
	Problems []string
}

func (e *VerifyError) Error() string {
	if len(e.Problems) == 1 {
		return e.Bundle + ": " + e.Problems[0]
	}
	return fmt.Sprintf("%s: %d problems: %s", e.Bundle, len(e.Problems), strings.Join(e.Problems, "; "))
}

// Verify checks a bundle (a directory or a .tar.gz) against its
// manifest: every file it lists is there with its size and sha256, and
// no other file is. It returns the manifest, or a *VerifyError naming
// every problem it found (not only the first). A tarball is read, never
// extracted.
func Verify(bundlePath string) (*Manifest, error) { return verifyAt(bundlePath, bundlePath) }

// verifyAt is Verify of the bundle at path, called name in messages (the
// path as the user gave it).
func verifyAt(path, name string) (*Manifest, error) {
	files, problems, err := readBundle(path)
	if err != nil {
		return nil, err
	}
	fail := func() error { return &VerifyError{Bundle: name, Problems: problems} }
	raw, ok := files[ManifestFile]
	if !ok {
		problems = append(problems, "no "+ManifestFile)
		return nil, fail()
	}
	var m Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		problems = append(problems, fmt.Sprintf("%s is not a pamctl manifest: %v", ManifestFile, err))
		return nil, fail()
	}
	// The signature signs the manifest, so the manifest cannot list it.
	listed := map[string]bool{ManifestFile: true, SignatureFile: true}
	for _, f := range m.Files {
		if listed[f.Path] {
			problems = append(problems, fmt.Sprintf("%s lists %s twice", ManifestFile, f.Path))
			continue
		}
		listed[f.Path] = true
		data, ok := files[f.Path]
		switch {
		case !ok:
			problems = append(problems, f.Path+" is missing")
		case int64(len(data)) != f.Bytes:
			problems = append(problems, fmt.Sprintf("%s has %d bytes, the manifest says %d", f.Path, len(data), f.Bytes))
		default:
			sum := sha256.Sum256(data)
			if got := hex.EncodeToString(sum[:]); got != f.SHA256 {
				problems = append(problems, fmt.Sprintf("%s has sha256 %s, the manifest says %s", f.Path, got, f.SHA256))
			}
		}
	}
	var extra []string
	for p := range files {
		if !listed[p] {
			extra = append(extra, p)
		}
	}
	sort.Strings(extra)
	for _, p := range extra {
		problems = append(problems, p+" is not in the manifest")
	}
	if len(problems) > 0 {
		return nil, fail()
	}
	return &m, nil
}

// readBundle returns the regular files of a bundle by slash-separated
// path, and the problems it met: anything else (a link, a device, a path
// leaving the bundle, an entry twice) is skipped and named. err is a
// bundle that cannot be read at all.
func readBundle(p string) (files map[string][]byte, problems []string, err error) {
	fi, err := os.Stat(p)
	if err != nil {
		return nil, nil, err
	}
	files = map[string][]byte{}
	if fi.IsDir() {
		root := os.DirFS(p)
		err := fs.WalkDir(root, ".", func(name string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			switch {
			case d.IsDir():
				return nil
			case !d.Type().IsRegular():
				problems = append(problems, name+" is not a regular file")
				return nil
			}
			data, err := os.ReadFile(filepath.Join(p, filepath.FromSlash(name)))
			if err != nil {
				return err
			}
			files[name] = data
			return nil
		})
		return files, problems, err
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return nil, nil, fmt.Errorf("%s is neither a directory nor a .tar.gz: %v", p, err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return files, problems, nil
		}
		if err != nil {
			return files, append(problems, fmt.Sprintf("the archive is damaged: %v", err)), nil
		}
		switch h.Typeflag {
		case tar.TypeDir:
			continue
		case tar.TypeReg:
		default:
			problems = append(problems, fmt.Sprintf("%q is not a regular file", h.Name))
			continue
		}
		if !fs.ValidPath(h.Name) {
			problems = append(problems, fmt.Sprintf("entry %q leaves the bundle", h.Name))
			continue
		}
		if _, dup := files[h.Name]; dup {
			problems = append(problems, h.Name+" appears twice")
			continue
		}
		var buf bytes.Buffer
		if _, err := io.Copy(&buf, io.LimitReader(tr, maxVerifyBytes)); err != nil {
			return files, append(problems, fmt.Sprintf("%s: %v", h.Name, err)), nil
		}
		files[h.Name] = buf.Bytes()
	}
}

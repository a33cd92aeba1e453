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
)

// maxVerifyBytes bounds what verification reads of one bundle file.
const maxVerifyBytes = 1 << 30

// Verify checks a bundle (a directory or a .tar.gz) against its
// manifest: every file it lists is there with its size and sha256, and
// no other file is. It returns the manifest, or an error naming the
// first file that differs. A tarball is read, never extracted.
func Verify(bundlePath string) (*Manifest, error) {
	files, err := readBundle(bundlePath)
	if err != nil {
		return nil, err
	}
	raw, ok := files[ManifestFile]
	if !ok {
		return nil, fmt.Errorf("%s has no %s", bundlePath, ManifestFile)
	}
	var m Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("%s: %s is not a pamctl manifest: %v", bundlePath, ManifestFile, err)
	}
	// The signature signs the manifest, so the manifest cannot list it.
	listed := map[string]bool{ManifestFile: true, SignatureFile: true}
	for _, f := range m.Files {
		if listed[f.Path] {
			return nil, fmt.Errorf("%s: %s lists %s twice", bundlePath, ManifestFile, f.Path)
		}
		listed[f.Path] = true
		data, ok := files[f.Path]
		if !ok {
			return nil, fmt.Errorf("%s: %s is missing", bundlePath, f.Path)
		}
		if int64(len(data)) != f.Bytes {
			return nil, fmt.Errorf("%s: %s has %d bytes, the manifest says %d", bundlePath, f.Path, len(data), f.Bytes)
		}
		sum := sha256.Sum256(data)
		if got := hex.EncodeToString(sum[:]); got != f.SHA256 {
			return nil, fmt.Errorf("%s: %s has sha256 %s, the manifest says %s", bundlePath, f.Path, got, f.SHA256)
		}
	}
	var extra []string
	for p := range files {
		if !listed[p] {
			extra = append(extra, p)
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		return nil, fmt.Errorf("%s: %s is not in the manifest", bundlePath, extra[0])
	}
	return &m, nil
}

// readBundle returns the regular files of a bundle by slash-separated
// path. Anything else (a link, a device, a path leaving the bundle) is an
// error.
func readBundle(p string) (map[string][]byte, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{}
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
				return fmt.Errorf("%s: %s is not a regular file", p, name)
			}
			data, err := os.ReadFile(filepath.Join(p, filepath.FromSlash(name)))
			if err != nil {
				return err
			}
			files[name] = data
			return nil
		})
		return files, err
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s is neither a directory nor a .tar.gz: %v", p, err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return files, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %v", p, err)
		}
		switch h.Typeflag {
		case tar.TypeDir:
			continue
		case tar.TypeReg:
		default:
			return nil, fmt.Errorf("%s: %s is not a regular file", p, h.Name)
		}
		if !fs.ValidPath(h.Name) {
			return nil, fmt.Errorf("%s: entry %q leaves the bundle", p, h.Name)
		}
		if _, dup := files[h.Name]; dup {
			return nil, fmt.Errorf("%s: %s appears twice", p, h.Name)
		}
		var buf bytes.Buffer
		if _, err := io.Copy(&buf, io.LimitReader(tr, maxVerifyBytes)); err != nil {
			return nil, fmt.Errorf("%s: %s: %v", p, h.Name, err)
		}
		files[h.Name] = buf.Bytes()
	}
}

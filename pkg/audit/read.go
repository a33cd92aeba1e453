package audit

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// MaxLineBytes bounds one journal line when reading: pamctl writes lines of
// a few hundred bytes, so a longer one is not a journal line.
const MaxLineBytes = 1 << 20

// ScanStats says what Scan read.
type ScanStats struct {
	// Lines is the number of lines that decoded as an Entry.
	Lines int
	// Unreadable counts the lines skipped because they were not a JSON
	// Entry (or were longer than MaxLineBytes); Scan never stops on one.
	Unreadable int
}

// Scan reads the journal at path line by line and calls fn with each
// line's exact bytes (without the newline) and its decoded Entry, in file
// order. A line that is not a JSON object (a torn write, an editor's
// leftover) is counted in ScanStats.Unreadable and skipped. A missing
// journal is an error satisfying errors.Is(err, os.ErrNotExist); a symbolic
// link is refused, as Open refuses it. The journal is only read: Scan never
// creates or changes it. An error from fn stops the scan and is returned.
func Scan(path string, fn func(raw []byte, e Entry) error) (ScanStats, error) {
	var st ScanStats
	f, err := os.OpenFile(path, os.O_RDONLY|noFollow, 0)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return st, err
		}
		if fi, lerr := os.Lstat(path); lerr == nil && fi.Mode()&os.ModeSymlink != 0 {
			return st, fmt.Errorf("audit journal %s is a symbolic link; refusing to follow it", path)
		}
		return st, fmt.Errorf("audit journal: %w", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil {
		return st, fmt.Errorf("audit journal: %w", err)
	} else if !fi.Mode().IsRegular() {
		return st, fmt.Errorf("audit journal %s is not a regular file", path)
	}
	r := bufio.NewReaderSize(f, 64<<10)
	for {
		line, tooLong, err := readLine(r)
		if len(line) > 0 || tooLong {
			switch {
			case tooLong:
				st.Unreadable++
			default:
				var e Entry
				if json.Unmarshal(line, &e) != nil || !bytes.HasPrefix(bytes.TrimSpace(line), []byte("{")) {
					st.Unreadable++
				} else {
					st.Lines++
					if ferr := fn(line, e); ferr != nil {
						return st, ferr
					}
				}
			}
		}
		if errors.Is(err, io.EOF) {
			return st, nil
		}
		if err != nil {
			return st, fmt.Errorf("audit journal %s: %w", path, err)
		}
	}
}

// readLine returns the next line without its newline (and without a
// trailing carriage return). A line over MaxLineBytes is consumed and
// reported as tooLong, its bytes dropped.
func readLine(r *bufio.Reader) (line []byte, tooLong bool, err error) {
	var buf []byte
	for {
		chunk, isPrefix, rerr := r.ReadLine()
		if rerr != nil {
			return buf, tooLong, rerr
		}
		if !tooLong {
			if len(buf)+len(chunk) > MaxLineBytes {
				tooLong, buf = true, nil
			} else {
				buf = append(buf, chunk...)
			}
		}
		if !isPrefix {
			if tooLong {
				return nil, true, nil
			}
			return buf, false, nil
		}
	}
}

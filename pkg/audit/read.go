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

// ErrNotJournal is a file that is not JSON lines.
var ErrNotJournal = errors.New("not a JSON-lines audit journal")

// ScanStats says what Scan read.
type ScanStats struct {
	// Lines is the number of lines that decoded as an Entry.
	Lines int
	// Unreadable counts the lines skipped because they were not a JSON
	// Entry (or were longer than MaxLineBytes); Scan never stops on one.
	Unreadable int
}

// Line is one line of the journal as read.
type Line struct {
	// File is the journal file the line is in; N its line number there,
	// from 1 (0 when reading backwards, where it is not known).
	File string
	N    int
	// Raw is the line's exact bytes without its newline (and without a
	// trailing carriage return); only valid during the callback.
	Raw []byte
	// Entry is the decoded line when OK.
	Entry Entry
	OK    bool
	// Torn is a last line with no newline after it (a write cut short);
	// TooLong a line over MaxLineBytes, whose bytes are not kept.
	Torn    bool
	TooLong bool
}

func (l *Line) decode() {
	l.Entry, l.OK = Entry{}, false
	if l.TooLong || len(l.Raw) == 0 || l.Raw[0] != '{' {
		return
	}
	l.OK = json.Unmarshal(l.Raw, &l.Entry) == nil
}

// Scan reads the journal at path (its rotated files first, oldest first)
// line by line and calls fn with each line's exact bytes (without the
// newline) and its decoded Entry, in file order. A line that is not a JSON
// object (a torn write, an editor's leftover) is counted in
// ScanStats.Unreadable and skipped; a file that does not start with a JSON
// object is not a journal (ErrNotJournal). A missing journal is an error
// satisfying errors.Is(err, os.ErrNotExist); a symbolic link is refused, as
// Open refuses it. The journal is only read: Scan never creates or changes
// it. An error from fn stops the scan and is returned.
func Scan(path string, fn func(raw []byte, e Entry) error) (ScanStats, error) {
	var st ScanStats
	err := ScanLines(path, func(l *Line) error {
		if !l.OK {
			st.Unreadable++
			return nil
		}
		st.Lines++
		return fn(l.Raw, l.Entry)
	})
	return st, err
}

// ScanLines calls fn with every non-blank line of the journal at path, in
// the order written: the rotated files, oldest first, then the journal. It
// reads one line at a time, so memory stays bounded whatever the size.
func ScanLines(path string, fn func(*Line) error) error {
	return scanLines(path, true, fn)
}

// scanLines is ScanLines; without decode, Line.Entry stays empty and OK
// only says that the line is a valid JSON object (Verify needs no more).
func scanLines(path string, decode bool, fn func(*Line) error) error {
	files, err := Files(path)
	if err != nil {
		return err
	}
	for _, name := range files {
		if err := scanFile(name, decode, fn); err != nil {
			return err
		}
	}
	return nil
}

func scanFile(name string, decode bool, fn func(*Line) error) error {
	f, err := openRead(name)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := checkHead(f, name); err != nil {
		return err
	}
	r := bufio.NewReaderSize(f, 64<<10)
	l := &Line{File: name}
	for n := 1; ; n++ {
		line, tooLong, terminated, err := readLine(r)
		if len(line) > 0 || tooLong {
			l.N, l.Raw, l.TooLong, l.Torn = n, line, tooLong, !terminated
			if decode {
				l.decode()
			} else {
				l.OK = !tooLong && len(line) > 0 && line[0] == '{' && json.Valid(line)
			}
			if ferr := fn(l); ferr != nil {
				return ferr
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("audit journal %s: %w", name, err)
		}
	}
}

// ScanBackward calls fn with every non-blank line of the journal at path,
// newest first: the journal, then its rotated files, newest first, each
// read backwards in blocks. Line.N is 0. fn returning ErrStop ends the walk
// without an error.
func ScanBackward(path string, fn func(*Line) error) error {
	return ScanBackwardWhere(path, nil, fn)
}

// ScanBackwardWhere is ScanBackward, but a line for which keep (when not
// nil) returns false is passed over before it is decoded: a cheap test on
// the raw bytes that can only rule a line out makes a filtered listing of a
// large journal several times faster.
func ScanBackwardWhere(path string, keep func(raw []byte) bool, fn func(*Line) error) error {
	files, err := Files(path)
	if err != nil {
		return err
	}
	l := &Line{}
	for i := len(files) - 1; i >= 0; i-- {
		name := files[i]
		err := withFile(name, func(f *os.File, size int64) error {
			if err := checkHead(f, name); err != nil {
				return err
			}
			return eachLineBackward(f, size, func(line []byte, torn, tooLong bool) error {
				if (len(line) == 0 && !tooLong) || (keep != nil && !tooLong && !keep(line)) {
					return nil
				}
				*l = Line{File: name, Raw: line, Torn: torn, TooLong: tooLong}
				l.decode()
				return fn(l)
			})
		})
		if err != nil {
			return stopped(err)
		}
	}
	return nil
}

// ErrStop ends a ScanBackward walk early, without an error, when its
// callback returns it.
var ErrStop = errStop

func withFile(name string, fn func(f *os.File, size int64) error) error {
	f, err := openRead(name)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("audit journal: %w", err)
	}
	return fn(f, fi.Size())
}

// checkHead refuses a file whose first non-blank byte does not open a JSON
// object: a CSV export or a binary file given as --journal.
func checkHead(f *os.File, name string) error {
	head := make([]byte, 4096)
	n, err := f.ReadAt(head, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("audit journal %s: %w", name, err)
	}
	t := bytes.TrimLeft(head[:n], " \t\r\n")
	if len(t) > 0 && t[0] != '{' {
		return fmt.Errorf("%s: %w: its first line is not a JSON object", name, ErrNotJournal)
	}
	return nil
}

// readLine returns the next line without its newline (and without a
// trailing carriage return), and whether a newline ended it. A line over
// MaxLineBytes is consumed and reported as tooLong, its bytes dropped.
func readLine(r *bufio.Reader) (line []byte, tooLong, terminated bool, err error) {
	var buf []byte
	for {
		chunk, rerr := r.ReadSlice('\n')
		if !tooLong {
			if len(buf)+len(chunk) > MaxLineBytes+2 {
				tooLong, buf = true, nil
			} else {
				buf = append(buf, chunk...)
			}
		}
		if errors.Is(rerr, bufio.ErrBufferFull) {
			continue
		}
		terminated = rerr == nil
		if terminated {
			buf = bytes.TrimSuffix(bytes.TrimSuffix(buf, []byte("\n")), []byte("\r"))
		}
		if tooLong {
			return nil, true, terminated, rerr
		}
		return buf, false, terminated, rerr
	}
}

package audit

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// backwardBlock is how much of a file eachLineBackward reads at a time.
const backwardBlock = 64 << 10

// eachLineBackward calls fn with the lines of the first size bytes of r,
// last line first, reading backwards in blocks: memory stays bounded by
// the block and the longest line (MaxLineBytes), whatever the file's size.
// A line is passed without its newline; torn is true for a last line with
// no newline after it (a write cut short), and tooLong for a line over
// MaxLineBytes (its bytes are not passed). line is only valid during the
// call. An error from fn (errStop too) ends the walk and is returned.
func eachLineBackward(r io.ReaderAt, size int64, fn func(line []byte, torn, tooLong bool) error) error {
	pos := size
	torn := false
	if size > 0 {
		last := make([]byte, 1)
		if _, err := r.ReadAt(last, size-1); err != nil {
			return fmt.Errorf("audit journal: %w", err)
		}
		if last[0] == '\n' {
			pos--
		} else {
			torn = true
		}
	}
	var carry []byte
	dropping := false // the line being gathered is over MaxLineBytes
	emit := func(line []byte) error {
		err := fn(line, torn, dropping)
		torn, dropping = false, false
		return err
	}
	for pos > 0 {
		n := min(int64(backwardBlock), pos)
		pos -= n
		data := make([]byte, int(n)+len(carry))
		if _, err := r.ReadAt(data[:n], pos); err != nil && err != io.EOF {
			return fmt.Errorf("audit journal: %w", err)
		}
		copy(data[n:], carry)
		for {
			i := bytes.LastIndexByte(data, '\n')
			if i < 0 {
				break
			}
			line := bytes.TrimSuffix(data[i+1:], []byte("\r"))
			if dropping {
				line = nil
			}
			if err := emit(line); err != nil {
				return err
			}
			data = data[:i]
		}
		carry = data
		if len(carry) > MaxLineBytes {
			carry, dropping = nil, true
		}
	}
	if size > 0 && (len(carry) > 0 || dropping || pos == 0) {
		if dropping {
			carry = nil
		}
		if err := emit(bytes.TrimSuffix(carry, []byte("\r"))); err != nil {
			return err
		}
	}
	return nil
}

// errStop ends a walk early without an error.
var errStop = errors.New("stop")

func stopped(err error) error {
	if errors.Is(err, errStop) {
		return nil
	}
	return err
}

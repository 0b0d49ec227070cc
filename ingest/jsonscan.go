package ingest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"
)

// rawScanner cuts a JSON document into its values' bytes without decoding them: strings
// are crossed with bytes.IndexByte, so it runs at memory speed where encoding/json's
// Decoder, which checks every byte against its state machine, ran at ~150 MB/s and was the
// largest cost of a promptfoo import. It checks the structure (brackets, commas, colons,
// quotes); what a value holds is checked by whoever decodes it, and a skipped value only
// for its structure. A leading byte-order mark is passed over.
type rawScanner struct {
	r    io.Reader
	buf  []byte
	pos  int   // the next unread byte
	end  int   // buf[pos:end] is read and unconsumed
	base int64 // the document offset of buf[0]
	err  error // the reader's error, once it has one
	// discard: the value being scanned is skipped, so the buffer keeps only what the
	// scan still looks back at (a run of backslashes), not the whole value.
	discard bool
	// max bounds a value the scanner holds (0: no bound): errValueTooLarge past it.
	max int
	// begun: the document's start was looked at for a byte-order mark.
	begun bool
}

// errValueTooLarge is a held value longer than the scanner's max.
var errValueTooLarge = errors.New("value too large")

func newRawScanner(r io.Reader) *rawScanner {
	buf, _ := scanBufs.Get().([]byte)
	if buf == nil {
		buf = make([]byte, scanBuf)
	}
	return &rawScanner{r: r, buf: buf[:cap(buf)]}
}

// scanBufs keeps a scanner's buffer for the next one (a file is read twice), if it is of
// the first size: a buffer grown to hold a long value is let go, so the run's writing does
// not carry it. Kept, a 15 MB promptfoo result's 16 MB buffer was live while the writer
// encoded the result (four copies of it at once), and the import peaked at 133–150 MB
// instead of 119 (scripts/memory-check.sh's budget is 137.5).
var scanBufs sync.Pool

const scanBuf = 1 << 20

// release gives the scanner's buffer back; the scanner is not used after.
func (s *rawScanner) release() {
	if s.buf != nil && cap(s.buf) <= scanBuf {
		scanBufs.Put(s.buf) // a slice header, small next to what it saves
	}
	s.buf = nil
}

// offset is the document offset of the next unread byte, for error messages.
func (s *rawScanner) offset() int64 { return s.base + int64(s.pos) }

// fill reads more of the document, keeping buf[keep:end] (keep ≤ pos) and moving it to the
// front; it reports how far the kept bytes moved, or an error at the end of the input.
func (s *rawScanner) fill(keep int) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	shift := keep
	if shift > 0 {
		copy(s.buf, s.buf[keep:s.end])
		s.pos -= shift
		s.end -= shift
		s.base += int64(shift)
	}
	if s.end == len(s.buf) { // twice the size, in one allocation (no temporary of the added half)
		grown := make([]byte, 2*len(s.buf))
		copy(grown, s.buf[:s.end])
		s.buf = grown
	}
	n, err := s.r.Read(s.buf[s.end:])
	s.end += n
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		s.err = err
		if n > 0 {
			return shift, nil
		}
		return shift, err
	}
	return shift, nil
}

// peek skips white space (and, at the start, a byte-order mark) and returns the next
// byte, unconsumed.
func (s *rawScanner) peek() (byte, error) {
	if !s.begun {
		s.begun = true
		for s.end-s.pos < len(bom) && s.err == nil {
			_, _ = s.fill(s.pos) // its error is kept in s.err
		}
		if bytes.HasPrefix(s.buf[s.pos:s.end], bom) {
			s.pos += len(bom)
		}
	}
	for {
		for s.pos < s.end {
			switch c := s.buf[s.pos]; c {
			case ' ', '\t', '\n', '\r':
				s.pos++
			default:
				return c, nil
			}
		}
		if _, err := s.fill(s.pos); err != nil {
			return 0, s.problem("the document ends early")
		}
	}
}

// expect consumes the next non-space byte, which must be c.
func (s *rawScanner) expect(c byte) error {
	got, err := s.peek()
	if err != nil {
		return err
	}
	if got != c {
		return s.problem(fmt.Sprintf("want %q, found %q", c, got))
	}
	s.pos++
	return nil
}

func (s *rawScanner) problem(what string) error {
	return fmt.Errorf("invalid JSON at byte %d: %s", s.offset(), what)
}

// value returns the next value's bytes, consumed. They live in the scanner's buffer until
// its next call: copy what must outlast it.
func (s *rawScanner) value() ([]byte, error) {
	c, err := s.peek()
	if err != nil {
		return nil, err
	}
	start := s.pos
	i := s.pos
	var end int
	switch {
	case c == '"':
		end, err = s.stringEnd(&start, i+1)
	case c == '{' || c == '[':
		end, err = s.nestedEnd(&start, i)
	case c == '-' || c >= '0' && c <= '9' || c == 't' || c == 'f' || c == 'n':
		end, err = s.scalarEnd(&start, i)
	default:
		return nil, s.problem(fmt.Sprintf("a value cannot start with %q", c))
	}
	if err != nil {
		return nil, err
	}
	s.pos = end
	if s.tooLarge(end - start) {
		return nil, errValueTooLarge
	}
	return s.buf[start:end], nil
}

// tooLarge reports whether a held value of n bytes is over the scanner's bound.
func (s *rawScanner) tooLarge(n int) bool { return !s.discard && s.max > 0 && n > s.max }

// refill reads more when the scan at i has reached the buffer's end, keeping the value from
// start (a skipped value: only the run of backslashes before i) and moving start and i
// with the kept bytes. It answers the reader's error as is: io.ErrUnexpectedEOF at the end.
func (s *rawScanner) refill(start *int, i *int) error {
	if s.tooLarge(s.end - *start) {
		return errValueTooLarge
	}
	if s.discard {
		j := *i
		for j > *start && s.buf[j-1] == '\\' {
			j--
		}
		*start = j
	}
	shift, err := s.fill(*start)
	*start -= shift
	*i -= shift
	return err
}

// more is refill inside a string or a nested value, where the end of the input is an error.
func (s *rawScanner) more(start *int, i *int) error {
	err := s.refill(start, i)
	if err != nil && !errors.Is(err, errValueTooLarge) {
		s.pos = *start
		return s.problem("the document ends inside a value")
	}
	return err
}

// stringEnd returns the index after the closing quote of the string whose body starts at i.
func (s *rawScanner) stringEnd(start *int, i int) (int, error) {
	for {
		q := bytes.IndexByte(s.buf[i:s.end], '"')
		if q < 0 {
			i = s.end
			if err := s.more(start, &i); err != nil {
				return 0, err
			}
			continue
		}
		q += i
		bs := 0
		for k := q - 1; k >= *start && s.buf[k] == '\\'; k-- {
			bs++
		}
		if bs%2 == 0 {
			return q + 1, nil
		}
		i = q + 1
	}
}

// scalarEnd returns the index after a number or literal starting at i.
func (s *rawScanner) scalarEnd(start *int, i int) (int, error) {
	for {
		for ; i < s.end; i++ {
			switch s.buf[i] {
			case ',', ']', '}', ':', ' ', '\t', '\n', '\r', '"', '{', '[':
				return i, nil
			}
		}
		if err := s.refill(start, &i); err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) { // a document that is one number
				return i, nil
			}
			return 0, err
		}
	}
}

// nestedEnd returns the index after the object or array starting at i: brackets are
// matched (an object closed by ']' is an error), strings crossed whole.
func (s *rawScanner) nestedEnd(start *int, i int) (int, error) {
	stack := make([]byte, 0, 16)
	for {
		for ; i < s.end; i++ {
			switch c := s.buf[i]; c {
			case '"':
				e, err := s.stringEnd(start, i+1)
				if err != nil {
					return 0, err
				}
				i = e - 1
			case '{', '[':
				stack = append(stack, c)
			case '}', ']':
				if len(stack) == 0 || stack[len(stack)-1] != c-2 { // '{'+2 == '}', '['+2 == ']'
					s.pos = i
					return 0, s.problem(fmt.Sprintf("unexpected %q", c))
				}
				stack = stack[:len(stack)-1]
				if len(stack) == 0 {
					return i + 1, nil
				}
			}
		}
		if err := s.more(start, &i); err != nil {
			return 0, err
		}
	}
}

// skip consumes the next value without holding it: a skipped array of any size costs the
// buffer, not its bytes. Only its structure is checked.
func (s *rawScanner) skip() error {
	s.discard = true
	defer func() { s.discard = false }()
	_, err := s.value()
	return err
}

package ingest

import (
	"errors"
	"slices"
	"strconv"
	"testing"
)

// TestDecodeOrdered: values decoded on every core come out in the stream's order, and the
// first error (of the decoder, the consumer or the producer) ends the stream where it arose.
func TestDecodeOrdered(t *testing.T) {
	const n = 300_000 // several 1 MB batches of 10-byte values
	produce := func(failAt int) func(func([]byte) error) error {
		return func(yield func([]byte) error) error {
			for i := range n {
				if i == failAt {
					return errors.New("produce failed")
				}
				if err := yield([]byte(strconv.Itoa(i) + "_________")[:10]); err != nil {
					return err
				}
			}
			return nil
		}
	}
	decode := func(badAt int) func(int, []byte) (int, error) {
		return func(i int, raw []byte) (int, error) {
			if i == badAt {
				return 0, errors.New("bad value")
			}
			v, err := strconv.Atoi(string(raw[:len(strconv.Itoa(i))]))
			return v, err
		}
	}
	run := func(failAt, badAt, stopAt int) (int, error) {
		next := 0
		err := decodeOrdered(produce(failAt), decode(badAt), func(v int) error {
			if v != next {
				t.Fatalf("value %d came at %d", v, next)
			}
			if next == stopAt {
				return errors.New("consumer stopped")
			}
			next++
			return nil
		})
		return next, err
	}
	if got, err := run(-1, -1, -1); err != nil || got != n {
		t.Errorf("whole stream: %d values, %v", got, err)
	}
	if got, err := run(-1, 150_000, -1); err == nil || err.Error() != "bad value" || got != 150_000 {
		t.Errorf("a bad value: %d values, %v; want 150000 and its error", got, err)
	}
	if got, err := run(-1, -1, 1000); err == nil || err.Error() != "consumer stopped" || got != 1000 {
		t.Errorf("a stopped consumer: %d values, %v", got, err)
	}
	if _, err := run(200_000, -1, -1); err == nil || err.Error() != "produce failed" {
		t.Errorf("a failed producer: %v", err)
	}
	// Values of a megabyte and more, between small ones, are decoded in their turn; a bad one
	// stops the stream there.
	sizes := []int{10, 2 << 20, 10, 10, 1 << 20, 3 << 20, 10}
	for _, bad := range []int{-1, 5} {
		var got []int
		err := decodeOrdered(func(yield func([]byte) error) error {
			for i, n := range sizes {
				b := make([]byte, n)
				b[0] = byte('0' + i)
				if err := yield(b); err != nil {
					return err
				}
			}
			return nil
		}, func(i int, raw []byte) (int, error) {
			if i == bad {
				return 0, errors.New("bad value")
			}
			return int(raw[0] - '0'), nil
		}, func(v int) error { got = append(got, v); return nil })
		want := []int{0, 1, 2, 3, 4, 5, 6}
		if bad >= 0 {
			want = want[:bad]
		}
		if !slices.Equal(got, want) || (bad >= 0) != (err != nil) {
			t.Errorf("large values (bad at %d): %v, %v; want %v", bad, got, err, want)
		}
	}
}

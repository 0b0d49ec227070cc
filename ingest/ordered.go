package ingest

import (
	"errors"
	"runtime"
	"sync"
)

// errStopped ends a producer whose consumer has stopped.
var errStopped = errors.New("stopped")

// decodeOrdered decodes a stream of raw values on every core and hands the results to
// consume in the stream's order, on the caller's goroutine. produce calls yield with each
// raw value (valid only during the call: it is copied); decode turns one into a T. The
// values travel in batches, so the cost per value is a copy, not a channel operation. The
// first error (of produce, decode or consume) stops the stream and is returned.
func decodeOrdered[T any](produce func(yield func(raw []byte) error) error, decode func(i int, raw []byte) (T, error), consume func(T) error) error {
	type batch struct {
		first int
		slab  []byte
		ends  []int
		out   []T
		err   error
		done  chan struct{}
	}
	const batchBytes = 1 << 20
	workers := max(runtime.GOMAXPROCS(0), 1)
	work := make(chan *batch, workers)
	order := make(chan *batch, 2*workers)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range work {
				start := 0
				for k, end := range b.ends {
					v, err := decode(b.first+k, b.slab[start:end])
					if err != nil {
						b.err = err
						break
					}
					b.out = append(b.out, v)
					start = end
				}
				close(b.done)
			}
		}()
	}
	var produced error
	go func() {
		defer close(order)
		defer close(work)
		n := 0
		cur := &batch{done: make(chan struct{})}
		send := func() bool {
			select {
			case work <- cur:
			case <-stop:
				return false
			}
			select {
			case order <- cur:
			case <-stop:
				return false
			}
			cur = &batch{first: n, done: make(chan struct{})}
			return true
		}
		produced = produce(func(raw []byte) error {
			cur.slab = append(cur.slab, raw...)
			cur.ends = append(cur.ends, len(cur.slab))
			n++
			if len(cur.slab) >= batchBytes && !send() {
				return errStopped
			}
			return nil
		})
		if produced == nil && len(cur.ends) > 0 {
			send()
		}
	}()
	var err error
	for b := range order {
		<-b.done
		for _, v := range b.out {
			if err = consume(v); err != nil {
				break
			}
		}
		if err == nil {
			err = b.err
		}
		if err != nil {
			break
		}
	}
	close(stop)
	for range order { // let the producer finish
	}
	wg.Wait()
	if err != nil {
		return err
	}
	if produced == errStopped {
		return nil
	}
	return produced
}

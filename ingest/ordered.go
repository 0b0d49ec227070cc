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
	workers := max(runtime.GOMAXPROCS(0), 1)
	p := &decodePipe[T]{work: make(chan *batch[T], workers), order: make(chan *batch[T], 2*workers), stop: make(chan struct{})}
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() { defer wg.Done(); p.decodeBatches(decode) }()
	}
	go p.batch(produce, decode)
	err := p.consume(consume)
	close(p.stop)
	for range p.order { // let the producer finish
	}
	wg.Wait()
	if err != nil {
		return err
	}
	if p.produced == errStopped {
		return nil
	}
	return p.produced
}

// batch is a run of raw values (cut from slab at ends) and, once done is closed, their
// decoded values or the error that stopped them.
type batch[T any] struct {
	first int
	slab  []byte
	ends  []int
	out   []T
	err   error
	done  chan struct{}
}

// decodePipe carries batches from the producer to the workers (work) and, in the stream's
// order, to the consumer (order).
type decodePipe[T any] struct {
	work     chan *batch[T]
	order    chan *batch[T]
	stop     chan struct{}
	produced error // the producer's error, read after order is closed
}

const batchBytes = 1 << 20

// batch runs produce, sending a batch each megabyte, until it ends or the consumer stops.
// A value of a megabyte or more is decoded here, in its turn, without a copy.
func (p *decodePipe[T]) batch(produce func(yield func(raw []byte) error) error, decode func(i int, raw []byte) (T, error)) {
	defer close(p.order)
	defer close(p.work)
	n := 0
	cur := &batch[T]{done: make(chan struct{})}
	send := func() bool {
		select {
		case p.work <- cur:
		case <-p.stop:
			return false
		}
		select {
		case p.order <- cur:
		case <-p.stop:
			return false
		}
		cur = &batch[T]{first: n, done: make(chan struct{})}
		return true
	}
	p.produced = produce(func(raw []byte) error {
		if len(raw) >= batchBytes {
			if len(cur.ends) > 0 && !send() {
				return errStopped
			}
			if v, err := decode(n, raw); err != nil {
				cur.err = err
			} else {
				cur.out = append(cur.out, v)
			}
			close(cur.done)
			n++
			select { // decoded already: to the consumer only
			case p.order <- cur:
			case <-p.stop:
				return errStopped
			}
			cur = &batch[T]{first: n, done: make(chan struct{})}
			return nil
		}
		if cur.slab == nil {
			// At its size at once: grown by appending (by a quarter at a time past a few
			// hundred KB), a batch's slab allocated five times its bytes: 1.04 GB for a
			// 209 MB promptfoo export.
			cur.slab = make([]byte, 0, batchBytes+batchBytes/8)
		}
		cur.slab = append(cur.slab, raw...)
		cur.ends = append(cur.ends, len(cur.slab))
		n++
		if len(cur.slab) >= batchBytes && !send() {
			return errStopped
		}
		return nil
	})
	if p.produced == nil && len(cur.ends) > 0 {
		send()
	}
}

// decodeBatches decodes the batches it is given until there are no more.
func (p *decodePipe[T]) decodeBatches(decode func(i int, raw []byte) (T, error)) {
	for b := range p.work {
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
}

// consume hands the decoded values to fn in order, up to the first error.
func (p *decodePipe[T]) consume(fn func(T) error) error {
	for b := range p.order {
		<-b.done
		for _, v := range b.out {
			if err := fn(v); err != nil {
				return err
			}
		}
		if b.err != nil {
			return b.err
		}
	}
	return nil
}

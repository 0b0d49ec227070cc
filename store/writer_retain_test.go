package store

import (
	"runtime"
	"testing"
	"unsafe"
)

// TestWriterKeepsNoOutcomeStrings: once a chunk is flushed, the writer holds nothing of
// its outcomes. The importer cuts an outcome's strings from a large line buffer; a map key
// left pointing into one kept every buffer of the import alive (a 300k-outcome import grew
// its live heap from 100 to 330 MB).
func TestWriterKeepsNoOutcomeStrings(t *testing.T) {
	w, err := NewWriter(t.TempDir(), Run{Name: "retain"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	freed := make(chan int, 2)
	for i := range 2 {
		// The same stimulus and model twice, each cut from its own 1 MB buffer.
		buf := make([]byte, 1<<20)
		copy(buf, "stimulus-a model-a")
		line := unsafe.String(&buf[0], len(buf))
		runtime.AddCleanup(&buf[0], func(i int) { freed <- i }, i)
		o := sampleOutcomes(1)[0]
		o.Stimulus, o.Model = line[:10], line[11:18]
		if err := w.Add(o); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.flush(); err != nil {
		t.Fatal(err)
	}
	if err := w.wait(); err != nil {
		t.Fatal(err)
	}
	// Collect until both buffers are freed; a buffer still held after many collections is
	// held for good.
	got := 0
	for range 50 {
		runtime.GC()
		runtime.Gosched() // the cleanups run on their own goroutine
		for len(freed) > 0 {
			<-freed
			got++
		}
		if got == 2 {
			break
		}
	}
	runtime.KeepAlive(w)
	if got != 2 {
		t.Errorf("%d of 2 line buffers freed after the chunk was written: the writer still holds an outcome's string", got)
	}
}

package main

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// load hammers URLs with c concurrent clients for d and prints requests/s, p50/p99 and errors.
func load(args []string) error {
	fs := flag.NewFlagSet("load", flag.ExitOnError)
	c := fs.Int("c", 8, "concurrent clients")
	d := fs.Duration("d", 10*time.Second, "duration")
	fs.Parse(args)
	urls := fs.Args()
	if len(urls) == 0 {
		return fmt.Errorf("usage: bench load [-c N] [-d DUR] URL...")
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *c}, Timeout: 30 * time.Second}
	type stat struct {
		mu   sync.Mutex
		lat  []time.Duration
		errs atomic.Int64
	}
	stats := make([]*stat, len(urls))
	for i := range stats {
		stats[i] = &stat{}
	}
	deadline := time.Now().Add(*d)
	var wg sync.WaitGroup
	for w := 0; w < *c; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; time.Now().Before(deadline); i++ {
				k := i % len(urls)
				start := time.Now()
				resp, err := client.Get(urls[k])
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						err = fmt.Errorf("status %d", resp.StatusCode)
					}
				}
				el := time.Since(start)
				s := stats[k]
				if err != nil {
					s.errs.Add(1)
					continue
				}
				s.mu.Lock()
				s.lat = append(s.lat, el)
				s.mu.Unlock()
			}
		}()
	}
	wg.Wait()
	fmt.Printf("%-48s %10s %10s %10s %8s\n", "endpoint", "req/s", "p50", "p99", "errors")
	for k, s := range stats {
		slices.Sort(s.lat)
		p := func(q float64) time.Duration {
			if len(s.lat) == 0 {
				return 0
			}
			return s.lat[int(q*float64(len(s.lat)-1))]
		}
		u := urls[k]
		if i := strings.Index(u, "/api/"); i >= 0 {
			u = u[i:]
		}
		fmt.Printf("%-48s %10.0f %10s %10s %8d\n", u, float64(len(s.lat))/d.Seconds(), p(0.5).Round(10*time.Microsecond), p(0.99).Round(10*time.Microsecond), s.errs.Load())
	}
	return nil
}

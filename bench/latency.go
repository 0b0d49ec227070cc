package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"time"
)

// latencyProxy forwards TCP connections from -listen to -to, delivering every chunk of
// bytes -delay after it arrived, in each direction: a round trip gains 2×delay, bandwidth
// is untouched. It stands in for `tc qdisc … netem delay` where the kernel has no netem.
func latencyProxy(args []string) error {
	fs := flag.NewFlagSet("proxy", flag.ExitOnError)
	listen := fs.String("listen", "127.0.0.1:7071", "address to listen on")
	to := fs.String("to", "127.0.0.1:7070", "address to forward to")
	delay := fs.Duration("delay", 10*time.Millisecond, "one-way delay (a round trip gains twice this)")
	fs.Parse(args)
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "proxy %s → %s, +%v each way\n", *listen, *to, *delay)
	for {
		c, err := ln.Accept()
		if err != nil {
			return err
		}
		go func() {
			up, err := net.Dial("tcp", *to)
			if err != nil {
				c.Close()
				return
			}
			go pipeDelayed(up, c, *delay)
			pipeDelayed(c, up, *delay)
		}()
	}
}

type timedChunk struct {
	at   time.Time
	data []byte
}

func pipeDelayed(dst io.WriteCloser, src io.Reader, delay time.Duration) {
	ch := make(chan timedChunk, 1024)
	go func() {
		defer close(ch)
		for {
			buf := make([]byte, 64<<10)
			n, err := src.Read(buf)
			if n > 0 {
				ch <- timedChunk{time.Now(), buf[:n]}
			}
			if err != nil {
				return
			}
		}
	}()
	for c := range ch {
		time.Sleep(time.Until(c.at.Add(delay)))
		if _, err := dst.Write(c.data); err != nil {
			break
		}
	}
	dst.Close()
}

package main

import (
	"flag"
	"fmt"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"sync"
)

// reqProxy forwards HTTP to an S3 server and writes one line per request to stderr
// (method and path), so a script counts the requests a command makes of a bucket:
//
//	bench reqproxy -listen 127.0.0.1:7071 -to http://127.0.0.1:7070 2>requests.log
func reqProxy(args []string) error {
	fs := flag.NewFlagSet("reqproxy", flag.ExitOnError)
	listen := fs.String("listen", "127.0.0.1:7071", "address to listen on")
	to := fs.String("to", "http://127.0.0.1:7070", "the S3 server")
	fs.Parse(args)
	u, err := url.Parse(*to)
	if err != nil {
		return err
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	var mu sync.Mutex
	return http.ListenAndServe(*listen, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		fmt.Fprintf(os.Stderr, "%s %s\n", r.Method, r.URL.RequestURI())
		mu.Unlock()
		rp.ServeHTTP(w, r)
	}))
}

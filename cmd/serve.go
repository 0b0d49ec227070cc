package cmd

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/evals-dev/evals/errs"
	"github.com/evals-dev/evals/serve"
	"github.com/spf13/cobra"
)

type serveOptions struct {
	host, cors, token string
	port              int
	cacheMB           int
	allowWrites       bool
}

func newServeCmd(f *Factory) *cobra.Command {
	o := &serveOptions{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the same queries over HTTP (read-only JSON API)",
		Long: `Serve the store over HTTP: the same queries and the same JSON bytes as --json on the CLI.
GET /api/openapi.json describes every endpoint. Binds 127.0.0.1:3200 by default; binding to
any other address requires --token, and then every request needs "Authorization: Bearer TOKEN".
Runs imported while the server runs appear without a restart.

Agents: /mcp is the Model Context Protocol server of evals mcp (Streamable HTTP), under the
same rules; /llms.txt says what the server offers.`,
		Example: `  evals serve --demo
  curl -s localhost:3200/api/runs/latest/ranking | jq '.models[0]'
  evals serve --host 0.0.0.0 --token "$EVALS_TOKEN" --cors https://dash.example.com`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error { return runServe(f, o) },
	}
	fl := cmd.Flags()
	fl.StringVar(&o.host, "host", "127.0.0.1", "address to bind")
	fl.IntVar(&o.port, "port", 3200, "port to bind")
	fl.StringVar(&o.cors, "cors", "", "allowed CORS origin (* for any)")
	fl.StringVar(&o.token, "token", "", "require this bearer token (required beyond loopback)")
	fl.BoolVar(&o.allowWrites, "allow-writes", false, "offer the annotate tool at /mcp to requests with the token (needs --token)")
	fl.IntVar(&o.cacheMB, "cache-mb", 256, "memory for finished answers, in MB (0: no cache); a new run or verdict empties it")
	return cmd
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func runServe(f *Factory, o *serveOptions) error {
	if !loopback(o.host) && o.token == "" {
		return errs.E(errs.Invalid, "binding to %s exposes the store beyond this machine: pass --token", o.host)
	}
	if o.allowWrites && o.token == "" {
		return errs.E(errs.Invalid, "--allow-writes needs --token: every write over HTTP carries the token")
	}
	if o.port < 0 || o.port > 65535 {
		return errs.E(errs.Invalid, "invalid --port %d", o.port)
	}
	s, err := f.Store()
	if err != nil {
		return err
	}
	s.KeepFilesOpen(openFilesBudget, openFilesBudget)
	cache := int64(o.cacheMB) << 20
	serveMemoryLimit(cache)
	if o.cacheMB <= 0 {
		cache = -1
	}
	h := serve.NewHandler(serve.Deps{Store: s, Log: f.IO.ErrOut, Token: o.token, Host: o.host, CORS: o.cors, CacheBytes: cache, Warm: f.Ctx, MCPWrites: o.allowWrites, Version: versionString()})
	ln, err := net.Listen("tcp", net.JoinHostPort(o.host, strconv.Itoa(o.port)))
	if err != nil {
		return errs.E(errs.Invalid, "listening on %s:%d: %w", o.host, o.port, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second}
	fmt.Fprintf(f.IO.ErrOut, "serving %s on http://%s (GET /api/openapi.json lists the endpoints; ctrl+c stops)\n", s.Root(), ln.Addr())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		if !errors.Is(err, http.ErrServerClosed) {
			return errs.E(errs.Internal, "serving: %w", err)
		}
		return nil
	case <-f.Ctx.Done():
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		fmt.Fprintln(f.IO.ErrOut, "shutting down")
		if err := srv.Shutdown(ctx); err != nil {
			return errs.E(errs.Internal, "shutting down: %w", err)
		}
		return nil
	}
}

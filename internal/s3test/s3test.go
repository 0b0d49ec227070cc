// Package s3test runs a real S3 server for tests: versitygw (an S3 gateway over a local
// folder) on a free loopback port. No fake: the store talks to it through the same AWS SDK
// it uses for AWS.
package s3test

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Server is a running versitygw.
type Server struct {
	// Endpoint is http://127.0.0.1:PORT.
	Endpoint string
	// Dir is the folder it serves: one sub-folder per bucket.
	Dir string
}

const (
	accessKey = "evals-test-key"
	secretKey = "evals-test-secret"
)

// Binary finds versitygw: on PATH or in $(go env GOPATH)/bin. .ci/run installs it with
// go install github.com/versity/versitygw/cmd/versitygw@v1.8.0.
func Binary() string {
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p
	}
	gopath := os.Getenv("GOPATH")
	if gopath == "" {
		if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
			gopath = strings.TrimSpace(string(out))
		}
	}
	for _, dir := range filepath.SplitList(gopath) {
		p := filepath.Join(dir, "bin", "versitygw")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// Start starts a server for the test, sets the standard AWS credential variables for
// it, points the user cache at a fresh folder (so cached footers do not leak between
// tests) and stops it when the test ends. Without versitygw the test is skipped, except
// under CI, where .ci/run installed it and its absence is a failure.
func Start(t testing.TB) *Server {
	t.Helper()
	srv := start(t)
	t.Setenv("AWS_ACCESS_KEY_ID", accessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", secretKey)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	return srv
}

// StartParallel starts a server as Start does but leaves the environment alone, so the
// test may run beside others (t.Parallel): the process must have called UseCredentials
// (a TestMain does), and the user cache is the process's. A shared cache is safe: entries
// are keyed by the store URL and the object's content digest.
func StartParallel(t testing.TB) *Server {
	t.Helper()
	if os.Getenv("AWS_ACCESS_KEY_ID") != accessKey {
		t.Fatal("s3test.StartParallel: call s3test.UseCredentials in TestMain first")
	}
	return start(t)
}

// UseCredentials sets, for the whole process, the AWS variables every test server
// accepts, with metadata lookups off, and points the user cache at dir.
func UseCredentials(cacheDir string) {
	os.Setenv("AWS_ACCESS_KEY_ID", accessKey)
	os.Setenv("AWS_SECRET_ACCESS_KEY", secretKey)
	os.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	os.Setenv("XDG_CACHE_HOME", cacheDir)
}

func start(t testing.TB) *Server {
	t.Helper()
	bin := Binary()
	if bin == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("versitygw is not installed: .ci/run installs it (go install github.com/versity/versitygw/cmd/versitygw@v1.8.0)")
		}
		t.Skip("versitygw not installed: go install github.com/versity/versitygw/cmd/versitygw@v1.8.0")
	}
	dir := t.TempDir()
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		port, err := freePort()
		if err != nil {
			t.Fatal(err)
		}
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		cmd := exec.Command(bin, "--port", addr, "posix", dir)
		cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY="+accessKey, "ROOT_SECRET_KEY="+secretKey)
		log, _ := os.Create(filepath.Join(t.TempDir(), "versitygw.log"))
		cmd.Stdout, cmd.Stderr = log, log
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		if err := waitListening(addr, exited); err != nil {
			lastErr = err
			_ = cmd.Process.Kill()
			continue // the port was taken meanwhile: another one
		}
		t.Cleanup(func() {
			_ = cmd.Process.Kill()
			<-exited
			log.Close()
		})
		return &Server{Endpoint: "http://" + addr, Dir: dir}
	}
	t.Fatalf("versitygw did not start: %v", lastErr)
	return nil
}

// Bucket creates a bucket (a folder of the posix backend) and returns the store URL of
// prefix in it, in the form the README documents.
func (s *Server) Bucket(t testing.TB, bucket, prefix string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(s.Dir, bucket), 0o755); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("s3://%s/%s?endpoint=%s&use_path_style=true&region=us-east-1", bucket, prefix, s.Endpoint)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitListening waits until addr accepts connections or the server exits. It polls the
// state it needs (a listening socket); the deadline only bounds a server that hangs.
func waitListening(addr string, exited chan error) error {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			exited <- err
			return fmt.Errorf("versitygw exited: %v", err)
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("versitygw did not listen on %s", addr)
}

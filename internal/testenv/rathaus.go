package testenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// ReadyTimeout is how long StartRathaus and Restart wait for GET /readyz.
const ReadyTimeout = 60 * time.Second

var rathausBuild struct {
	once sync.Once
	path string
	err  error
}

// BuildRathaus builds ./cmd/rathaus once per test binary and returns the path
// of the executable. A failed build fails every test that asks for it.
// RATHAUS_TEST_BINARY names a prebuilt binary to use instead (for example
// one built with -race).
func BuildRathaus(t testing.TB) string {
	t.Helper()
	if bin := os.Getenv(EnvBinary); bin != "" {
		if _, err := os.Stat(bin); err != nil {
			t.Fatalf("testenv: %s: %v", EnvBinary, err)
		}
		return bin
	}
	rathausBuild.once.Do(func() { rathausBuild.path, rathausBuild.err = buildRathaus() })
	if rathausBuild.err != nil {
		t.Fatalf("testenv: build ./cmd/rathaus: %v", rathausBuild.err)
	}
	return rathausBuild.path
}

func buildRathaus() (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	removeStaleBuildDirs()
	// The directory outlives the test that triggered the build (other tests
	// of the binary reuse it); the next build removes it once this process is
	// gone, see removeStaleBuildDirs.
	dir, err := os.MkdirTemp("", fmt.Sprintf("%s%d-", buildDirPrefix, os.Getpid()))
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "rathaus")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/rathaus")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("%w\n%s", err, out)
	}
	return bin, nil
}

const buildDirPrefix = "rathaus-testbin-"

// removeStaleBuildDirs deletes build directories of test processes that have
// exited, so repeated test runs do not fill the temp directory.
func removeStaleBuildDirs() {
	matches, _ := filepath.Glob(filepath.Join(os.TempDir(), buildDirPrefix+"*"))
	for _, dir := range matches {
		rest := strings.TrimPrefix(filepath.Base(dir), buildDirPrefix)
		pidStr, _, ok := strings.Cut(rest, "-")
		if !ok {
			continue
		}
		pid, err := strconv.Atoi(pidStr)
		if err != nil || pid == os.Getpid() {
			continue
		}
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			os.RemoveAll(dir)
		}
	}
}

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("not inside a Go module")
	}
	return filepath.Dir(gomod), nil
}

// Server is a running `rathaus serve` owned by one test.
type Server struct {
	URL     string // http://127.0.0.1:PORT, no trailing slash
	DataDir string // --data folder, kept across Restart
	Cmd     *exec.Cmd

	t    testing.TB
	bin  string
	args []string // full argument list after the binary
	out  *syncBuffer

	mu   sync.Mutex
	proc *process
}

// StartRathaus starts `bin serve --listen 127.0.0.1:<free port> --data <tmp>
// --base-url <URL> args...` and waits until GET /readyz answers 200 (at most
// ReadyTimeout). --base-url is left out when args already hold one. The
// environment is the test's, without RATHAUS_* variables other than
// RATHAUS_TEST_*, so a developer's shell settings cannot change the server.
// The server is stopped in t.Cleanup; its output is logged when the test
// failed.
func StartRathaus(t testing.TB, bin string, args ...string) *Server {
	t.Helper()
	port := FreePort(t)
	s := &Server{
		URL:     "http://127.0.0.1:" + strconv.Itoa(port),
		DataDir: t.TempDir(),
		t:       t,
		bin:     bin,
		out:     &syncBuffer{},
	}
	s.args = []string{"serve", "--listen", "127.0.0.1:" + strconv.Itoa(port), "--data", s.DataDir}
	if !hasFlag(args, "--base-url") {
		s.args = append(s.args, "--base-url", s.URL)
	}
	s.args = append(s.args, args...)
	t.Cleanup(func() {
		s.mu.Lock()
		p := s.proc
		s.mu.Unlock()
		if p != nil {
			p.stop(10 * time.Second)
		}
		if t.Failed() {
			t.Logf("rathaus output (%s):\n%s", strings.Join(s.args, " "), s.Output())
		}
	})
	s.start()
	return s
}

func hasFlag(args []string, name string) bool {
	for _, a := range args {
		if a == name || strings.HasPrefix(a, name+"=") {
			return true
		}
	}
	return false
}

func (s *Server) start() {
	s.t.Helper()
	cmd := exec.Command(s.bin, s.args...)
	cmd.Env = serverEnv()
	proc, err := startProcess(cmd, s.out)
	if err != nil {
		s.t.Fatalf("testenv: start rathaus: %v", err)
	}
	s.mu.Lock()
	s.proc, s.Cmd = proc, cmd
	s.mu.Unlock()
	if err := waitHTTP(proc, s.URL+"/readyz", ReadyTimeout); err != nil {
		proc.kill()
		s.t.Fatalf("testenv: rathaus not ready: %v\noutput:\n%s", err, s.Output())
	}
}

func serverEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "RATHAUS_") && !strings.HasPrefix(kv, "RATHAUS_TEST_") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// Output returns everything the server printed on stdout and stderr so far,
// across restarts.
func (s *Server) Output() string { return s.out.String() }

// Kill ends the server with SIGKILL, as a crash or power loss would, and
// waits until it is gone.
func (s *Server) Kill() {
	s.mu.Lock()
	p := s.proc
	s.mu.Unlock()
	if p != nil {
		p.kill()
	}
}

// Stop ends the server with SIGTERM (graceful shutdown) and waits up to
// timeout before killing it. It returns the exit error of the process (nil
// for exit status 0).
func (s *Server) Stop(timeout time.Duration) error {
	s.mu.Lock()
	p := s.proc
	s.mu.Unlock()
	if p == nil {
		return nil
	}
	p.stop(timeout)
	return p.err
}

// Running reports whether the server process is still alive.
func (s *Server) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.proc != nil && !s.proc.exited()
}

// Restart kills the server if it still runs, starts it again with the same
// arguments, port and data folder, and waits for /readyz.
func (s *Server) Restart() {
	s.t.Helper()
	s.Kill()
	fmt.Fprintf(s.out, "\n--- testenv: restart ---\n")
	s.start()
}

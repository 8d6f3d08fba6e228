package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// Chromium returns the path of the Chromium binary for browser tests:
// RATHAUS_TEST_CHROMIUM, else /usr/bin/chromium (Debian's package). It skips
// (or fails, see [RequireAll]) when there is none.
func Chromium(t testing.TB) string {
	t.Helper()
	path := os.Getenv(EnvChromium)
	if path == "" {
		path = "/usr/bin/chromium"
	}
	p, err := exec.LookPath(path)
	if err != nil {
		Skip(t, "Chromium not found at "+path+" (apt-get install chromium, or set "+EnvChromium+")")
		return ""
	}
	return p
}

// Package testenv holds helpers for tests that need something outside the
// test binary: a PostgreSQL server, Chromium, a mail catcher (mailpit) or the
// rathaus binary itself.
//
// Every helper that needs an outside service skips the test when the service
// is not there, except when RATHAUS_TEST_REQUIRE_ALL=1 (CI sets it): then a
// missing service fails the test, so that CI cannot pass by skipping.
//
// Environment:
//
//	RATHAUS_TEST_REQUIRE_ALL=1      a skip for a missing service is a failure
//	RATHAUS_TEST_POSTGRES_URL       postgres://… of a server where tests may create databases
//	RATHAUS_TEST_CHROMIUM           path of Chromium (default /usr/bin/chromium)
//	RATHAUS_TEST_MAILPIT            path of the mailpit binary (default $(go env GOPATH)/bin/mailpit)
//	RATHAUS_TEST_BINARY             a prebuilt rathaus binary for BuildRathaus to return instead of building
package testenv

import (
	"net"
	"os"
	"testing"
)

// Names of the environment variables read by this package.
const (
	EnvRequireAll  = "RATHAUS_TEST_REQUIRE_ALL"
	EnvPostgresURL = "RATHAUS_TEST_POSTGRES_URL"
	EnvChromium    = "RATHAUS_TEST_CHROMIUM"
	EnvMailpit     = "RATHAUS_TEST_MAILPIT"
	EnvBinary      = "RATHAUS_TEST_BINARY"
)

// RequireAll reports whether every outside service must be present
// (RATHAUS_TEST_REQUIRE_ALL=1). Tests must then fail instead of skipping.
func RequireAll() bool {
	v := os.Getenv(EnvRequireAll)
	return v == "1" || v == "true"
}

// Skip skips the test because something it needs is missing. When
// RequireAll is set it fails the test instead, so a CI run that lacks a
// service cannot turn green by skipping.
func Skip(t testing.TB, reason string) {
	t.Helper()
	if RequireAll() {
		t.Fatalf("%s (%s=1: a missing service is a failure, not a skip)", reason, EnvRequireAll)
		return
	}
	t.Skip(reason)
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago. Another
// process can take it before the caller binds it; helpers that start servers
// on it retry when the start fails.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testenv: find a free port: %v", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	if err := l.Close(); err != nil {
		t.Fatalf("testenv: release port %d: %v", port, err)
	}
	return port
}

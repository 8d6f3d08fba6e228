// Package crashtest holds the crash tests of the whole binary: the server is killed with
// SIGKILL at random moments while clients keep filing, and afterwards nothing acknowledged is
// lost or duplicated and the audit chain verifies. The tests live in crash_test.go.
package crashtest

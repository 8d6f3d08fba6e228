// Package e2e holds the browser tests: journeys through the real rathaus
// binary in headless Chromium (chromedp), with an axe-core accessibility
// check on every page and a second walk with the keyboard alone.
//
// The package has tests only. Run them with
//
//	go test ./e2e/ -v
//
// They need Chromium (RATHAUS_TEST_CHROMIUM, default /usr/bin/chromium) and
// mailpit (RATHAUS_TEST_MAILPIT); without them they skip, unless
// RATHAUS_TEST_REQUIRE_ALL=1. Set RATHAUS_TEST_ARTIFACTS to a folder to keep
// a screenshot of every page that fails a check.
package e2e

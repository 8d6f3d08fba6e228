// Command fakerathaus stands in for `rathaus serve` in testenv's own tests:
// it takes the same serve flags, counts its starts in the data folder and
// answers /readyz, so StartRathaus, Kill and Restart can be tested without
// the real application.
package main

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

func main() {
	if len(os.Args) < 2 || os.Args[1] != "serve" {
		fmt.Fprintln(os.Stderr, "usage: fakerathaus serve --listen ADDR --data DIR [--base-url URL]")
		os.Exit(2)
	}
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	listen := fs.String("listen", "127.0.0.1:8080", "")
	data := fs.String("data", "", "")
	baseURL := fs.String("base-url", "", "")
	fs.Parse(os.Args[2:])

	counter := filepath.Join(*data, "starts")
	b, _ := os.ReadFile(counter)
	n, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	n++
	if err := os.WriteFile(counter, []byte(strconv.Itoa(n)), 0o600); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("fakerathaus start %d on %s base %s env RATHAUS_DB=%q\n", n, *listen, *baseURL, os.Getenv("RATHAUS_DB"))

	http.HandleFunc("/readyz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintf(w, "start %d\n", n) })
	if err := http.ListenAndServe(*listen, nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/kipina/kipina/configs"
	"github.com/kipina/kipina/internal/matchcli"
)

// runMatch is "kipina match": JSON Lines of applications on standard input,
// one ranking per line on standard output, every target of the
// configuration ranked best first.
func runMatch(_ context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	f := newFlags("match", stderr)
	f.Usage = func() {
		fmt.Fprintln(stderr, `Usage: kipina match [--config FILE] < applications.jsonl

Each input line is {"id": "…", "description": "…", "name": "…", "lang": "fi"}
(name and lang optional). Each output line is
{"id": "…", "lang": "fi", "matches": [{"target": "health", "score": 0.71, "reasons": ["…"]}, …]}.`)
		f.PrintDefaults()
	}
	if code := f.parse(args); code >= 0 {
		return code
	}
	cfg, err := configs.Load(f.config)
	if err != nil {
		fmt.Fprintf(stderr, "kipina: the configuration needs fixing:\n%v\n", err)
		return 2
	}
	progress := false
	if st, ok := stderr.(*os.File); ok && isTerminal(st) {
		progress = true
	}
	failed, err := matchcli.Run(stdin, stdout, stderr, matchcli.TargetsFromConfig(cfg.Targets()), progress)
	if err != nil {
		fmt.Fprintf(stderr, "kipina match: %v\n", err)
		return 1
	}
	if failed > 0 {
		fmt.Fprintf(stderr, "kipina match: %d line(s) could not be read\n", failed)
		return 1
	}
	return 0
}

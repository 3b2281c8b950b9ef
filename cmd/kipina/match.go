package main

import (
	"context"
	"fmt"
	"io"
)

func runMatch(_ context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "kipina match: not available yet")
	return 1
}

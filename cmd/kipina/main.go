// Command kipina runs the Kipinä bot: on Slack, on Mattermost, or — with no
// chat platform configured — in the terminal on a demo event.
//
//	kipina [run] [--config FILE] [--data DIR]   run the bot
//	kipina match [--config FILE]                match JSON Lines applications
//	kipina backup FILE [--data DIR]             back up the store
//	kipina healthcheck [--ready]                ask the ops listener (for container health checks)
//	kipina log-level LEVEL                      change the running bot's log level
//	kipina version                              print the version and VCS revision
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// subcommand is one of kipina's subcommands.
type subcommand struct {
	name, summary string
	run           func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int
}

func subcommands() []subcommand {
	return []subcommand{
		{"run", "run the bot (the default; with no chat platform configured, in this terminal on a demo event)", runBot},
		{"match", "read applications as JSON Lines on standard input and rank the targets of each", runMatch},
		{"backup", "write a consistent copy of the store to FILE, through the running bot if there is one", runBackup},
		{"export", "write events' applications, reviews, results, follow-up funnel and survey as CSV and XLSX", runExport},
		{"healthcheck", "ask the running bot's ops listener whether it is alive (--ready: ready); exit 0 when it is", runHealthcheck},
		{"log-level", "set the running bot's log level (debug, info, warn, error)", runLogLevel},
		{"version", "print the version, module version and VCS revision", runVersion},
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: kipina [subcommand] [flags]")
	fmt.Fprintln(w, "\nSubcommands:")
	for _, s := range subcommands() {
		fmt.Fprintf(w, "  %-8s %s\n", s.name, s.summary)
	}
	fmt.Fprintln(w, "\nRun 'kipina SUBCOMMAND --help' for its flags.")
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	name := "run"
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
		usage(stdout)
		return 0
	}
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		name, args = args[0], args[1:]
	}
	for _, s := range subcommands() {
		if s.name == name {
			return s.run(ctx, args, stdin, stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "kipina: unknown subcommand %q\n\n", name)
	usage(stderr)
	return 2
}

// flags is the flag set every subcommand shares.
type flags struct {
	*flag.FlagSet
	config, data string
	positional   []string
}

func newFlags(name string, stderr io.Writer) *flags {
	f := &flags{FlagSet: flag.NewFlagSet("kipina "+name, flag.ContinueOnError)}
	f.SetOutput(stderr)
	f.StringVar(&f.config, "config", "", "configuration file overriding the embedded defaults (YAML)")
	f.StringVar(&f.data, "data", "", "data directory (default: data_dir of the configuration, else ./data)")
	return f
}

// parse parses args; it returns a non-negative exit code when the program
// should stop (help asked, or bad flags).
// Flags may come before or after the positional arguments.
func (f *flags) parse(args []string) int {
	var pos []string
	for {
		if err := f.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return 0
			}
			return 2
		}
		if f.NArg() == 0 {
			break
		}
		pos, args = append(pos, f.Arg(0)), f.Args()[1:]
	}
	f.positional = pos
	return -1
}

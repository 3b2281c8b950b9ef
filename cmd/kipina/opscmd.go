package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/kipina/kipina/configs"
)

// versionString describes the build: the version set at link time, the
// module version and the VCS revision, time and dirtiness that the Go
// toolchain records (go build with VCS stamping; -buildvcs=false or a
// source tree without .git leaves them out).
func versionString() string {
	s := "kipina " + version
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return s
	}
	parts := []string{"module " + bi.Main.Path + " " + bi.Main.Version}
	set := map[string]string{}
	for _, kv := range bi.Settings {
		set[kv.Key] = kv.Value
	}
	if rev := set["vcs.revision"]; rev != "" {
		if set["vcs.modified"] == "true" {
			rev += "+dirty"
		}
		parts = append(parts, "revision "+rev)
	}
	if t := set["vcs.time"]; t != "" {
		parts = append(parts, "committed "+t)
	}
	parts = append(parts, bi.GoVersion)
	return s + " (" + strings.Join(parts, ", ") + ")"
}

func runVersion(_ context.Context, _ []string, _ io.Reader, out, _ io.Writer) int {
	fmt.Fprintln(out, versionString())
	return 0
}

// runHealthcheck is "kipina healthcheck [--ready]": it asks the running
// bot's ops listener for /healthz (or /readyz) and exits 0 when it answers
// 200, else 1. The container image has no curl; its HEALTHCHECK runs this.
func runHealthcheck(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) int {
	f := newFlags("healthcheck", stderr)
	ready := f.Bool("ready", false, "ask /readyz (store, platforms, outbox) instead of /healthz")
	addr := f.String("addr", "", "ops listener address (default: ops.listen of the configuration)")
	if code := f.parse(args); code >= 0 {
		return code
	}
	cfg, err := configs.Load(f.config)
	if err != nil {
		fmt.Fprintf(stderr, "kipina: the configuration needs fixing:\n%v\n", err)
		return 2
	}
	a := *addr
	if a == "" {
		a = cfg.Ops.Listen
	}
	if a == "" {
		a = defaultOpsListen
	}
	if a == "off" {
		fmt.Fprintln(stderr, "kipina healthcheck: the ops listener is off (ops.listen)")
		return 1
	}
	host, port, err := net.SplitHostPort(a)
	if err != nil {
		fmt.Fprintf(stderr, "kipina healthcheck: %v\n", err)
		return 2
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	path := "/healthz"
	if *ready {
		path = "/readyz"
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+path, nil)
	if err != nil {
		fmt.Fprintf(stderr, "kipina healthcheck: %v\n", err)
		return 2
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "kipina healthcheck: %v\n", err)
		return 1
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4096)) // what it says is only shown
	if err != nil {
		body = []byte("(unreadable: " + err.Error() + ")")
	}
	fmt.Fprintf(stdout, "%s %s", resp.Status, body)
	if resp.StatusCode != http.StatusOK {
		return 1
	}
	return 0
}

// runLogLevel is "kipina log-level LEVEL": it sets the running bot's log
// level through the admin socket.
func runLogLevel(_ context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) int {
	f := newFlags("log-level", stderr)
	if code := f.parse(args); code >= 0 {
		return code
	}
	if len(f.positional) != 1 {
		fmt.Fprintln(stderr, "Usage: kipina log-level debug|info|warn|error [--data DIR]")
		return 2
	}
	cfg, err := configs.Load(f.config)
	if err != nil {
		fmt.Fprintf(stderr, "kipina: the configuration needs fixing:\n%v\n", err)
		return 2
	}
	c, err := net.DialTimeout("unix", filepath.Join(dataDir(f.data, cfg), "admin.sock"), 2*time.Second)
	if err != nil {
		fmt.Fprintf(stderr, "kipina log-level: the bot is not running here: %v\n", err)
		return 1
	}
	defer c.Close()
	fmt.Fprintf(c, "log-level %s\n", f.positional[0])
	reply, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || !strings.HasPrefix(reply, "ok ") {
		fmt.Fprintf(stderr, "kipina log-level: %s%v\n", strings.TrimPrefix(reply, "error "), err)
		return 1
	}
	fmt.Fprintf(stdout, "log level %s", strings.TrimPrefix(reply, "ok "))
	return 0
}

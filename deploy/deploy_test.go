package deploy

import (
	"bufio"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/kipina/kipina/configs"
)

// instruction is one Containerfile instruction with its continuation lines
// joined.
type instruction struct {
	Cmd  string // upper case: FROM, RUN, …
	Args string
	Line int
}

// parseContainerfile reads the instructions of a Containerfile: comments
// and blank lines skipped, backslash continuations joined.
func parseContainerfile(t *testing.T, path string) []instruction {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []instruction
	var cur strings.Builder
	start := 0
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		l := strings.TrimSpace(sc.Text())
		if cur.Len() == 0 && (l == "" || strings.HasPrefix(l, "#")) {
			continue
		}
		if strings.HasPrefix(l, "#") { // a comment inside a continuation
			continue
		}
		if cur.Len() == 0 {
			start = n
		}
		if body, ok := strings.CutSuffix(l, "\\"); ok {
			cur.WriteString(body + " ")
			continue
		}
		cur.WriteString(l)
		cmd, args, _ := strings.Cut(cur.String(), " ")
		out = append(out, instruction{Cmd: strings.ToUpper(cmd), Args: strings.TrimSpace(args), Line: start})
		cur.Reset()
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if cur.Len() > 0 {
		t.Fatalf("%s ends inside a continuation", path)
	}
	return out
}

var known = []string{"FROM", "RUN", "CMD", "LABEL", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT", "VOLUME", "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL"}

// TestContainerfile: multi-stage, a static binary (CGO_ENABLED=0), a
// non-root user in the final stage, the data on a volume, a health check
// through "kipina healthcheck", and an example configuration that loads.
func TestContainerfile(t *testing.T) {
	ins := parseContainerfile(t, "Containerfile")
	var stages [][]instruction
	for _, in := range ins {
		if !slices.Contains(known, in.Cmd) {
			t.Errorf("line %d: unknown instruction %s", in.Line, in.Cmd)
		}
		if in.Cmd == "FROM" {
			stages = append(stages, nil)
		}
		if len(stages) == 0 {
			if in.Cmd != "ARG" {
				t.Fatalf("line %d: %s before FROM", in.Line, in.Cmd)
			}
			continue
		}
		stages[len(stages)-1] = append(stages[len(stages)-1], in)
	}
	if len(stages) < 2 {
		t.Fatalf("%d stages, want a build stage and a run stage", len(stages))
	}
	build, final := stages[0], stages[len(stages)-1]
	if !slices.ContainsFunc(build, func(in instruction) bool {
		return in.Cmd == "RUN" && strings.Contains(in.Args, "CGO_ENABLED=0") && strings.Contains(in.Args, "./cmd/kipina")
	}) {
		t.Error("the build stage does not build a static kipina (CGO_ENABLED=0 go build ./cmd/kipina)")
	}
	last := func(cmd string) (instruction, bool) {
		for i := len(final) - 1; i >= 0; i-- {
			if final[i].Cmd == cmd {
				return final[i], true
			}
		}
		return instruction{}, false
	}
	if u, ok := last("USER"); !ok || u.Args == "root" || u.Args == "0" || strings.HasPrefix(u.Args, "0:") {
		t.Errorf("final stage user %q: want a non-root user", u.Args)
	}
	if v, ok := last("VOLUME"); !ok || !strings.Contains(v.Args, "/data") {
		t.Error("no VOLUME for /data")
	}
	if h, ok := last("HEALTHCHECK"); !ok || !strings.Contains(h.Args, `"healthcheck"`) {
		t.Errorf("HEALTHCHECK %q does not run kipina healthcheck", h.Args)
	}
	if c, ok := last("CMD"); !ok || !strings.Contains(c.Args, `"/data"`) {
		t.Errorf("CMD %q does not keep the data on /data", c.Args)
	}
	for _, in := range final {
		if in.Cmd == "COPY" && !strings.Contains(in.Args, "--from=") {
			src := strings.Fields(in.Args)[0]
			if _, err := os.Stat("../" + src); err != nil {
				t.Errorf("line %d: COPY source %s: %v", in.Line, src, err)
			}
		}
	}
	if _, err := configs.Load("container.yaml"); err != nil {
		t.Errorf("container.yaml: %v", err)
	}
}

// TestSystemdUnit: the unit's hardening and lifecycle settings are there
// (systemd-analyze verify in scripts/check-deploy.sh checks the syntax where
// systemd is installed).
func TestSystemdUnit(t *testing.T) {
	b, err := os.ReadFile("kipina.service")
	if err != nil {
		t.Fatal(err)
	}
	set := map[string][]string{}
	section := ""
	for _, l := range strings.Split(string(b), "\n") {
		l = strings.TrimSpace(l)
		switch {
		case l == "" || strings.HasPrefix(l, "#"):
		case strings.HasPrefix(l, "["):
			section = strings.Trim(l, "[]")
		default:
			k, v, ok := strings.Cut(l, "=")
			if !ok {
				t.Errorf("line %q: not key=value", l)
			}
			set[section+"."+k] = append(set[section+"."+k], v)
		}
	}
	for k, want := range map[string]string{
		"Service.User": "kipina", "Service.ProtectSystem": "strict", "Service.StateDirectory": "kipina",
		"Service.Restart": "on-failure", "Service.NoNewPrivileges": "yes", "Service.PrivateTmp": "yes",
		"Service.KillSignal": "SIGTERM", "Install.WantedBy": "multi-user.target",
	} {
		if !slices.Contains(set[k], want) {
			t.Errorf("%s = %v, want %s", k, set[k], want)
		}
	}
	if len(set["Service.EnvironmentFile"]) == 0 && len(set["Service.LoadCredential"]) == 0 {
		t.Error("no EnvironmentFile or LoadCredential for the secrets")
	}
	if exec := strings.Join(set["Service.ExecStart"], ""); !strings.Contains(exec, "kipina run") || !strings.Contains(exec, "/var/lib/kipina") {
		t.Errorf("ExecStart %q: want kipina run on the state directory", exec)
	}
}

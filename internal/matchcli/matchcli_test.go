package matchcli

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/kipina/kipina/configs"
	"github.com/kipina/kipina/matching"
)

func TestRun(t *testing.T) {
	targets := TargetsFromConfig(configs.Default().Targets())
	long := strings.Repeat("Aurinkopaneelit ja lämpöpumput kerrostaloihin. ", 2000) // > 64 KB
	for _, c := range []struct {
		name, in   string
		ids        []string // output lines, in order
		failed     int
		stderr     []string
		firstMatch string
	}{
		{name: "empty input"},
		{
			name:       "good lines",
			in:         `{"id":"a1","description":"Kotihoidon reittisuunnittelu ikäihmisille","extra":[1,2]}` + "\n" + `{"id":"a2","name":"SunShare","description":"Solar panels on apartment roofs","lang":"en"}`,
			ids:        []string{"a1", "a2"},
			firstMatch: "elderly",
		},
		{
			name:   "bad JSON and missing fields",
			in:     "{\"id\":\"a1\",\"description\":\"Sensorit pysäköintiin\"}\n{nope\n{\"description\":\"x\"}\n{\"id\":\"a4\"}\n[1,2]\n{\"id\":7,\"description\":\"x\"}\n{\"id\":\"a7\",\"description\":\"Parking sensors\"}\n",
			ids:    []string{"a1", "a7"},
			failed: 5,
			stderr: []string{"line 2: invalid JSON", "line 3: missing id", "line 4: missing description", "line 5: not a JSON object", "line 6: invalid JSON"},
		},
		{
			name: "blank lines and CRLF",
			in:   "\n  \r\n{\"id\":\"a3\",\"description\":\"Daycare app for parents\"}\r\n\n",
			ids:  []string{"a3"},
		},
		{
			name:       "line longer than 64KB",
			in:         `{"id":"big","description":"` + long + `"}` + "\n" + `{"id":"after","description":"Museum guide"}`,
			ids:        []string{"big", "after"},
			firstMatch: "energy",
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			failed, err := Run(strings.NewReader(c.in), &out, &errOut, targets, false)
			if err != nil {
				t.Fatal(err)
			}
			if failed != c.failed {
				t.Errorf("failed = %d, want %d; stderr:\n%s", failed, c.failed, errOut.String())
			}
			lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
			if out.Len() == 0 {
				lines = nil
			}
			if len(lines) != len(c.ids) {
				t.Fatalf("%d output lines, want %d:\n%s", len(lines), len(c.ids), out.String())
			}
			for i, l := range lines {
				var r matching.Ranking
				if err := json.Unmarshal([]byte(l), &r); err != nil {
					t.Fatalf("output line %d: %v", i+1, err)
				}
				if r.ID != c.ids[i] || len(r.Matches) != len(targets) {
					t.Errorf("output line %d: id %q with %d matches", i+1, r.ID, len(r.Matches))
				}
				if i == 0 && c.firstMatch != "" && r.Matches[0].Target != c.firstMatch {
					t.Errorf("first application matched %s, want %s", r.Matches[0].Target, c.firstMatch)
				}
			}
			errLines := strings.Split(strings.TrimSpace(errOut.String()), "\n")
			if errOut.Len() == 0 {
				errLines = nil
			}
			if len(errLines) != len(c.stderr) {
				t.Fatalf("stderr:\n%s\nwant %q", errOut.String(), c.stderr)
			}
			for i, want := range c.stderr {
				if !strings.HasPrefix(errLines[i], want) {
					t.Errorf("stderr line %d = %q, want prefix %q", i+1, errLines[i], want)
				}
			}
		})
	}
}

func TestRunOutputShape(t *testing.T) {
	var out bytes.Buffer
	targets := TargetsFromConfig(configs.Default().Targets())
	if _, err := Run(strings.NewReader(`{"id":"a<1>","description":"Ilmanlaatu-anturit kouluille"}`), &out, &bytes.Buffer{}, targets, false); err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(out.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	if raw["id"] != "a<1>" || raw["lang"] != "fi" || !strings.Contains(out.String(), `"id":"a<1>"`) {
		t.Fatalf("output %s", out.String())
	}
	m := raw["matches"].([]any)[0].(map[string]any)
	if m["target"] != "sensors" || m["score"].(float64) <= 0 || len(m["reasons"].([]any)) == 0 {
		t.Fatalf("first match %v", m)
	}
}

func TestRunProgress(t *testing.T) {
	var out, errOut bytes.Buffer
	in := strings.Repeat(`{"id":"a","description":"Energy efficient heating"}`+"\n", 50) + "{bad\n"
	failed, err := Run(strings.NewReader(in), &out, &errOut, TargetsFromConfig(configs.Default().Targets()), true)
	if err != nil || failed != 1 {
		t.Fatalf("Run = %d, %v", failed, err)
	}
	if strings.Count(out.String(), "\n") != 50 || !strings.Contains(errOut.String(), "line 51: invalid JSON") {
		t.Fatalf("out %d lines, stderr %q", strings.Count(out.String(), "\n"), errOut.String())
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestRunWriteError(t *testing.T) {
	in := strings.Repeat(`{"id":"a","description":"Energy efficient heating"}`+"\n", 3)
	_, err := Run(strings.NewReader(in), failWriter{}, &bytes.Buffer{}, TargetsFromConfig(configs.Default().Targets()), false)
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("err = %v", err)
	}
}

func TestTargetsFromConfig(t *testing.T) {
	cfg := configs.Default().Targets()
	got := TargetsFromConfig(cfg)
	if len(got) != len(cfg) || got[0].ID != cfg[0].ID || got[0].Names["fi"] != cfg[0].Name["fi"] || len(got[0].Keywords["sv"]) == 0 {
		t.Fatalf("TargetsFromConfig = %+v", got[0])
	}
}

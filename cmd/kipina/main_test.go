package main

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/kipina/kipina/bot/bottest"
	"github.com/kipina/kipina/bot/locale"
)

func TestMatchCommandContract(t *testing.T) {
	in := `{"id":"a1","description":"Aurinkopaneelit ja lämpöpumput tekevät kaupunginosasta energiatehokkaan.","extra":1}
not json
{"id":"a2","lang":"en","name":"Fall alarm","description":"A wristband that detects falls of older people living at home and alerts home care."}
{"id":"a3"}
`
	var out, errs strings.Builder
	code := run(context.Background(), []string{"match"}, strings.NewReader(in), &out, &errs)
	if code == 0 {
		t.Error("exit 0 although two lines were bad")
	}
	for _, w := range []string{"line 2:", "line 4: missing description"} {
		if !strings.Contains(errs.String(), w) {
			t.Errorf("stderr lacks %q:\n%s", w, errs.String())
		}
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d output lines, want 2:\n%s", len(lines), out.String())
	}
	want := map[string]string{"a1": "energy", "a2": "elderly"}
	for _, l := range lines {
		var r struct {
			ID      string `json:"id"`
			Lang    string `json:"lang"`
			Matches []struct {
				Target  string   `json:"target"`
				Score   float64  `json:"score"`
				Reasons []string `json:"reasons"`
			} `json:"matches"`
		}
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatal(err)
		}
		if len(r.Matches) != 8 {
			t.Errorf("%s: %d targets, want all 8", r.ID, len(r.Matches))
		}
		if r.Matches[0].Target != want[r.ID] {
			t.Errorf("%s: best %s, want %s", r.ID, r.Matches[0].Target, want[r.ID])
		}
		for i := 1; i < len(r.Matches); i++ {
			if r.Matches[i].Score > r.Matches[i-1].Score {
				t.Errorf("%s: not sorted", r.ID)
			}
		}
	}
}

func TestHelpVersionAndUnknown(t *testing.T) {
	var out, errs strings.Builder
	if code := run(context.Background(), []string{"--help"}, nil, &out, &errs); code != 0 || !strings.Contains(out.String(), "backup") {
		t.Errorf("--help: %d %q", code, out.String())
	}
	out.Reset()
	if code := run(context.Background(), []string{"version"}, nil, &out, &errs); code != 0 || !strings.HasPrefix(out.String(), "kipina ") {
		t.Errorf("version: %d %q", code, out.String())
	}
	if code := run(context.Background(), []string{"frob"}, nil, &out, &errs); code != 2 || !strings.Contains(errs.String(), `unknown subcommand "frob"`) {
		t.Errorf("unknown: %d %q", code, errs.String())
	}
}

func TestBadConfigStopsWithAMessage(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/bad.yaml"
	writeFile(t, path, "defaults:\n  timezone: Mars/Olympus\nschedules:\n  digest: \"61 * * * *\"\nworkspacez: []\n")
	var out, errs strings.Builder
	code := run(context.Background(), []string{"run", "--config", path, "--data", dir}, strings.NewReader(""), &out, &errs)
	if code != 2 || !strings.Contains(errs.String(), "workspacez") {
		t.Errorf("unknown key: %d %q", code, errs.String())
	}
	writeFile(t, path, "defaults:\n  timezone: Mars/Olympus\nschedules:\n  digest: \"61 * * * *\"\n")
	errs.Reset()
	code = run(context.Background(), []string{"run", "--config", path, "--data", dir}, strings.NewReader(""), &out, &errs)
	for _, w := range []string{"defaults.timezone", "schedules.digest"} {
		if code != 2 || !strings.Contains(errs.String(), w) {
			t.Errorf("%d: stderr lacks %q:\n%s", code, w, errs.String())
		}
	}
}

func writeFile(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestDemoWaitRunsItemsOnTime: ":wait" in the terminal demo lets time
// pass item by item, so a follow-up due on the way arrives on time, not
// late with an apology at the end.
func TestDemoWaitRunsItemsOnTime(t *testing.T) {
	script := "/kipina followup people add kipina-2017 @pekka\n/kipina followup start kipina-2017\n1\n:wait 6w\n" // 1: the preview's start button
	var out strings.Builder
	if code := run(context.Background(), []string{"run", "--data", t.TempDir()}, strings.NewReader(script), &out, io.Discard); code != 0 {
		t.Fatalf("exit %d", code)
	}
	cat := locale.MustLoad()
	survey := bottest.UpTo(cat, "fi", "followup.survey.prompt", "Event")
	late := strings.TrimSpace(bottest.UpTo(cat, "fi", "followup.late.note", "Date"))
	if !strings.Contains(out.String(), "── @pekka\n  "+survey) || strings.Contains(out.String(), late) {
		t.Errorf("survey not delivered on time:\n%s", out.String())
	}
}

// TestOrganiserEntries (issue 20): an organisers entry may be @username;
// in the terminal it is the name itself. An entry that cannot make anyone
// an organiser stops the start with a message naming the workspace, the
// key, the entry and what to write instead.
func TestOrganiserEntries(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/kipina.yaml"
	conf := func(organisers string) {
		writeFile(t, path, "workspaces:\n  - id: demo\n    name: Demo\n    platform: shell\n    organisers: "+organisers+"\n    notify_channel: kipina-organisers\n    privacy_url: https://www.tampere.fi/tietosuoja\n")
	}
	conf("[\"@nina\"]")
	var out, errs strings.Builder
	code := run(context.Background(), []string{"run", "--config", path, "--data", dir, "--web", "off"}, strings.NewReader("/kipina whoami\n"), &out, &errs)
	if code != 0 || !strings.Contains(out.String(), "nina> /kipina whoami") || !strings.Contains(out.String(), locale.MustLoad().T("fi", "role.organiser")) {
		t.Errorf("@nina: exit %d, %s\n%s", code, errs.String(), out.String())
	}
	for entry, want := range map[string][]string{
		`["nina", "boss@tampere.fi"]`: {`workspace demo: organisers: "boss@tampere.fi"`, "organisers_by_email", "@username"},
		`["@"]`:                       {`workspace demo: organisers: "@"`, "username after the @"},
	} {
		conf(entry)
		out.Reset()
		errs.Reset()
		code := run(context.Background(), []string{"run", "--config", path, "--data", dir, "--web", "off"}, strings.NewReader("/kipina whoami\n"), &out, &errs)
		if code != 2 {
			t.Errorf("%s: exit %d, want 2", entry, code)
		}
		for _, w := range want {
			if !strings.Contains(errs.String(), w) {
				t.Errorf("%s: stderr lacks %q:\n%s", entry, w, errs.String())
			}
		}
	}
}

package main

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/configs"
	"github.com/kipina/kipina/storage"
)

// tableRoles are the role columns of docs/security.md's role × command
// table, in order; "anyone" is someone with no granted role.
var tableRoles = []struct {
	name string
	as   bot.Roles
}{
	{"organiser", bot.Roles{bot.Organiser: true}},
	{"juror", bot.Roles{bot.Juror: true}},
	{"company", bot.Roles{bot.Company: true}},
	{"process", bot.Roles{bot.Process: true}},
	{"anyone", bot.Roles{}},
}

// TestSecurityTable checks the role × command table of docs/security.md
// against the commands the bot registers (all modules, as cmd/kipina runs
// them): every registered command has exactly one row and every row a
// registered command; each cell says ✓ exactly when bot.Roles.Has lets
// that role run the command; each row says what application data it shows.
func TestSecurityTable(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "security.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(doc), "<!-- roles:begin -->")
	table, _, ok2 := strings.Cut(table, "<!-- roles:end -->")
	if !ok || !ok2 {
		t.Fatal("docs/security.md has no <!-- roles:begin --> … <!-- roles:end --> table")
	}
	rows := map[string][]string{}
	for i, line := range strings.Split(strings.TrimSpace(table), "\n") {
		cells := strings.Split(strings.Trim(strings.TrimSpace(line), "|"), "|")
		for j := range cells {
			cells[j] = strings.TrimSpace(cells[j])
		}
		if len(cells) != 2+len(tableRoles) {
			t.Fatalf("row %d has %d cells: %q", i+1, len(cells), line)
		}
		if i == 0 {
			for k, r := range tableRoles {
				if cells[1+k] != r.name {
					t.Fatalf("column %d is %q, want %q", 2+k, cells[1+k], r.name)
				}
			}
		}
		if i < 2 { // the header and its separator
			continue
		}
		name := strings.Trim(cells[0], "`")
		if _, dup := rows[name]; dup {
			t.Errorf("command %q has two rows", name)
		}
		rows[name] = cells[1:]
	}

	dir := t.TempDir()
	db, err := storage.Open(filepath.Join(dir, "k.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cfg := configs.Default()
	b, err := bot.New(bot.Options{Config: cfg, DB: db, DataDir: dir, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, modules(cfg)...)
	if err != nil {
		t.Fatal(err)
	}
	registered := map[string]bool{}
	for _, c := range b.Router.Commands() {
		registered[c.Name] = true
		row, ok := rows[c.Name]
		if !ok {
			t.Errorf("command %q (role %q) is not in docs/security.md's table", c.Name, c.Role)
			continue
		}
		for k, r := range tableRoles {
			want := "—"
			if r.as.Has(c.Role) {
				want = "✓"
			}
			if row[k] != want {
				t.Errorf("%s × %s: the table says %q, the bot %q (role %q)", c.Name, r.name, row[k], want, c.Role)
			}
		}
		if row[len(tableRoles)] == "" {
			t.Errorf("%s: the table does not say what application data it shows", c.Name)
		}
	}
	for name := range rows {
		if !registered[name] {
			t.Errorf("docs/security.md lists %q, which the bot does not register", name)
		}
	}
}

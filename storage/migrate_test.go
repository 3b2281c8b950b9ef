package storage_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/outbox"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/storage"
	bolt "go.etcd.io/bbolt"
)

// schema1Store writes a store as kipina wrote it at schema 1 (before the
// indexes): workspace "demo" with two events' applications, and an outbox
// of sent, failed and pending messages with their key records.
func schema1Store(t *testing.T, path string, now time.Time) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	put := func(b *bolt.Bucket, k string, v any) {
		data, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Put([]byte(k), data); err != nil {
			t.Fatal(err)
		}
	}
	err = db.Update(func(tx *bolt.Tx) error {
		meta, _ := tx.CreateBucket([]byte("meta"))
		if err := meta.Put([]byte("schema"), []byte("1")); err != nil {
			return err
		}
		ws, _ := tx.CreateBucket([]byte("ws"))
		demo, _ := ws.CreateBucket([]byte("demo"))
		events, _ := demo.CreateBucket([]byte("events"))
		put(events, "old", round.Event{ID: "old", Date: now.AddDate(-1, 0, 0)})
		put(events, "new", round.Event{ID: "new", Date: now.AddDate(0, 1, 0)})
		apps, _ := demo.CreateBucket([]byte("apps"))
		for i := 1; i <= 6; i++ {
			ev := "old"
			if i > 4 {
				ev = "new"
			}
			a := round.Application{ID: fmt.Sprintf("H%04d", i), Event: ev, State: round.Submitted,
				Owner: chat.UserRef{Platform: "shell", Workspace: "demo", User: fmt.Sprint("u", i%2)}, Company: fmt.Sprint("C", i)}
			if i == 3 {
				a.State = round.Withdrawn
				a.Contacts = []chat.UserRef{{Platform: "shell", Workspace: "demo", User: "colleague"}}
			}
			put(apps, a.ID, a)
		}
		sys, _ := tx.CreateBucket([]byte("sys"))
		items, _ := sys.CreateBucket([]byte("outbox"))
		keys, _ := sys.CreateBucket([]byte("outbox-keys"))
		pending, _ := sys.CreateBucket([]byte("outbox-pending"))
		to := chat.Address{Platform: "shell", Workspace: "demo", User: "u1"}
		for seq := uint64(1); seq <= 5; seq++ {
			state := map[uint64]string{1: "sent", 2: "sent", 3: "failed", 4: "pending", 5: "sent"}[seq]
			at := now.Add(-60 * 24 * time.Hour)
			if seq == 5 {
				at = now.Add(-time.Hour) // recent: keeps its content
			}
			it := map[string]any{"seq": seq, "id": fmt.Sprint("id", seq), "key": fmt.Sprint("demo/m/", seq), "to": to,
				"msg":   map[string]any{"text": fmt.Sprint("hello ", seq), "id": fmt.Sprint("id", seq)},
				"state": state, "attempts": 1, "next_at": at, "created": at, "ref": map[string]any{"channel": "c", "id": fmt.Sprint(seq)}}
			k := fmt.Sprintf("%016x", seq)
			put(items, k, it)
			put(keys, fmt.Sprint("demo/m/", seq), seq)
			if state == "pending" {
				put(pending, k, seq)
			}
		}
		return items.SetSequence(5)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestMigrationIndexesAndPrunesSchema1Store opens a schema-1 store: the
// migration builds the indexes, reads by event and person find what a
// full scan found, failed messages are listed from their index, and
// pruning (migration 3, default retention) compacts old delivered messages
// to receipts that still keep their keys from being sent again.
func TestMigrationIndexesAndPrunesSchema1Store(t *testing.T) {
	now := time.Date(2026, 5, 4, 12, 0, 0, 0, time.UTC)
	path := filepath.Join(t.TempDir(), "kipina.db")
	schema1Store(t, path, now)
	db, err := storage.OpenWith(path, storage.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.Now = func() time.Time { return now }
	if v, err := db.SchemaVersion(); err != nil || v != len(storage.Migrations) {
		t.Fatalf("schema %d, %v; want %d", v, err, len(storage.Migrations))
	}
	err = db.View(func(tx *storage.Tx) error {
		for ev, want := range map[string]int{"old": 4, "new": 2, "none": 0} {
			apps, err := round.EventApps(tx, "demo", ev)
			if err != nil {
				return err
			}
			if len(apps) != want {
				t.Errorf("event %s: %d applications, want %d", ev, len(apps), want)
			}
		}
		ids, latest, total, err := round.EventsFrom(tx, "demo", now)
		if err != nil {
			return err
		}
		if len(ids) != 1 || ids[0] != "new" || latest != "new" || total != 2 {
			t.Errorf("events from now: %v, latest %q, %d in all", ids, latest, total)
		}
		counts, err := round.CountByState(tx, "demo", "old")
		if err != nil {
			return err
		}
		if counts[round.Submitted] != 3 || counts[round.Withdrawn] != 1 {
			t.Errorf("counts of old: %v", counts)
		}
		for user, want := range map[string]int{"u0": 3, "u1": 3, "colleague": 1, "nobody": 0} {
			apps, err := round.PersonApps(tx, "demo", chat.UserRef{Platform: "shell", Workspace: "demo", User: user})
			if err != nil {
				return err
			}
			if len(apps) != want {
				t.Errorf("%s: %d applications, want %d", user, len(apps), want)
			}
		}
		failed, err := outbox.Undelivered(tx, "demo")
		if err != nil {
			return err
		}
		if len(failed) != 1 || failed[0].Seq != 3 {
			t.Errorf("undelivered: %+v", failed)
		}
		n, err := outbox.PendingCount(tx)
		if err != nil || n != 1 {
			t.Errorf("pending %d, %v", n, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// Migration 3 pruned the old sent ones (1 and 2) with the default
	// retention: nothing is left to prune.
	pruned, err := outbox.PruneAll(db, now.Add(-outbox.DefaultRetention))
	if err != nil || pruned != 0 {
		t.Fatalf("pruned %d, %v; want 0 (the migration pruned)", pruned, err)
	}
	to := chat.Address{Platform: "shell", Workspace: "demo", User: "u1"}
	err = db.Update(func(tx *storage.Tx) error {
		for seq := 1; seq <= 5; seq++ {
			it, err := outbox.Lookup(tx, outbox.NewKey("demo", "m", fmt.Sprint(seq)))
			if err != nil {
				return err
			}
			wantPruned := seq == 1 || seq == 2
			if it.Pruned != wantPruned || (it.Msg.Text == "") != wantPruned {
				t.Errorf("message %d: pruned %v, text %q", seq, it.Pruned, it.Msg.Text)
			}
			if it.ID != fmt.Sprint("id", seq) || it.Ref.ID != fmt.Sprint(seq) {
				t.Errorf("message %d: the receipt lost its id or reference: %+v", seq, it)
			}
			// Idempotency outlives the content: the same key sends nothing.
			added, err := outbox.Enqueue(tx, outbox.NewKey("demo", "m", fmt.Sprint(seq)), to, chat.Message{Text: "again"})
			if err != nil {
				return err
			}
			if added {
				t.Errorf("message %d: enqueued again after pruning", seq)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if again, err := outbox.PruneAll(db, now.Add(-outbox.DefaultRetention)); err != nil || again != 0 {
		t.Errorf("second prune: %d, %v; want nothing", again, err)
	}
	if err := db.Check(); err != nil {
		t.Fatal(err)
	}
}

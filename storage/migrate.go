package storage

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Names of the indexes that migration 2 builds and their owners keep in
// the transaction that writes the record they index.
const (
	// AppsByEvent (per workspace, package round): event "\x00" app id →
	// the application's state as a JSON string.
	AppsByEvent = "apps-by-event"
	// AppsByPerson (per workspace, package round): platform "\x00" user
	// "\x00" app id → the event id as a JSON string, one entry for the
	// owner and one per contact.
	AppsByPerson = "apps-by-person"
	// OutboxFailed (system scope, package outbox): workspace "\x00" seq
	// (16 hex digits) → the seq, one entry per failed message.
	OutboxFailed = "outbox-failed"
	// OutboxDelivered (system scope, package outbox): delivery time
	// (DeliveredKey) "\x00" seq → the seq, one entry per delivered message
	// whose content is still kept; pruning walks it from the oldest.
	OutboxDelivered = "outbox-delivered"
	// EventsByDate (per workspace, package round): EventKey(date, id) →
	// the id as a JSON string.
	EventsByDate = "events-by-date"
)

// EventKey is the EventsByDate key of event id dated t: UTC time, fixed
// width, so that keys sort by date.
func EventKey(t time.Time, id string) string {
	return t.UTC().Format("20060102T150405.000000000") + "\x00" + id
}

// EventKeyID returns the event id of an EventsByDate key.
func EventKeyID(k string) string {
	_, id, _ := strings.Cut(k, "\x00")
	return id
}

// DeliveredKey is the OutboxDelivered index key of a message delivered at
// t with sequence number seq: UTC time to the nanosecond, fixed width, so
// that keys sort by time.
func DeliveredKey(t time.Time, seq uint64) string {
	return t.UTC().Format("20060102T150405.000000000") + "\x00" + fmt.Sprintf("%016x", seq)
}

// migrateIndexes is migration 2: it builds the indexes above from the
// records written before they were kept. It decodes only the fields it
// indexes, as stores of schema 1 wrote them, and depends on no other
// package (a migration is a fixed step, not today's code).
func migrateIndexes(tx *bolt.Tx) error {
	root := tx.Bucket(bucketWorkspaces)
	err := root.ForEachBucket(func(ws []byte) error {
		wb := root.Bucket(ws)
		if evs := wb.Bucket([]byte("events")); evs != nil {
			byDate, err := wb.CreateBucketIfNotExists([]byte(EventsByDate))
			if err != nil {
				return err
			}
			err = evs.ForEach(func(k, v []byte) error {
				var ev struct {
					Date time.Time `json:"date"`
				}
				if err := json.Unmarshal(v, &ev); err != nil {
					return fmt.Errorf("ws %s event %s: %w", ws, k, err)
				}
				id, err := json.Marshal(string(k))
				if err != nil {
					return err
				}
				return byDate.Put([]byte(EventKey(ev.Date, string(k))), id)
			})
			if err != nil {
				return err
			}
		}
		apps := wb.Bucket([]byte("apps"))
		if apps == nil {
			return nil
		}
		byEvent, err := wb.CreateBucketIfNotExists([]byte(AppsByEvent))
		if err != nil {
			return err
		}
		byPerson, err := wb.CreateBucketIfNotExists([]byte(AppsByPerson))
		if err != nil {
			return err
		}
		type user struct {
			Platform string `json:"platform"`
			User     string `json:"user"`
		}
		return apps.ForEach(func(k, v []byte) error {
			var a struct {
				ID       string `json:"id"`
				Event    string `json:"event"`
				State    string `json:"state"`
				Owner    user   `json:"owner"`
				Contacts []user `json:"contacts"`
			}
			if err := json.Unmarshal(v, &a); err != nil {
				return fmt.Errorf("ws %s app %s: %w", ws, k, err)
			}
			state, err := json.Marshal(a.State)
			if err != nil {
				return err
			}
			if err := byEvent.Put([]byte(a.Event+"\x00"+string(k)), state); err != nil {
				return err
			}
			event, err := json.Marshal(a.Event)
			if err != nil {
				return err
			}
			for _, u := range append([]user{a.Owner}, a.Contacts...) {
				if err := byPerson.Put([]byte(u.Platform+"\x00"+u.User+"\x00"+string(k)), event); err != nil {
					return err
				}
			}
			return nil
		})
	})
	if err != nil {
		return err
	}
	sys := tx.Bucket(bucketSystem)
	items := sys.Bucket([]byte("outbox"))
	if items == nil {
		return nil
	}
	failed, err := sys.CreateBucketIfNotExists([]byte(OutboxFailed))
	if err != nil {
		return err
	}
	delivered, err := sys.CreateBucketIfNotExists([]byte(OutboxDelivered))
	if err != nil {
		return err
	}
	return items.ForEach(func(k, v []byte) error {
		var it struct {
			Seq     uint64    `json:"seq"`
			State   string    `json:"state"`
			NextAt  time.Time `json:"next_at"`
			Created time.Time `json:"created"`
			To      struct {
				Workspace string `json:"workspace"`
			} `json:"to"`
		}
		if err := json.Unmarshal(v, &it); err != nil {
			return fmt.Errorf("outbox %s: %w", k, err)
		}
		seq := []byte(fmt.Sprint(it.Seq))
		switch it.State {
		case "failed":
			return failed.Put([]byte(it.To.Workspace+"\x00"+string(k)), seq)
		case "sent":
			// Schema 1 kept no delivery time: the last attempt was
			// scheduled at NextAt, never before the message was created.
			at := it.NextAt
			if at.Before(it.Created) {
				at = it.Created
			}
			return delivered.Put([]byte(DeliveredKey(at, it.Seq)), seq)
		}
		return nil
	})
}

// pruneStep is how many messages one transaction of migration 3 prunes.
var pruneStep = 5000

// migratePrune is migration 3: it compacts every message delivered before
// the retention (Options) to its receipt, as the outbox's Prune does —
// content (msg, error) dropped but for the message id, "pruned" set, the
// entry of the delivered index removed — so that the first start of this
// version does not carry the whole history's content. It reads only what
// it prunes (the delivered index is in time order); pending and failed
// messages are not in that index and stay as they are. It prunes at most
// pruneStep messages per transaction (errAgain): what it pruned is out of
// the index, so each step goes on where the last one ended. Like migration 2
// it works on the records' JSON and depends on no other package.
func migratePrune(tx *bolt.Tx, o Options) (err error) {
	sys := tx.Bucket(bucketSystem)
	items, index := sys.Bucket([]byte("outbox")), sys.Bucket([]byte(OutboxDelivered))
	if items == nil || index == nil {
		return nil
	}
	end := []byte(DeliveredKey(o.cutoff(), 0))
	var done [][]byte
	c := index.Cursor()
	more := false
	for k, _ := c.First(); k != nil && string(k) < string(end); k, _ = c.Next() {
		if len(done) == pruneStep {
			more = true
			break
		}
		done = append(done, slices.Clone(k))
	}
	defer func() {
		if err == nil && more {
			err = errAgain
		}
	}()
	for _, k := range done {
		if err := index.Delete(k); err != nil {
			return err
		}
		_, seq, _ := strings.Cut(string(k), "\x00")
		v := items.Get([]byte(seq))
		if v == nil {
			continue
		}
		var it map[string]json.RawMessage
		if err := json.Unmarshal(v, &it); err != nil {
			return fmt.Errorf("outbox %s: %w", seq, err)
		}
		var id string
		if raw, ok := it["id"]; ok {
			if err := json.Unmarshal(raw, &id); err != nil {
				return fmt.Errorf("outbox %s id: %w", seq, err)
			}
		}
		msg, err := json.Marshal(struct {
			Text string `json:"text"`
			ID   string `json:"id,omitempty"`
		}{ID: id})
		if err != nil {
			return err
		}
		it["msg"], it["pruned"] = msg, json.RawMessage("true")
		delete(it, "error")
		data, err := json.Marshal(it)
		if err != nil {
			return err
		}
		if err := items.Put([]byte(seq), data); err != nil {
			return err
		}
	}
	return nil
}

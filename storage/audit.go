package storage

import (
	"fmt"
	"time"
)

// AuditEntry records who changed what, when. Entries are written in the
// same transaction as the change they describe.
type AuditEntry struct {
	At      time.Time `json:"at"`
	Who     string    `json:"who"`
	Action  string    `json:"action"`
	Subject string    `json:"subject"`
	Detail  string    `json:"detail,omitempty"`
}

var audit = NewBucket[AuditEntry]("audit")

// Audit appends an entry to ws's audit log; At is filled from the store's
// clock when zero.
func (t *Tx) Audit(ws string, e AuditEntry) error {
	if e.At.IsZero() {
		e.At = t.Now()
	}
	seq, err := t.NextSeq(ws, audit.name)
	if err != nil {
		return err
	}
	return audit.Put(t, ws, auditKey(e.Subject, seq), e)
}

// AuditLog returns the entries about subject, oldest first.
func (t *Tx) AuditLog(ws, subject string) ([]AuditEntry, error) {
	var out []AuditEntry
	err := audit.Scan(t, ws, subject+"\x00", func(_ string, e AuditEntry) error {
		out = append(out, e)
		return nil
	})
	return out, err
}

func auditKey(subject string, seq uint64) string {
	return fmt.Sprintf("%s\x00%016x", subject, seq)
}

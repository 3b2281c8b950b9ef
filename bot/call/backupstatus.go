package call

import (
	"time"

	"github.com/kipina/kipina/bot"
	kbackup "github.com/kipina/kipina/bot/backup"
	"github.com/kipina/kipina/storage"
)

// backupAge is /kipina status's line on the last backup: its age in hours,
// or that none was taken.
func backupAge(r *bot.Request) string {
	var rec kbackup.Record
	var ok bool
	if err := r.Env.DB.View(func(tx *storage.Tx) (err error) { rec, ok, err = kbackup.Last(tx); return }); err != nil {
		r.Env.Log.Error("last backup", "err", err)
		return r.T("status.backup_none")
	}
	if !ok {
		return r.T("status.backup_none")
	}
	return r.T("status.backup", "Hours", int(r.Now().Sub(rec.At)/time.Hour), "When", rec.At.In(r.WS.Loc).Format("2.1.2006 15:04"))
}

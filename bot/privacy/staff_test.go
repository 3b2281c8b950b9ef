package privacy_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kipina/kipina/bot/bottest"
	"github.com/kipina/kipina/bot/followup"
	"github.com/kipina/kipina/bot/jury"
	"github.com/kipina/kipina/storage"
)

// What the event's staff wrote: erased at retention.
const (
	juhaDeclared = "Lankoni omistaa Betonivalu Kiviharju Oy:n"
	pairReason   = "Kaupungin hankintabudjetti loppui kesken"
	changeReason = "Ninan mukaan pilotti siirtyy ensi vuoteen"
	auditDetail  = "Juhan esitys ensin, sitten Annan kennot"
	otherDetail  = "Toisen tapahtuman merkintä säilyy"
)

// TestRetentionStaff: at an event's retention, the staff's personal data
// tied to it goes too (jurors' conflict declarations, review comments,
// follow-up reasons and who gave them, the audit log's who and detail for
// the event and its applications), while the aggregates stay (scores,
// conflicts per application, funnel stages, audit entries by action) and
// another event's audit entry is untouched. The store file is searched
// byte-wise afterwards.
func TestRetentionStaff(t *testing.T) {
	f := setup(t)
	juha, nina := bottest.User("juha"), bottest.User("nina")
	ev := f.ev.ID
	err := f.h.DB.Update(func(tx *storage.Tx) error {
		j := jury.Jury{Event: ev, Jurors: []jury.Juror{{User: juha}},
			Declared:  []jury.Declaration{{Juror: "juha", Text: juhaDeclared, At: bottest.Start}},
			Conflicts: map[string][]string{"juha": {"H0001"}}}
		if err := jury.Juries.Put(tx, f.ws, ev, j); err != nil {
			return err
		}
		p := followup.Pair{Event: ev, App: "H0002", Company: bobCompany, Target: "health", Stage: followup.Pitched, Since: bottest.Start}
		p.Move(bottest.Start, "nina", "agreed", followup.Agreed, changeReason)
		p.Move(bottest.Start, "nina", "closed", followup.Closed, pairReason)
		if err := followup.Pairs.Put(tx, f.ws, followup.PairKey(ev, "H0002"), p); err != nil {
			return err
		}
		for _, e := range []storage.AuditEntry{
			{Who: nina.String(), Action: "agenda.set", Subject: "event/" + ev, Detail: auditDetail},
			{Who: nina.String(), Action: "followup.set", Subject: "app/H0002", Detail: "agreed → closed " + pairReason},
			{Who: nina.String(), Action: "agenda.set", Subject: "event/other-2026", Detail: otherDetail},
		} {
			if err := tx.Audit(f.ws, e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	actions := func(subject string) []string {
		var out []string
		err := f.h.DB.View(func(tx *storage.Tx) error {
			log, err := tx.AuditLog(f.ws, subject)
			for _, e := range log {
				out = append(out, e.Action)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	before := actions("event/" + ev)

	at := planRetention(t, f)
	f.h.Clock.Set(at.Add(time.Hour))
	f.h.Tick(0)

	err = f.h.DB.View(func(tx *storage.Tx) error {
		j, err := jury.Juries.Get(tx, f.ws, ev)
		if err != nil {
			return err
		}
		if len(j.Declared) != 1 || j.Declared[0].Text != "" || j.Declared[0].Juror == "juha" {
			t.Errorf("declarations after retention: %+v", j.Declared)
		}
		for u, as := range j.Conflicts {
			if len(j.Conflicts) != 1 || u == "juha" || !slices.Equal(as, []string{"H0001"}) {
				t.Errorf("conflicts after retention: %v (one juror, pseudonymised, with H0001)", j.Conflicts)
			}
		}
		if len(j.Conflicts) != 1 {
			t.Errorf("conflicts after retention: %v", j.Conflicts)
		}
		for app, score := range map[string]int{"H0001": 4, "H0002": 3} {
			rv, err := jury.Reviews.Get(tx, f.ws, ev+"/"+app+"/juha")
			if err != nil {
				return err
			}
			if rv.Comment != "" || rv.Scores["impact"] != score {
				t.Errorf("review of %s after retention: %+v (comment gone, score %d kept)", app, rv, score)
			}
		}
		p, err := followup.Pairs.Get(tx, f.ws, followup.PairKey(ev, "H0002"))
		if err != nil {
			return err
		}
		if p.Stage != followup.Closed || p.Reason != "" || len(p.History) != 2 || p.History[1].To != followup.Closed {
			t.Errorf("pair after retention: %+v (stage and history kept, reasons gone)", p)
		}
		for _, c := range p.History {
			if c.Reason != "" || c.Who == "nina" || c.Who == "" {
				t.Errorf("change after retention: %+v", c)
			}
		}
		if p.History[0].Who != p.History[1].Who {
			t.Errorf("one person, two pseudonyms: %q, %q", p.History[0].Who, p.History[1].Who)
		}
		for _, subject := range []string{"event/" + ev, "app/H0002"} {
			log, err := tx.AuditLog(f.ws, subject)
			if err != nil {
				return err
			}
			for _, e := range log {
				if e.Action == "privacy.retention" {
					if !strings.Contains(e.Detail, "staff records") {
						t.Errorf("retention audit %q", e.Detail)
					}
					continue
				}
				if e.Detail != "" || strings.Contains(e.Who, "nina") {
					t.Errorf("audit entry of %s after retention: %+v", subject, e)
				}
			}
		}
		other, err := tx.AuditLog(f.ws, "event/other-2026")
		if err != nil {
			return err
		}
		if len(other) != 1 || other[0].Detail != otherDetail || other[0].Who != nina.String() {
			t.Errorf("another event's audit entry changed: %+v", other)
		}
		ans, err := followup.EventAnswers(tx, f.ws, ev)
		if err != nil {
			return err
		}
		if len(ans) != 1 || ans[0].Score != 2 || ans[0].Comment != "" || ans[0].User.User == "anna" {
			t.Errorf("survey answers after retention: %+v (score kept, comment and person gone)", ans)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if after := actions("event/" + ev); !slices.Equal(after[:len(before)], before) || after[len(after)-1] != "privacy.retention" {
		t.Errorf("audit actions %v, were %v (+ privacy.retention)", after, before)
	}
	f.closed = func(data []byte) {
		for _, s := range []string{juhaDeclared, pairReason, changeReason, auditDetail, annaComment, annaSurvey, `"who":"nina"`} {
			if bytes.Contains(data, []byte(s)) {
				t.Errorf("the store file still holds %q after retention", s)
			}
		}
		if !bytes.Contains(data, []byte(otherDetail)) || bytes.Count(data, []byte(nina.String())) == 0 {
			t.Errorf("the store file lost another event's audit entry")
		}
	}
}

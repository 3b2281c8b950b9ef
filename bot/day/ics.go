package day

import (
	"sort"
	"strings"
	"time"
	"unicode"

	ics "github.com/arran4/golang-ical"
)

// CalSent is what a recipient's calendar client was last given for one
// event: the SEQUENCE of that file and the UIDs it held, so a later file
// raises the sequence (RFC 5545 §3.8.7.4: clients keep the copy with the
// highest SEQUENCE) and cancels the events no longer in the schedule.
type CalSent struct {
	Seq  int      `json:"seq"`
	UIDs []string `json:"uids,omitempty"`
}

// calEvent is one VEVENT of a personal calendar.
type calEvent struct {
	UID               string
	Start, End        time.Time
	Summary, Location string
	Description       string
	Cancelled         bool
}

// uidOf is the UID of a schedule entry, stable across re-publications: a
// pitch is named by event and application, a meeting by event and the pair
// that meets (not by its time or table, which a new plan may change), so a
// calendar client updates the event in place instead of adding a second
// one (RFC 5545 §3.8.4.7).
func uidOf(ws, event string, pt party, e entry) string {
	var id string
	switch {
	case e.pitch:
		id = "pitch-" + pt.id
	case pt.side == SideCompany:
		id = "meeting-" + pt.id + "-" + e.otherID
	default:
		id = "meeting-" + e.otherID + "-" + pt.id
	}
	return uidPart(ws) + "-" + uidPart(event) + "-" + uidPart(id) + "@kipina"
}

// uidPart keeps letters, digits, '-' and '.' of s, so a UID is plain ASCII.
func uidPart(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '.') {
			return r
		}
		return '_'
	}, s)
}

// calText makes s a clean TEXT value: line breaks become "\n" (the library
// escapes them to `\n`), other control characters are dropped (RFC 5545
// §3.3.11 allows no CTL in TEXT).
func calText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
}

// writeCalendar renders a personal calendar as RFC 5545 text: CRLF line
// ends, lines folded at 75 octets outside UTF-8 sequences, TEXT escaped,
// times in UTC ("Z" form, so no VTIMEZONE is needed). events are the
// current ones; gone are UIDs sent before that are no longer there, sent as
// STATUS:CANCELLED. A file holding only cancellations is METHOD:CANCEL,
// otherwise METHOD:PUBLISH (RFC 5546 §3.2.1 lets a PUBLISH carry a
// cancelled event). Every event carries seq as its SEQUENCE.
func writeCalendar(lang, name string, seq int, events []calEvent, gone []calEvent, now time.Time) []byte {
	cal := ics.NewCalendar()
	cal.SetProductId("-//kipina//day//" + strings.ToUpper(lang))
	if len(events) == 0 && len(gone) > 0 {
		cal.SetMethod(ics.MethodCancel)
	} else {
		cal.SetMethod(ics.MethodPublish)
	}
	cal.SetXWRCalName(calText(name))
	for _, e := range append(append([]calEvent(nil), events...), gone...) {
		ve := cal.AddEvent(e.UID)
		ve.SetDtStampTime(now.UTC())
		ve.SetSequence(seq)
		ve.SetStartAt(e.Start.UTC())
		ve.SetEndAt(e.End.UTC())
		if e.Summary != "" {
			ve.SetSummary(calText(e.Summary))
		}
		if e.Location != "" {
			ve.SetLocation(calText(e.Location))
		}
		if e.Description != "" {
			ve.SetDescription(calText(e.Description))
		}
		if e.Cancelled {
			ve.SetStatus(ics.ObjectStatusCancelled)
		} else {
			ve.SetStatus(ics.ObjectStatusConfirmed)
		}
	}
	return []byte(cal.Serialize(ics.WithNewLineWindows))
}

// goneEvents are the events of prev (UIDs last sent) missing from now,
// as cancellations. The library needs a start and end for a VEVENT; a
// cancellation carries the time of the event day, which clients ignore
// when they match by UID.
func goneEvents(prev []string, now []calEvent, day time.Time) []calEvent {
	have := map[string]bool{}
	for _, e := range now {
		have[e.UID] = true
	}
	var out []calEvent
	for _, u := range prev {
		if !have[u] {
			out = append(out, calEvent{UID: u, Start: day, End: day, Cancelled: true})
		}
	}
	return out
}

// uidsOf lists the UIDs of events, sorted.
func uidsOf(es []calEvent) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.UID)
	}
	sort.Strings(out)
	return out
}

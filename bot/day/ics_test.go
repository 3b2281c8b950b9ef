package day

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	ics "github.com/arran4/golang-ical"
)

// strictCalendar checks the octets of an iCalendar file as RFC 5545 §3.1
// states them (every line ends in CRLF, no line longer than 75 octets, a
// fold never splits a UTF-8 sequence, a folded line starts with one space)
// and parses the unfolded result; it fails t on any breach.
func strictCalendar(t *testing.T, b []byte) *ics.Calendar {
	t.Helper()
	if !bytes.HasSuffix(b, []byte("\r\n")) {
		t.Fatalf("calendar does not end in CRLF: %q", tail(b))
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\r\n"), "\r\n")
	for i, l := range lines {
		if strings.ContainsAny(l, "\r\n") {
			t.Fatalf("line %d has a bare CR or LF: %q", i+1, l)
		}
		if len(l) > 75 {
			t.Fatalf("line %d is %d octets (max 75): %q", i+1, len(l), l)
		}
		if !utf8.ValidString(l) {
			t.Fatalf("line %d splits a UTF-8 sequence: %q", i+1, l)
		}
		if strings.HasPrefix(l, "\t") {
			t.Fatalf("line %d folds with a tab", i+1)
		}
	}
	if lines[0] != "BEGIN:VCALENDAR" || lines[len(lines)-1] != "END:VCALENDAR" {
		t.Fatalf("calendar is not one VCALENDAR: %q … %q", lines[0], lines[len(lines)-1])
	}
	cal, err := ics.ParseCalendar(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	for _, p := range []ics.Property{ics.PropertyVersion, ics.PropertyProductId, ics.PropertyMethod} {
		if len(cal.CalendarProperties) == 0 || prop(cal.CalendarProperties, p) == "" {
			t.Fatalf("calendar has no %s", p)
		}
	}
	for _, e := range cal.Events() {
		for _, p := range []ics.ComponentProperty{ics.ComponentPropertyUniqueId, ics.ComponentPropertyDtstamp, ics.ComponentPropertyDtStart, ics.ComponentPropertySequence} {
			if e.GetProperty(p) == nil {
				t.Fatalf("event %v has no %s", e.Id(), p)
			}
		}
		for _, p := range []ics.ComponentProperty{ics.ComponentPropertyDtStart, ics.ComponentPropertyDtEnd, ics.ComponentPropertyDtstamp} {
			// a time without TZID must be UTC ("Z"), or a client reads it as floating local time
			if v := e.GetProperty(p); v != nil && !strings.HasSuffix(v.Value, "Z") && len(v.ICalParameters["TZID"]) == 0 {
				t.Fatalf("event %s %s = %q is floating time", e.Id(), p, v.Value)
			}
		}
	}
	return cal
}

func prop(ps []ics.CalendarProperty, p ics.Property) string {
	for _, x := range ps {
		if x.IANAToken == string(p) {
			return x.Value
		}
	}
	return ""
}

func tail(b []byte) []byte {
	if len(b) > 20 {
		return b[len(b)-20:]
	}
	return b
}

func TestWriteCalendarStrict(t *testing.T) {
	start := time.Date(2027, 2, 10, 9, 0, 0, 0, time.FixedZone("EET", 2*3600))
	long := strings.Repeat("Älykäs katuvalaistus; säästää, mittaa \\ ja raportoi\nrivinvaihdolla ", 4)
	events := []calEvent{
		{UID: "ws-ev-meeting-H0001-U1@kipina", Start: start, End: start.Add(15 * time.Minute), Summary: "Tapaaminen: Åbo Bryggeri Ab, ”Ö”", Location: "Tampere-talo, pöytä 1", Description: long},
		{UID: "ws-ev-pitch-H0001@kipina", Start: start.Add(time.Hour), End: start.Add(70 * time.Minute), Summary: strings.Repeat("€", 60)},
	}
	now := time.Date(2027, 2, 1, 12, 0, 0, 0, time.UTC)
	b := writeCalendar("fi", "Kipinä 2027, kevät", 3, events, nil, now)
	cal := strictCalendar(t, b)
	if m := prop(cal.CalendarProperties, ics.PropertyMethod); m != "PUBLISH" {
		t.Fatalf("METHOD = %q", m)
	}
	got := cal.Events()
	if len(got) != 2 {
		t.Fatalf("%d events", len(got))
	}
	e := got[0]
	if e.Id() != events[0].UID {
		t.Fatalf("UID = %q", e.Id())
	}
	if v := e.GetProperty(ics.ComponentPropertySequence).Value; v != "3" {
		t.Fatalf("SEQUENCE = %q", v)
	}
	if v := e.GetProperty(ics.ComponentPropertyDtStart).Value; v != "20270210T070000Z" {
		t.Fatalf("DTSTART = %q, want 20270210T070000Z (09:00 EET)", v)
	}
	// TEXT round-trips: ';' ',' '\' and line breaks escaped, folded lines unfolded.
	if v := ics.FromText(e.GetProperty(ics.ComponentPropertyDescription).Value); v != long {
		t.Fatalf("DESCRIPTION = %q\nwant %q", v, long)
	}
	if v := ics.FromText(e.GetProperty(ics.ComponentPropertySummary).Value); v != events[0].Summary {
		t.Fatalf("SUMMARY = %q", v)
	}
	if v := ics.FromText(got[1].GetProperty(ics.ComponentPropertySummary).Value); v != events[1].Summary {
		t.Fatalf("SUMMARY of 3-octet runes = %q", v)
	}
	if v := e.GetProperty(ics.ComponentPropertyStatus).Value; v != "CONFIRMED" {
		t.Fatalf("STATUS = %q", v)
	}
}

// A control character or a CRLF in a person's text does not break the file.
func TestWriteCalendarControlCharacters(t *testing.T) {
	start := time.Date(2027, 2, 10, 7, 0, 0, 0, time.UTC)
	b := writeCalendar("en", "x", 0, []calEvent{{UID: "a@kipina", Start: start, End: start, Summary: "a\r\nb\x00c\x1bd"}}, nil, start)
	cal := strictCalendar(t, b)
	if v := ics.FromText(cal.Events()[0].GetProperty(ics.ComponentPropertySummary).Value); v != "a\nbcd" {
		t.Fatalf("SUMMARY = %q", v)
	}
}

// A meeting dropped from a re-published schedule is cancelled under its
// UID; a file with only cancellations is a METHOD:CANCEL.
func TestWriteCalendarCancellations(t *testing.T) {
	day := time.Date(2027, 2, 10, 0, 0, 0, 0, time.UTC)
	kept := calEvent{UID: "k@kipina", Start: day.Add(7 * time.Hour), End: day.Add(8 * time.Hour), Summary: "kept"}
	gone := goneEvents([]string{"g@kipina", "k@kipina"}, []calEvent{kept}, day)
	if len(gone) != 1 || gone[0].UID != "g@kipina" || !gone[0].Cancelled {
		t.Fatalf("gone = %+v", gone)
	}
	cal := strictCalendar(t, writeCalendar("sv", "x", 2, []calEvent{kept}, gone, day))
	if m := prop(cal.CalendarProperties, ics.PropertyMethod); m != "PUBLISH" {
		t.Fatalf("METHOD = %q", m)
	}
	st := map[string]string{}
	for _, e := range cal.Events() {
		st[e.Id()] = e.GetProperty(ics.ComponentPropertyStatus).Value
	}
	if st["k@kipina"] != "CONFIRMED" || st["g@kipina"] != "CANCELLED" {
		t.Fatalf("statuses = %v", st)
	}
	cal = strictCalendar(t, writeCalendar("sv", "x", 3, nil, goneEvents([]string{"k@kipina"}, nil, day), day))
	if m := prop(cal.CalendarProperties, ics.PropertyMethod); m != "CANCEL" {
		t.Fatalf("METHOD = %q", m)
	}
	if e := cal.Events()[0]; e.GetProperty(ics.ComponentPropertyStatus).Value != "CANCELLED" || e.GetProperty(ics.ComponentPropertySequence).Value != "3" {
		t.Fatalf("cancel event = %s", e.Serialize(nil))
	}
}

// A meeting keeps its UID when a new plan moves it to another time or
// table; the pitch and each pair have their own.
func TestUIDStable(t *testing.T) {
	t0 := time.Date(2027, 2, 10, 7, 0, 0, 0, time.UTC)
	a := entry{Span: Span{Start: t0, End: t0.Add(time.Hour)}, table: 1, otherID: "U1"}
	b := entry{Span: Span{Start: t0.Add(2 * time.Hour), End: t0.Add(3 * time.Hour)}, table: 4, otherID: "U1"}
	c := party{SideCompany, "H0001"}
	if uidOf("ws", "ev", c, a) != uidOf("ws", "ev", c, b) {
		t.Fatal("moved meeting changed UID")
	}
	// the same meeting in the person's calendar has the same UID
	if uidOf("ws", "ev", c, a) != uidOf("ws", "ev", party{SidePerson, "U1"}, entry{otherID: "H0001"}) {
		t.Fatal("two sides of one meeting have different UIDs")
	}
	if uidOf("ws", "ev", c, a) == uidOf("ws", "ev", c, entry{pitch: true}) || uidOf("ws", "ev", c, a) == uidOf("ws", "ev", c, entry{otherID: "U2"}) {
		t.Fatal("distinct events share a UID")
	}
	if u := uidOf("w s", "ev/ä", c, a); strings.ContainsAny(u, " /ä") {
		t.Fatalf("UID not plain: %q", u)
	}
}

package jury

import (
	"testing"
	"time"
)

// Issue 21: the jury's deadline date, like the call's, is the whole day up
// to 24:00 exclusive, also for a record that holds 23:59:00.
func TestJuryDeadlineWholeDay(t *testing.T) {
	hel, err := time.LoadLocation("Europe/Helsinki")
	if err != nil {
		t.Fatal(err)
	}
	event := time.Date(2027, 1, 20, 9, 0, 0, 0, hel)
	for _, j := range []Jury{{}, {Deadline: time.Date(2027, 1, 13, 23, 59, 0, 0, hel)}} {
		dl := j.deadline(event, hel)
		if y, m, d := dl.Date(); y != 2027 || m != 1 || d != 13 || dl.Format("15.04") != "23.59" {
			t.Fatalf("deadline %s", dl)
		}
		if time.Date(2027, 1, 13, 23, 59, 59, 0, hel).After(dl) {
			t.Errorf("%+v: over at 23.59.59", j)
		}
		if !time.Date(2027, 1, 14, 0, 0, 0, 0, hel).After(dl) {
			t.Errorf("%+v: not over at 0.00 the next day", j)
		}
	}
}

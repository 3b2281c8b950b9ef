package matching_test

import (
	"fmt"

	"github.com/kipina/kipina/matching"
)

// Two companies and two city people, three slots and one table; Sensori Oy
// pitches in slot 0.
func ExampleScheduleMeetings() {
	companies := []string{"Sensori Oy", "Lämpö Oy"}
	people := []string{"Kaisa (urban planning)", "Pekka (energy)"}
	// want[side][company][person]: side 0 is the company's wish, side 1 the person's.
	want := [2][2][2]matching.Interest{
		{{matching.InterestMust, matching.InterestWould}, {matching.InterestNone, matching.InterestMust}},
		{{matching.InterestMust, matching.InterestNone}, {matching.InterestWould, matching.InterestMust}},
	}
	s := matching.ScheduleMeetings(matching.ScheduleInput{
		Companies: companies, People: people,
		Slots: 3, Tables: 1,
		Want: func(side, c, p int) matching.Interest { return want[side][c][p] },
		Busy: func(side, idx, slot int) bool { return side == 0 && idx == 0 && slot == 0 },
	})
	for _, m := range s.Meetings {
		fmt.Printf("slot %d table %d: %s – %s\n", m.Slot, m.Table, companies[m.Company], people[m.Person])
	}
	for _, u := range s.Unplaced {
		fmt.Printf("not scheduled: %s – %s (%s)\n", companies[u.Company], people[u.Person], u.Reason)
	}
	fmt.Printf("weight %.0f of at most %.0f\n", s.Weight, s.Bound)
	// Output:
	// slot 0 table 0: Lämpö Oy – Pekka (energy)
	// slot 1 table 0: Sensori Oy – Kaisa (urban planning)
	// slot 2 table 0: Sensori Oy – Pekka (energy)
	// not scheduled: Lämpö Oy – Kaisa (urban planning) (tables-full)
	// weight 203 of at most 203
}

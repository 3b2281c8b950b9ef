package matching_test

import (
	"fmt"

	"github.com/kipina/kipina/matching"
)

func ExampleMatcher_Rank() {
	m := matching.NewMatcher([]matching.Target{
		{
			ID:    "elderly",
			Names: map[string]string{"en": "Wellbeing of older people", "fi": "Ikäihmisten hyvinvointi"},
			Keywords: map[string][]string{
				"en": {"older", "home care", "loneliness"},
				"fi": {"ikäihminen", "kotihoito", "yksinäisyys"},
			},
		},
		{
			ID:       "energy",
			Names:    map[string]string{"en": "An energy-efficient district", "fi": "Energiatehokas kaupunginosa"},
			Keywords: map[string][]string{"en": {"solar", "heating"}, "fi": {"aurinkopaneeli", "lämmitys"}},
		},
	})
	r := m.Rank(matching.Text{ID: "a1", Description: "Kotihoitopalvelujen reitit ja ikäihmisten yksinäisyyden ehkäisy."})
	fmt.Println(r.Lang)
	for _, mt := range r.Matches {
		fmt.Println(mt.Target, mt.Score > 0, mt.Reasons)
	}
	// Output:
	// fi
	// elderly true [ikäihmisten yksinäisyyden kotihoitopalvelujen]
	// energy false []
}

func ExampleDetectLanguage() {
	fmt.Println(matching.DetectLanguage("Sovellus auttaa ikäihmisiä asumaan kotona."))
	fmt.Println(matching.DetectLanguage("The app helps older people live at home."))
	fmt.Println(matching.DetectLanguage("Appen hjälper äldre att bo kvar hemma."))
	// Output:
	// fi
	// en
	// sv
}

// An organiser's correction in Finnish teaches the matcher a word it did
// not know, and an application in Swedish using the same word then
// matches the corrected target too.
func ExampleMatcher_Learn() {
	m := matching.NewMatcher([]matching.Target{
		{ID: "elderly", Names: map[string]string{"fi": "Ikäihmisten palvelut", "sv": "Tjänster för äldre"}},
		{ID: "energy", Names: map[string]string{"fi": "Energiatehokas kaupunginosa", "sv": "En energieffektiv stadsdel"}},
	})
	app := matching.Text{ID: "a2", Lang: "sv", Description: "Vi inför Vivago-klockor i hemmen."}
	fmt.Println(m.Rank(app).Matches[0].Score > 0)
	if err := m.Learn("elderly", matching.Text{Lang: "fi", Description: "Vivago-kello hälyttää hoitajan."}); err != nil {
		fmt.Println(err)
	}
	best := m.Rank(app).Matches[0]
	fmt.Println(best.Target, best.Reasons)
	// Output:
	// false
	// elderly [vivago]
}

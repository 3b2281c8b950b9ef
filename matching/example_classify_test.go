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

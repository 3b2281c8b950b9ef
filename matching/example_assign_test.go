package matching_test

import (
	"fmt"

	"github.com/kipina/kipina/matching"
)

// Four applications, three jurors, two reviews each; Aino has a conflict
// with the application of her former employer.
func ExampleAssign() {
	jurors := []string{"Aino (health)", "Eero (energy)", "Mari (angel)"}
	apps := []string{"Hoiva Oy", "Lämpö Oy", "Sensori Oy", "Koulu Oy"}
	fit := [][]float64{ // fit[juror][app]
		{0.9, 0.1, 0.3, 0.6},
		{0.2, 0.9, 0.7, 0.1},
		{0.5, 0.5, 0.5, 0.5},
	}
	in := matching.AssignInput{
		Reviews: 2, MinLoad: 2, MaxLoad: 3,
		Jurors: jurors, Apps: apps,
		Fit:      func(j, a int) float64 { return fit[j][a] },
		Conflict: func(j, a int) bool { return j == 0 && a == 0 },
	}
	asg, err := matching.Assign(in)
	if err != nil {
		fmt.Println(err)
		return
	}
	for a, js := range asg.ByApp {
		fmt.Print(apps[a], ":")
		for _, j := range js {
			fmt.Print(" ", jurors[j])
		}
		fmt.Println()
	}
	fmt.Printf("total fit %.1f\n", asg.TotalFit)

	in.MaxLoad = 2
	_, err = matching.Assign(in)
	fmt.Println(err)
	// Output:
	// Hoiva Oy: Eero (energy) Mari (angel)
	// Lämpö Oy: Eero (energy) Mari (angel)
	// Sensori Oy: Aino (health) Eero (energy)
	// Koulu Oy: Aino (health) Mari (angel)
	// total fit 4.2
	// needs 8 reviews; the jury can take at most 6 — add jurors or raise the maximum load
}

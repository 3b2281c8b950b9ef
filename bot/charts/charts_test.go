package charts

import (
	"bytes"
	"flag"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kipina/kipina/bot/locale"
)

var update = flag.Bool("update", false, "rewrite the golden images in testdata")

// tr reads a chart label in lang from the catalogue, as a caller does.
func tr(t *testing.T, lang, id string) string {
	t.Helper()
	cat, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	if !cat.Has(lang, id) {
		t.Fatalf("%s: no %s", lang, id)
	}
	return cat.T(lang, id)
}

var scores = []Score{
	{"H00007 Aurinkokenno Oy", 1.42, 0.21}, {"H00003 Lumo Health", 1.10, 0.35}, {"H00012 Kide Labs", 0.81, 0.18},
	{"H00001 Tammerkoski AI", 0.40, 0.40}, {"H00009 Pyynikki Data", -0.05, 0.25}, {"H00004 Näsi Mobility", -0.61, 0.30},
	{"H00010 Hervanta Robotics", -1.20, 0.22},
}

var funnel = []Count{{"Kutsuttu", 40}, {"Tavattu", 22}, {"Pilotti", 9}, {"Hankinta", 3}}

// decode checks that b is a PNG of Width × h pixels and returns it.
func decode(t *testing.T, b []byte, h int) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if s := img.Bounds().Size(); s.X != Width || s.Y != h {
		t.Fatalf("size %v, want %dx%d", s, Width, h)
	}
	return img
}

// golden compares c with testdata/name.png: at most 0.5 % of the pixels
// may differ by more than 48 in a channel (font rasterising may move an
// edge); -update rewrites the file.
func golden(t *testing.T, name string, c Chart) {
	t.Helper()
	img := decode(t, c.PNG, c.Height)
	path := filepath.Join("testdata", name+".png")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, c.PNG, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := decode(t, b, c.Height)
	differ, total := 0, 0
	r := img.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			total++
			r1, g1, b1, _ := img.At(x, y).RGBA()
			r2, g2, b2, _ := want.At(x, y).RGBA()
			if far(r1, r2) || far(g1, g2) || far(b1, b2) {
				differ++
			}
		}
	}
	if differ*200 > total {
		t.Errorf("%s: %d of %d pixels differ from the golden image (go test -update to accept)", name, differ, total)
	}
}

func far(a, b uint32) bool {
	d := int(a>>8) - int(b>>8)
	return d > 48 || d < -48
}

func TestResults(t *testing.T) {
	c, err := Results(scores, 3, ResultsText{Title: tr(t, "fi", "chart.results.heading"), Axis: tr(t, "fi", "chart.results.axis"), Cut: tr(t, "fi", "chart.results.cut")})
	if err != nil {
		t.Fatal(err)
	}
	if c.Height != 120+24*len(scores) {
		t.Errorf("height %d", c.Height)
	}
	golden(t, "results", c)
	for _, w := range []string{"1. H00007 Aurinkokenno Oy 1.42 ± 0.21", "— " + tr(t, "fi", "chart.results.cut") + " —\n4. H00001", "7. H00010"} {
		if !strings.Contains(c.Alt, w) {
			t.Errorf("alt text lacks %q:\n%s", w, c.Alt)
		}
	}
}

func TestFunnelAndDistribution(t *testing.T) {
	f, err := Funnel(funnel, BarsText{Title: tr(t, "en", "chart.funnel.heading"), Axis: tr(t, "en", "chart.funnel.axis")})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "funnel", f)
	if !strings.Contains(f.Alt, "Pilotti: 9 (22 %)") {
		t.Errorf("funnel alt:\n%s", f.Alt)
	}
	d, err := Distribution([]Count{{"1", 2}, {"2", 3}, {"3", 8}, {"4", 14}, {"5", 6}},
		BarsText{Title: tr(t, "sv", "chart.survey.heading"), Axis: tr(t, "sv", "chart.survey.axis")})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "survey", d)
	m := Message(d, "survey", "Kipinä 2017")
	if m.File == nil || m.File.Name != "survey.png" || !bytes.Equal(m.File.Content, d.PNG) || !strings.Contains(m.Text, "4: 14") {
		t.Errorf("message %+v", m.Text)
	}
}

// TestLabelsFollowTheLanguage: the same results in two languages differ
// in their pixels (the labels are the reader's).
func TestLabelsFollowTheLanguage(t *testing.T) {
	render := func(lang string) Chart {
		c, err := Results(scores[:3], 1, ResultsText{Title: tr(t, lang, "chart.results.heading"), Axis: tr(t, lang, "chart.results.axis"), Cut: tr(t, lang, "chart.results.cut")})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	fi, sv := render("fi"), render("sv")
	if bytes.Equal(fi.PNG, sv.PNG) || !strings.HasPrefix(sv.Alt, tr(t, "sv", "chart.results.heading")) {
		t.Error("the Swedish chart is the Finnish one")
	}
}

func TestEmpty(t *testing.T) {
	if _, err := Results(nil, 0, ResultsText{}); err == nil {
		t.Error("no scores drew a chart")
	}
	if _, err := Funnel(nil, BarsText{}); err == nil {
		t.Error("no stages drew a chart")
	}
}

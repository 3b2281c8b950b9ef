// Package charts draws the PNG charts organisers read on a phone instead
// of a long table: a round's results (each application's normalised score
// with its uncertainty, the shortlist cut marked), a follow-up funnel, and
// a survey's distribution. Drawn with gonum.org/v1/plot.
//
// Charts know no language: the caller passes every label in the reader's
// language (from the locale catalogue, configs/locales/charts.*.yaml) and
// gets the PNG with alternative text that says what it shows, for screen
// readers and for platforms that take no files. Message wraps a chart as an
// outbox message carrying the file (chat.Message.File); the text tables stay
// the fallback.
package charts

import (
	"bytes"
	"fmt"
	"image/color"
	"strings"

	"github.com/kipina/kipina/bot/chat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Width is every chart's width in pixels.
const Width = 800

// Chart is a rendered chart.
type Chart struct {
	// PNG is the image, Width pixels wide and Height high.
	PNG    []byte
	Height int
	// Alt describes what the chart shows, line by line, in the caller's
	// language (its labels) and the chart's numbers.
	Alt string
}

// Message returns an outbox message that uploads c as name (".png" is
// added) where the platform takes files, with comment as its text; the
// alternative text follows the comment, so a platform without uploads and
// a screen reader get the figures.
func Message(c Chart, name, comment string) chat.Message {
	text := strings.TrimSpace(comment + "\n" + c.Alt)
	return chat.Message{Text: text, File: &chat.File{Name: name + ".png", Title: comment, Content: c.PNG}}
}

// Score is one application's result.
type Score struct {
	Label string
	// Mean is the normalised score; Err its uncertainty (± one standard
	// error, or the half-width the caller uses), in the same unit.
	Mean, Err float64
}

// ResultsText is the reader's labels for Results.
type ResultsText struct {
	Title, Axis string
	// Cut labels the shortlist line ("shortlist").
	Cut string
	// Num, when set, writes a number of the alternative text in the
	// reader's convention (format.Decimal: "0,70" in Finnish); else "%.2f".
	Num func(float64) string
}

// Results draws scores in the given order (best first) as points with
// error bars, one row each, and a line under the first cut rows when
// 0 < cut < len(scores). Height: 120 + 24 per row pixels.
func Results(scores []Score, cut int, t ResultsText) (Chart, error) {
	if len(scores) == 0 {
		return Chart{}, fmt.Errorf("charts: no scores")
	}
	p := plot.New()
	p.Title.Text, p.X.Label.Text = t.Title, t.Axis
	n := len(scores)
	pts := make(errPoints, n)
	names := make([]string, n)
	lo, hi := scores[0].Mean-scores[0].Err, scores[0].Mean+scores[0].Err
	for i, s := range scores {
		y := float64(n - 1 - i) // best at the top
		pts[i] = errPoint{x: s.Mean, y: y, err: s.Err}
		names[n-1-i] = s.Label
		lo, hi = min(lo, s.Mean-s.Err), max(hi, s.Mean+s.Err)
	}
	sc, err := plotter.NewScatter(pts)
	if err != nil {
		return Chart{}, err
	}
	sc.GlyphStyle.Shape = draw.CircleGlyph{}
	sc.GlyphStyle.Radius = vg.Points(4)
	sc.GlyphStyle.Color = color.RGBA{R: 0x1f, G: 0x4e, B: 0x9a, A: 0xff}
	bars, err := plotter.NewXErrorBars(pts)
	if err != nil {
		return Chart{}, err
	}
	bars.LineStyle.Width = vg.Points(1.5)
	p.Add(plotter.NewGrid(), bars, sc)
	pad := (hi - lo) * 0.05
	if pad == 0 {
		pad = 0.5
	}
	p.X.Min, p.X.Max = lo-pad, hi+pad
	p.Y.Min, p.Y.Max = -0.7, float64(n)-0.3
	num := t.Num
	if num == nil {
		num = func(x float64) string { return fmt.Sprintf("%.2f", x) }
	}
	var alt strings.Builder
	fmt.Fprintf(&alt, "%s:", t.Title)
	for i, s := range scores {
		if i == cut && cut > 0 {
			fmt.Fprintf(&alt, "\n— %s —", t.Cut)
		}
		fmt.Fprintf(&alt, "\n%d. %s %s ± %s", i+1, s.Label, num(s.Mean), num(s.Err))
	}
	if cut > 0 && cut < n {
		y := float64(n-cut) - 0.5
		line, err := plotter.NewLine(plotter.XYs{{X: p.X.Min, Y: y}, {X: p.X.Max, Y: y}})
		if err != nil {
			return Chart{}, err
		}
		line.LineStyle.Color = color.RGBA{R: 0xc0, A: 0xff}
		line.LineStyle.Width = vg.Points(1.5)
		line.LineStyle.Dashes = []vg.Length{vg.Points(6), vg.Points(4)}
		p.Add(line)
		lbl, err := plotter.NewLabels(plotter.XYLabels{XYs: plotter.XYs{{X: p.X.Min, Y: y}}, Labels: []string{" " + t.Cut}})
		if err != nil {
			return Chart{}, err
		}
		lbl.TextStyle[0].Color = line.LineStyle.Color
		p.Add(lbl)
	}
	p.NominalY(names...)
	return render(p, 120+24*n, alt.String())
}

// Count is one bar: a stage of a funnel or a value of a distribution.
type Count struct {
	Label string
	N     int
}

// BarsText is the reader's labels for Funnel and Distribution.
type BarsText struct {
	Title, Axis string
}

// Funnel draws the follow-up funnel of one process: a bar per stage in
// order, each with its count and its share of the first stage in the
// alternative text. Height 420 pixels.
func Funnel(stages []Count, t BarsText) (Chart, error) {
	return bars(stages, t, true)
}

// Distribution draws how many answers each value of a survey question got
// (e.g. 1–5). Height 420 pixels.
func Distribution(values []Count, t BarsText) (Chart, error) {
	return bars(values, t, false)
}

func bars(cs []Count, t BarsText, share bool) (Chart, error) {
	if len(cs) == 0 {
		return Chart{}, fmt.Errorf("charts: no bars")
	}
	p := plot.New()
	p.Title.Text, p.Y.Label.Text = t.Title, t.Axis
	vals := make(plotter.Values, len(cs))
	names := make([]string, len(cs))
	var alt strings.Builder
	fmt.Fprintf(&alt, "%s:", t.Title)
	for i, c := range cs {
		vals[i], names[i] = float64(c.N), c.Label
		fmt.Fprintf(&alt, "\n%s: %d", c.Label, c.N)
		if share && cs[0].N > 0 && i > 0 {
			fmt.Fprintf(&alt, " (%d %%)", c.N*100/cs[0].N)
		}
	}
	b, err := plotter.NewBarChart(vals, vg.Points(float64(Width-160)/float64(len(cs))*0.7))
	if err != nil {
		return Chart{}, err
	}
	b.Color = color.RGBA{R: 0x1f, G: 0x4e, B: 0x9a, A: 0xff}
	b.LineStyle.Width = 0
	p.Add(plotter.NewGrid(), b)
	p.NominalX(names...)
	p.X.Min, p.X.Max = -0.6, float64(len(cs))-0.4
	p.Y.Min = 0
	labels := make(plotter.XYs, len(cs))
	texts := make([]string, len(cs))
	for i, c := range cs {
		labels[i] = plotter.XY{X: float64(i), Y: float64(c.N)}
		texts[i] = fmt.Sprint(c.N)
	}
	lbl, err := plotter.NewLabels(plotter.XYLabels{XYs: labels, Labels: texts})
	if err != nil {
		return Chart{}, err
	}
	for i := range lbl.TextStyle {
		lbl.TextStyle[i].XAlign = draw.XCenter
		lbl.TextStyle[i].YAlign = draw.YBottom
	}
	p.Add(lbl)
	maxY := 0.0
	for _, v := range vals {
		maxY = max(maxY, v)
	}
	p.Y.Max = max(maxY*1.12, 1)
	return render(p, 420, alt.String())
}

// render draws p at Width × h pixels (72 dpi, so a point is a pixel).
func render(p *plot.Plot, h int, alt string) (Chart, error) {
	c := vgimg.NewWith(vgimg.UseWH(vg.Length(Width), vg.Length(h)), vgimg.UseDPI(72), vgimg.UseBackgroundColor(color.White))
	p.Draw(draw.New(c))
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&buf); err != nil {
		return Chart{}, err
	}
	return Chart{PNG: buf.Bytes(), Height: h, Alt: alt}, nil
}

// errPoint is a point with a symmetric horizontal error.
type errPoint struct{ x, y, err float64 }

type errPoints []errPoint

func (e errPoints) Len() int                        { return len(e) }
func (e errPoints) XY(i int) (float64, float64)     { return e[i].x, e[i].y }
func (e errPoints) XError(i int) (float64, float64) { return e[i].err, e[i].err }

// Package export writes an event's data as spreadsheets: applications,
// jury reviews, results, the follow-up funnel and the feedback survey,
// each as CSV (UTF-8 with a byte-order mark, so Excel reads the Finnish
// letters right) and all together as one XLSX workbook. Rows about
// applications whose owner marked them as containing trade secrets are
// marked in a column of their own and, in the workbook, shaded.
//
// Collect reads the store; CSV and XLSX only format, so the chat command
// (/kipina export, Module) and the host command (kipina export) share them.
package export

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/followup"
	"github.com/kipina/kipina/bot/jury"
	"github.com/kipina/kipina/bot/locale"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/bot/routing"
	"github.com/kipina/kipina/configs"
	"github.com/kipina/kipina/matching"
	"github.com/kipina/kipina/storage"
	"github.com/xuri/excelize/v2"
)

// Sheet is one table of an export.
type Sheet struct {
	// ID names the CSV file (applications, reviews, results, funnel,
	// survey); Title is the workbook tab, in the export's language.
	ID, Title string
	Header    []string
	Rows      [][]string
	// Secret marks the rows about trade-secret applications.
	Secret []bool
}

// Options say how to write: the configuration (tracks, rubric), the
// messages, the language of headers and the time zone of times.
type Options struct {
	Config *configs.Config
	Cat    *locale.Catalog
	Lang   string
	Loc    *time.Location
}

func (o Options) t(id string, kv ...any) string { return o.Cat.T(o.Lang, id, kv...) }

func (o Options) cols(ids ...string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = o.t("export.col." + id)
	}
	return out
}

func (o Options) time(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(o.Loc).Format("2006-01-02 15:04")
}

// word writes a code as the word people read in the export's language:
// the message prefix+code, or the code itself when the catalogue has no
// such message (issue 15: exports showed "prototype", "pitched→nextsteps").
func (o Options) word(prefix, code string) string {
	if code == "" || !o.Cat.Has(o.Lang, prefix+code) {
		return code
	}
	return o.t(prefix + code)
}

// who writes the author of a change: "@anna", or the bot's own name for
// what it did by itself ("system").
func (o Options) who(s string) string {
	if s == "system" || s == "" {
		return o.t("export.who.system")
	}
	u, err := chat.ParseUserRef(s)
	if err != nil {
		return s
	}
	return chat.PlainText(chat.Mention(u))
}

// langName names a language code in that language, as the application
// form offers it.
func langName(code string) string {
	if n, ok := map[string]string{"fi": "suomi", "en": "English", "sv": "svenska"}[code]; ok {
		return n
	}
	return code
}

func (o Options) secret(s bool) string {
	if s {
		return o.t("export.secret")
	}
	return ""
}

// Collect reads an event's sheets in one transaction.
func Collect(tx *storage.Tx, o Options, ws, event string) ([]Sheet, error) {
	ev, err := round.LoadEvent(tx, ws, event)
	if err != nil {
		return nil, fmt.Errorf("export %s: %w", event, err)
	}
	apps, err := round.EventApps(tx, ws, event)
	if err != nil {
		return nil, err
	}
	byID := map[string]round.Application{}
	for _, a := range apps {
		byID[a.ID] = a
	}
	pairs, err := followup.EventPairs(tx, ws, event)
	if err != nil {
		return nil, err
	}
	stage := map[string]string{}
	for _, p := range pairs {
		stage[p.App] = p.Stage
	}
	j, _, err := jury.Juries.Lookup(tx, ws, event)
	if err != nil {
		return nil, err
	}
	reviews, err := eventReviews(tx, ws, event)
	if err != nil {
		return nil, err
	}
	target := func(id string) string { return ev.TargetName(o.Config.Tracks, id, o.Lang) }

	appSheet := Sheet{ID: "applications", Title: o.t("export.sheet.applications"), Header: o.cols(
		"app", "state", "company", "business_id", "contact", "email", "website", "owner", "target", "primary",
		"maturity", "summary", "references", "pilot", "deck", "lang", "submitted", "updated", "secret")}
	primary := make(map[string]string, len(apps))
	for _, a := range apps {
		if primary[a.ID], err = routing.Primary(tx, ws, a.ID); err != nil {
			return nil, err
		}
	}
	for _, a := range apps {
		appSheet.add(a.Secrets, a.ID, o.t("export.state."+string(a.State)), a.Company, a.BusinessID, a.Contact, a.Email, a.Website,
			a.Owner.User, target(a.Target), target(primary[a.ID]), o.word("apply.maturity.", a.Maturity), a.Summary, a.References, a.Pilot,
			a.Deck, langName(a.Lang), o.time(a.Submitted), o.time(a.Updated), o.secret(a.Secrets))
	}

	crit := make([]string, len(o.Config.Rubric))
	critNames := make([]string, len(o.Config.Rubric))
	for i, c := range o.Config.Rubric {
		crit[i] = c.ID
		critNames[i] = o.word("jury.criterion.", c.ID+".label")
		if critNames[i] == c.ID+".label" {
			critNames[i] = c.ID
		}
	}
	revSheet := Sheet{ID: "reviews", Title: o.t("export.sheet.reviews"),
		Header: append(append(o.cols("app", "company", "juror"), critNames...), o.cols("abstain", "comment", "updated", "secret")...)}
	for _, rv := range reviews {
		a := byID[rv.App]
		row := []string{rv.App, a.Company, rv.Juror.User}
		for _, c := range crit {
			if s, ok := rv.Scores[c]; ok {
				row = append(row, strconv.Itoa(s))
			} else {
				row = append(row, "")
			}
		}
		row = append(row, yes(o, rv.Abstain), rv.Comment, o.time(rv.Updated), o.secret(a.Secrets))
		revSheet.add(a.Secrets, row...)
	}

	results := Results(o.Config, &j, reviews)
	missing, err := jury.Missing(tx, ws, &j)
	if err != nil {
		return nil, err
	}
	resSheet := Sheet{ID: "results", Title: o.t("export.sheet.results"), Header: o.cols(
		"rank", "app", "company", "state", "shortlisted", "reviews", "mean", "normalised", "stderr", "primary", "match", "stage", "secret",
		"missing", "conflicts")}
	ranked := map[string]int{}
	for i, x := range results {
		ranked[x.App] = i
	}
	order := slices.Clone(apps)
	sort.SliceStable(order, func(a, b int) bool {
		ra, oka := ranked[order[a].ID]
		rb, okb := ranked[order[b].ID]
		if oka != okb {
			return oka
		}
		return oka && ra < rb
	})
	for _, a := range order {
		if a.State == round.Withdrawn {
			continue
		}
		rank, mean, norm, se, n := "", "", "", "", "0"
		if i, ok := ranked[a.ID]; ok {
			x := results[i]
			rank, n = strconv.Itoa(i+1), strconv.Itoa(x.N)
			if x.N > 0 {
				mean, norm, se = num(x.Mean), num(x.Normalised), num(x.StdErr)
			}
		}
		p := primary[a.ID]
		if p == "" {
			p = a.Target
		}
		match, err := routing.Score(tx, ws, a.ID, p)
		if err != nil {
			return nil, err
		}
		st := ""
		if s, ok := stage[a.ID]; ok {
			st = o.t("followup.stage." + s)
		}
		miss := ""
		if k := missing[a.ID]; k > 0 {
			miss = strconv.Itoa(k)
		}
		resSheet.add(a.Secrets, rank, a.ID, a.Company, o.t("export.state."+string(a.State)), yes(o, slices.Contains(j.Shortlist, a.ID)), n,
			mean, norm, se, target(p), num(match), st, o.secret(a.Secrets), miss, strings.Join(jury.Conflicted(&j, a), " "))
	}

	funSheet := Sheet{ID: "funnel", Title: o.t("export.sheet.funnel"), Header: o.cols(
		"app", "company", "target", "stage", "reached", "reason", "since", "escalated", "history", "secret")}
	for _, p := range pairs {
		a := byID[p.App]
		var hist []string
		for _, c := range p.History {
			line := fmt.Sprintf("%s %s: %s → %s", o.time(c.At), o.who(c.Who), o.word("followup.stage.", c.From), o.word("followup.stage.", c.To))
			if c.Reason != "" {
				line += " (" + c.Reason + ")"
			}
			hist = append(hist, line)
		}
		funSheet.add(a.Secrets, p.App, p.Company, target(p.Target), o.t("followup.stage."+p.Stage),
			o.t("followup.stage."+followup.Funnel[p.Reached()]), p.Reason, o.time(p.Since), o.time(p.Escalated),
			strings.Join(hist, "\n"), o.secret(a.Secrets))
	}

	answers, err := followup.EventAnswers(tx, ws, event)
	if err != nil {
		return nil, err
	}
	surSheet := Sheet{ID: "survey", Title: o.t("export.sheet.survey"), Header: o.cols("user", "role", "score", "comment", "at")}
	for _, a := range answers {
		score := ""
		if a.Score > 0 {
			score = strconv.Itoa(a.Score)
		}
		surSheet.add(false, a.User.User, o.t("followup.role."+a.Role), score, a.Comment, o.time(a.At))
	}
	return []Sheet{appSheet, revSheet, resSheet, funSheet, surSheet}, nil
}

func (s *Sheet) add(secret bool, row ...string) {
	s.Rows = append(s.Rows, row)
	s.Secret = append(s.Secret, secret)
}

func yes(o Options, b bool) string {
	if b {
		return o.t("export.yes")
	}
	return ""
}

func num(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return ""
	}
	return strconv.FormatFloat(x, 'f', 3, 64)
}

// eventReviews lists the event's jury reviews.
func eventReviews(tx *storage.Tx, ws, event string) ([]jury.Review, error) {
	var out []jury.Review
	err := jury.Reviews.Scan(tx, ws, event+"/", func(_ string, rv jury.Review) error {
		out = append(out, rv)
		return nil
	})
	return out, err
}

// Results ranks the applications the way the jury does (jury.Ranking).
func Results(cfg *configs.Config, j *jury.Jury, reviews []jury.Review) []matching.AppResult {
	return jury.Ranking(cfg.Rubric, j, reviews)
}

// bom is the UTF-8 byte-order mark Excel looks for.
const bom = "\ufeff"

// Separator is the field separator Excel expects in lang's locale: a
// semicolon where the decimal separator is a comma (Finnish, Swedish), else
// a comma. With it a double-clicked file opens in columns.
func Separator(lang string) rune {
	if lang == "en" {
		return ','
	}
	return ';'
}

// CSV writes a sheet as RFC 4180 CSV with a UTF-8 byte-order mark, fields
// separated by sep. A field that a spreadsheet would run as a formula is
// neutralised (see Neutralise).
func CSV(s Sheet, sep rune) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(bom)
	w := csv.NewWriter(&buf)
	w.Comma = sep
	w.UseCRLF = true // what Excel writes and expects
	if err := w.Write(neutralised(s.Header)); err != nil {
		return nil, err
	}
	for _, r := range s.Rows {
		if err := w.Write(neutralised(r)); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// Neutralise returns v with a leading apostrophe when a spreadsheet
// opening it from CSV would read it as a formula: when it starts with =, +,
// -, @, a tab or a carriage return (OWASP, "CSV Injection"). A negative
// decimal number ("-0.531", as the results sheet writes) is left as it is:
// it cannot be a formula. The apostrophe is what Excel and LibreOffice
// treat as "text follows".
func Neutralise(v string) string {
	if v == "" || !strings.ContainsRune("=+-@\t\r", rune(v[0])) || plainNumber.MatchString(v) {
		return v
	}
	return "'" + v
}

func neutralised(row []string) []string {
	out := make([]string, len(row))
	for i, v := range row {
		out[i] = Neutralise(v)
	}
	return out
}

// plainNumber is a decimal number as the bot writes it: no exponent, no
// plus sign, no leading zeros, at most 15 digits (what a float64 holds
// exactly).
var plainNumber = regexp.MustCompile(`^-?(0|[1-9][0-9]{0,14})(\.[0-9]{1,15})?$`)

// XLSX writes the sheets as one workbook: a bold frozen header with a
// filter on every sheet, trade-secret rows shaded.
func XLSX(sheets []Sheet) (_ []byte, err error) {
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	head, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"#DDEBF7"}}})
	if err != nil {
		return nil, err
	}
	secret, err := f.NewStyle(&excelize.Style{Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"#F8CBAD"}},
		Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	if err != nil {
		return nil, err
	}
	for i, s := range sheets {
		name := sheetName(s.Title, i)
		if i == 0 {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				return nil, err
			}
		} else if _, err := f.NewSheet(name); err != nil {
			return nil, err
		}
		sw, err := f.NewStreamWriter(name)
		if err != nil {
			return nil, err
		}
		if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
			return nil, err
		}
		if err := sw.SetRow("A1", cells(s.Header, head)); err != nil {
			return nil, err
		}
		for r, row := range s.Rows {
			style := 0
			if s.Secret[r] {
				style = secret
			}
			cell, err := excelize.CoordinatesToCellName(1, r+2)
			if err != nil {
				return nil, err
			}
			if err := sw.SetRow(cell, cells(row, style)); err != nil {
				return nil, err
			}
		}
		if err := sw.Flush(); err != nil {
			return nil, err
		}
		if len(s.Header) > 0 {
			last, err := excelize.CoordinatesToCellName(len(s.Header), len(s.Rows)+1)
			if err != nil {
				return nil, err
			}
			if err := f.AutoFilter(name, "A1:"+last, nil); err != nil {
				return nil, err
			}
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// cells turns strings into cells; plain numbers (plainNumber) become
// numbers so Excel can sum them (not ids with leading zeros such as "0123",
// phone numbers with a plus, exponents or digits a float64 would round).
// Everything else is a string cell, never a formula, so that a value
// starting with = reads back exactly as typed.
func cells(row []string, style int) []any {
	out := make([]any, len(row))
	for i, v := range row {
		var val any = v
		if x, err := strconv.ParseFloat(v, 64); err == nil && plainNumber.MatchString(v) && len(strings.TrimLeft(strings.Replace(v, ".", "", 1), "-0")) <= 15 {
			val = x
		}
		out[i] = excelize.Cell{Value: val, StyleID: style}
	}
	return out
}

// sheetName makes a valid tab name (≤ 31 characters, none of []:*?/\).
func sheetName(title string, i int) string {
	clean := strings.Map(func(r rune) rune {
		if strings.ContainsRune(`[]:*?/\`, r) {
			return '-'
		}
		return r
	}, title)
	if r := []rune(clean); len(r) > 31 {
		clean = string(r[:31])
	}
	if clean == "" {
		clean = fmt.Sprintf("Sheet%d", i+1)
	}
	return clean
}

// Files renders the sheets as files: one CSV per sheet (separated as
// lang's Excel expects) and one workbook, named after the event.
func Files(event, lang string, sheets []Sheet) ([]chat.File, error) {
	x, err := XLSX(sheets)
	if err != nil {
		return nil, fmt.Errorf("export %s: workbook: %w", event, err)
	}
	out := []chat.File{{Name: event + ".xlsx", Title: event + ".xlsx", Content: x}}
	for _, s := range sheets {
		content, err := CSV(s, Separator(lang))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.ID, err)
		}
		out = append(out, chat.File{Name: event + "-" + s.ID + ".csv", Title: s.Title, Content: content})
	}
	return out, nil
}

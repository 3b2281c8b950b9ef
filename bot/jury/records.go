package jury

import (
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/kipina/kipina/bot/bizid"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/round"
	"github.com/kipina/kipina/matching"
	"github.com/kipina/kipina/storage"
)

// Juror is a member of an event's jury. A juror removed after publishing
// stays in the list (Removed) so the published assignment keeps its
// meaning; their reviews have moved to others.
type Juror struct {
	User chat.UserRef `json:"user"`
	// Targets are the core processes and challenges the juror knows.
	Targets []string  `json:"targets,omitempty"`
	Added   time.Time `json:"added"`
	Removed bool      `json:"removed,omitempty"`
}

// Declaration is a conflict of interest a juror declared up front, by
// company name or business ID; it applies to every application that
// matches, also those that come later.
type Declaration struct {
	Juror string    `json:"juror"`
	Text  string    `json:"text"`
	At    time.Time `json:"at"`
}

// Plan is an assignment of reviews: ByApp maps an application id to the
// user ids of its jurors.
type Plan struct {
	Reviews  int                 `json:"reviews"`
	MinLoad  int                 `json:"min_load"`
	MaxLoad  int                 `json:"max_load"`
	ByApp    map[string][]string `json:"by_app"`
	TotalFit float64             `json:"total_fit"`
	Created  time.Time           `json:"created"`
	// Added, on a top-up draft only, maps an application id to the jurors
	// the top-up adds (already included in ByApp).
	Added map[string][]string `json:"added,omitempty"`
}

// Load returns the number of reviews of each juror.
func (p *Plan) Load() map[string]int {
	out := map[string]int{}
	for _, js := range p.ByApp {
		for _, j := range js {
			out[j]++
		}
	}
	return out
}

// AppsOf returns the applications of juror, in id order (none for a nil
// plan).
func (p *Plan) AppsOf(juror string) []string {
	if p == nil {
		return nil
	}
	var out []string
	for a, js := range p.ByApp {
		if slices.Contains(js, juror) {
			out = append(out, a)
		}
	}
	sort.Strings(out)
	return out
}

// Has reports whether juror reviews app.
func (p *Plan) Has(juror, app string) bool { return p != nil && slices.Contains(p.ByApp[app], juror) }

// Jury is everything about one event's jury: members, conflicts, the draft
// and published assignments, the deadline, the shortlist and the decision.
type Jury struct {
	Event  string  `json:"event"`
	Jurors []Juror `json:"jurors"`
	// Declared are the up-front declarations (company name or business ID).
	Declared []Declaration `json:"declared,omitempty"`
	// Conflicts maps a juror's user id to the applications they declared a
	// conflict with (the prompt's button).
	Conflicts map[string][]string `json:"conflicts,omitempty"`
	Draft     *Plan               `json:"draft,omitempty"`
	Published *Plan               `json:"published,omitempty"`
	// Deadline is when scoring ends; zero means the event date minus
	// DefaultDeadlineDays.
	Deadline  time.Time `json:"deadline,omitempty"`
	Closed    bool      `json:"closed,omitempty"`
	Shortlist []string  `json:"shortlist,omitempty"`
	Decided   bool      `json:"decided,omitempty"`
}

// DefaultDeadlineDays is how many days before the event scoring ends when
// no jury deadline is set.
const DefaultDeadlineDays = 7

// Juries holds one Jury per event id.
var Juries = storage.NewBucket[Jury]("juries")

// Review is one juror's answer for one application.
type Review struct {
	Event string       `json:"event"`
	App   string       `json:"app"`
	Juror chat.UserRef `json:"juror"`
	// Scores maps a rubric criterion id to 1..5.
	Scores  map[string]int `json:"scores,omitempty"`
	Comment string         `json:"comment,omitempty"`
	Abstain bool           `json:"abstain,omitempty"`
	Updated time.Time      `json:"updated"`
	// Version counts the changes, for the keys of prompt updates.
	Version int `json:"version"`
}

// Done reports whether the review needs nothing more from the juror.
func (rv Review) Done() bool { return rv.Abstain || len(rv.Scores) > 0 }

// Reviews holds the reviews by event/app/juror user id.
var Reviews = storage.NewBucket[Review]("jury-reviews")

func reviewKey(event, app, juror string) string { return event + "/" + app + "/" + juror }

// loadJury returns the event's jury (an empty one when none is stored);
// the error is a failed read, never absence.
func loadJury(tx *storage.Tx, ws, event string) (Jury, error) {
	j, ok, err := Juries.Lookup(tx, ws, event)
	if err != nil {
		return Jury{}, err
	}
	if !ok {
		return Jury{Event: event}, nil
	}
	return j, nil
}

// loadReview returns juror's review of app (the zero Review when none is
// stored); the error is a failed read, never absence.
func loadReview(tx *storage.Tx, ws, event, app, juror string) (Review, error) {
	rv, _, err := Reviews.Lookup(tx, ws, reviewKey(event, app, juror))
	return rv, err
}

// juror returns the index of the active juror with user id u, or -1.
func (j *Jury) juror(u string) int {
	for i, m := range j.Jurors {
		if m.User.User == u && !m.Removed {
			return i
		}
	}
	return -1
}

// active returns the jurors not removed.
func (j *Jury) active() []Juror {
	var out []Juror
	for _, m := range j.Jurors {
		if !m.Removed {
			out = append(out, m)
		}
	}
	return out
}

// deadline returns the scoring deadline.
func (j *Jury) deadline(eventDate time.Time, loc *time.Location) time.Time {
	if !j.Deadline.IsZero() {
		return endOfDay(j.Deadline, j.Deadline.Location()) // a record from before may hold 23:59:00
	}
	return endOfDay(eventDate.AddDate(0, 0, -DefaultDeadlineDays), loc)
}

// endOfDay is the last instant of t's date in loc (round.EndOfDay): a
// deadline date means the whole day, up to 24:00 exclusive, so a deadline
// dl is over when now.After(dl).
func endOfDay(t time.Time, loc *time.Location) time.Time { return round.EndOfDay(t, loc) }

// conflicted reports whether juror (user id) has a conflict with the
// application a: they sent it or were added as its contact (issue 13:
// nobody scores their own application), they declared a conflict with it
// on its prompt, or one of their up-front declarations matches it
// (declMatches).
func (j *Jury) conflicted(juror string, a round.Application) bool {
	if a.Owner.User == juror || slices.ContainsFunc(a.Contacts, func(u chat.UserRef) bool { return u.User == juror }) {
		return true
	}
	if slices.Contains(j.Conflicts[juror], a.ID) {
		return true
	}
	for _, d := range j.Declared {
		if d.Juror == juror && declMatches(d.Text, a.Company, a.BusinessID) {
			return true
		}
	}
	return false
}

// declMatches reports whether a declaration names the company: a
// business ID in it, however typed (bizid.Find: with or without the
// hyphen, with an FI prefix …), that is the company's, or a name whose
// significant words (sigWords: case, punctuation and legal forms such as
// Oy, Ab, Ltd ignored) all occur among the company's. "Aurinko" thus
// matches "Aurinko Energia Oy"; the juror's confirmation lists what
// matched, so a short name that catches too much is seen at once.
func declMatches(text, company, businessID string) bool {
	ids := bizid.Find(text)
	for _, id := range ids {
		if bizid.Same(id, businessID) {
			return true
		}
	}
	if len(ids) > 0 {
		return false // a declaration by business ID is not a name
	}
	want := sigWords(text)
	if len(want) == 0 {
		return false
	}
	have := sigWords(company)
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

// legalForms are the company-form words left out of name matching
// (Finnish, Swedish and English forms).
var legalForms = map[string]bool{"oy": true, "oyj": true, "ab": true, "abp": true, "ltd": true, "ky": true, "tmi": true,
	"ry": true, "inc": true, "llc": true, "gmbh": true, "plc": true, "ay": true, "osk": true}

// sigWords returns the significant words of a name: lower-case runs of
// letters and digits, without legal forms and without business IDs
// (matched separately).
func sigWords(s string) []string {
	for _, id := range bizid.Find(s) {
		s = strings.ReplaceAll(s, id, " ")
	}
	words := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	return slices.DeleteFunc(words, func(w string) bool {
		if legalForms[w] {
			return true
		}
		_, err := bizid.Parse(w)
		return err == nil
	})
}

// Bounds on a juror's up-front declarations (issue 13): each at most
// MaxDeclarationLen characters, at most MaxDeclarations per juror and
// event.
const (
	MaxDeclarationLen = 200
	MaxDeclarations   = 20
)

// needs returns how many reviews each application of the published plan
// still needs a juror for (Reviews minus its jurors; late applications
// not in the plan need all of them), for the submitted applications apps.
// Zero entries are left out.
func (j *Jury) needs(apps []round.Application) map[string]int {
	out := map[string]int{}
	if j.Published == nil {
		return out
	}
	r := j.Published.Reviews
	if r == 0 {
		r = matching.DefaultReviews
	}
	for _, a := range apps {
		if n := r - len(j.Published.ByApp[a.ID]); n > 0 {
			out[a.ID] = n
		}
	}
	return out
}

// problem is the index form of a plan, for matching.Assign and Reassign.
type problem struct {
	in    matching.AssignInput
	jurUs []string       // user id per juror index
	appIx map[string]int // app id → index
	jurIx map[string]int // user id → index
}

// toAssignment turns a plan into matching's index form.
func (p *problem) toAssignment(pl *Plan) matching.Assignment {
	out := matching.Assignment{ByApp: make([][]int, len(p.in.Apps)), ByJuror: make([][]int, len(p.jurUs))}
	for a, id := range p.in.Apps {
		for _, u := range pl.ByApp[id] {
			if j, ok := p.jurIx[u]; ok {
				out.ByApp[a] = append(out.ByApp[a], j)
				out.ByJuror[j] = append(out.ByJuror[j], a)
			}
		}
		sort.Ints(out.ByApp[a])
	}
	for j := range out.ByJuror {
		sort.Ints(out.ByJuror[j])
	}
	return out
}

// fromAssignment turns matching's answer into a plan.
func (p *problem) fromAssignment(asg matching.Assignment, now time.Time) *Plan {
	pl := &Plan{Reviews: p.in.Reviews, MinLoad: p.in.MinLoad, MaxLoad: p.in.MaxLoad, ByApp: map[string][]string{}, TotalFit: asg.TotalFit, Created: now}
	for a, js := range asg.ByApp {
		for _, j := range js {
			pl.ByApp[p.in.Apps[a]] = append(pl.ByApp[p.in.Apps[a]], p.jurUs[j])
		}
	}
	return pl
}

// Package matchcli implements `kipina match`: applications in, rankings
// out, as JSON Lines. It is kept apart from the command's flag handling so
// that the contract can be tested with buffers.
//
// Input has one application a line, an object with the string fields id
// and description and optionally name and lang; other fields are ignored.
// Output has one line per good input line, in input order:
//
//	{"id":"a1","lang":"fi","matches":[{"target":"health","score":0.71,"reasons":["potilas"]},…]}
//
// with every target ranked best first. A bad line (not a JSON object,
// missing id or description) is reported on stderr with its line number
// and skipped; Run returns how many there were.
package matchcli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/schollz/progressbar/v3"

	"github.com/kipina/kipina/configs"
	"github.com/kipina/kipina/matching"
)

// TargetsFromConfig converts configured targets (tracks and challenges)
// into matching targets, keeping their order.
func TargetsFromConfig(ts []configs.Target) []matching.Target {
	out := make([]matching.Target, len(ts))
	for i, t := range ts {
		out[i] = matching.Target{
			ID:           t.ID,
			Names:        map[string]string(t.Name),
			Descriptions: map[string]string(t.Description),
			Keywords:     t.Keywords,
			Profiles:     map[string]string(t.Profile),
		}
	}
	return out
}

// application is one input line. Pointers tell a missing field from an
// empty one.
type application struct {
	ID          *string `json:"id"`
	Name        string  `json:"name"`
	Description *string `json:"description"`
	Lang        string  `json:"lang"`
}

// Run reads applications from stdin, writes their rankings against
// targets to stdout and reports bad lines on stderr as "line N: reason".
// Lines may be of any length; blank lines are skipped silently. With
// progress, a spinner on stderr counts the bytes read (the number of
// lines is not known in advance). failed is the number of bad lines; err
// is a read or write error, after which Run stops.
func Run(stdin io.Reader, stdout, stderr io.Writer, targets []matching.Target, progress bool) (failed int, err error) {
	m := matching.NewMatcher(targets)
	in := stdin
	var bar *progressbar.ProgressBar
	if progress {
		bar = progressbar.NewOptions64(-1,
			progressbar.OptionSetWriter(stderr),
			progressbar.OptionSetDescription("matching"),
			progressbar.OptionShowBytes(true),
			progressbar.OptionSpinnerType(14),
			progressbar.OptionClearOnFinish(),
		)
		r := progressbar.NewReader(stdin, bar)
		in = &r
		defer bar.Finish()
	}
	br := bufio.NewReaderSize(in, 64<<10)
	bw := bufio.NewWriter(stdout)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for n := 1; ; n++ {
		line, rerr := br.ReadBytes('\n')
		if msg, err := handle(m, enc, line); err != nil {
			return failed, err
		} else if msg != "" {
			failed++
			if bar != nil {
				bar.Clear() // the spinner is redrawn on the next read
			}
			if _, err := fmt.Fprintf(stderr, "line %d: %s\n", n, msg); err != nil {
				return failed, fmt.Errorf("write stderr: %w", err)
			}
		}
		if errors.Is(rerr, io.EOF) {
			break
		}
		if rerr != nil {
			return failed, fmt.Errorf("read line %d: %w", n, rerr)
		}
		if br.Buffered() == 0 { // input is waiting: let the reader see results so far
			if err := bw.Flush(); err != nil {
				return failed, fmt.Errorf("write output: %w", err)
			}
		}
	}
	if err := bw.Flush(); err != nil {
		return failed, fmt.Errorf("write output: %w", err)
	}
	return failed, nil
}

// handle ranks one input line and encodes the result. It returns what is
// wrong with a bad line, or an output error; blank lines are neither.
func handle(m *matching.Matcher, enc *json.Encoder, line []byte) (string, error) {
	line = bytes.TrimSpace(line)
	if len(line) == 0 {
		return "", nil
	}
	var a application
	if err := json.Unmarshal(line, &a); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field == "" {
			return "not a JSON object", nil
		}
		return "invalid JSON: " + err.Error(), nil
	}
	switch {
	case a.ID == nil || strings.TrimSpace(*a.ID) == "":
		return "missing id", nil
	case a.Description == nil || strings.TrimSpace(*a.Description) == "":
		return "missing description", nil
	}
	r := m.Rank(matching.Text{ID: *a.ID, Name: a.Name, Description: *a.Description, Lang: a.Lang})
	if err := enc.Encode(r); err != nil {
		return "", fmt.Errorf("write output: %w", err)
	}
	return "", nil
}

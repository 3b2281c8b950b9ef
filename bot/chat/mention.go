package chat

import (
	"regexp"
	"strings"
)

// mentionMark delimits a mention the bot built in a message's text: U+2063
// INVISIBLE SEPARATOR, a format character (Unicode category Cf) that Clean
// removes from everything a person types, so text from a person can never
// hold a mention. Adapters render marked mentions as their platform's
// mention and escape all other text.
const mentionMark = "\u2063"

// mentionRE is a marked mention: mark, "@", a user id, mark.
var mentionRE = regexp.MustCompile(mentionMark + `@([A-Za-z0-9._-]+)` + mentionMark)

// Mention returns a mention of u for a message's text: "@" + the user id
// between invisible marks. Only text made by Mention becomes a live
// mention on a platform (Slack <@U…>; Mattermost and the terminal show
// "@" + id); an "@" that a person typed stays text.
func Mention(u UserRef) string { return MentionID(u.User) }

// MentionID is Mention of a user id in the current workspace.
func MentionID(id string) string { return mentionMark + "@" + id + mentionMark }

// Segments splits text into plain runs and marked mentions, in order: text
// gets each run of plain text (to escape), mention each mentioned user id.
// A stray mark is dropped.
func Segments(s string, text func(string), mention func(user string)) {
	for {
		loc := mentionRE.FindStringSubmatchIndex(s)
		if loc == nil {
			if t := strings.ReplaceAll(s, mentionMark, ""); t != "" {
				text(t)
			}
			return
		}
		if t := strings.ReplaceAll(s[:loc[0]], mentionMark, ""); t != "" {
			text(t)
		}
		mention(s[loc[2]:loc[3]])
		s = s[loc[1]:]
	}
}

// PlainText is s with mentions as "@" + user id and the marks removed: for
// the terminal, plain-text labels and logs.
func PlainText(s string) string {
	if !strings.Contains(s, mentionMark) {
		return s
	}
	return strings.ReplaceAll(s, mentionMark, "")
}

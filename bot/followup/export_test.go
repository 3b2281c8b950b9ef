package followup

// The ids of the campaign's controls, for the tests of package
// followup_test: they press a button by building its id through the codec
// the bot builds it with.

// StartID is the id of the Start button of event's campaign preview.
func StartID(event string) string { return startID.ID(event) }

// ScoreID is the id of the survey button of event giving score (1–5).
func ScoreID(event string, score int) string { return scoreID.ID(scoreRef{event, score}) }

// ScoreRoleID is the id of a survey button sent before issue 13, which
// also named a role.
func ScoreRoleID(event string, score int, role string) string {
	return scoreRoleID.ID(roleScoreRef{scoreRef{event, score}, role})
}

// CommentID is the id of the survey's Comment button and form of event.
func CommentID(event string) string { return commentID.ID(event) }

// AnswerID is the id of the answer button ans of the prompt about app.
func AnswerID(event, app, ans string) string { return answerID.ID(answerRef{event, app, ans}) }

// CloseID is the id of the form that asks why the pair of app closed.
func CloseID(event, app string) string { return closeID.ID(pairRef{event, app}) }

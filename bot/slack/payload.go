package slack

// interaction is the part of an interactive payload (block_actions,
// view_submission, view_closed) the adapter reads. slack-go's
// InteractionCallback decodes every block of the view into typed values,
// which costs about a millisecond for an application form; this reads only
// ids, labels and the state.
type interaction struct {
	Type        string `json:"type"`
	TriggerID   string `json:"trigger_id"`
	ResponseURL string `json:"response_url"`
	Team        struct {
		ID string `json:"id"`
	} `json:"team"`
	User struct {
		ID string `json:"id"`
	} `json:"user"`
	Channel struct {
		ID string `json:"id"`
	} `json:"channel"`
	Container struct {
		ChannelID   string `json:"channel_id"`
		MessageTs   string `json:"message_ts"`
		IsEphemeral bool   `json:"is_ephemeral"`
	} `json:"container"`
	Message struct {
		Ts string `json:"ts"`
	} `json:"message"`
	Actions []blockValue `json:"actions"`
	View    view         `json:"view"`
}

// view is a submitted modal.
type view struct {
	ID              string `json:"id"`
	TeamID          string `json:"team_id"`
	CallbackID      string `json:"callback_id"`
	PrivateMetadata string `json:"private_metadata"`
	Title           struct {
		Text string `json:"text"`
	} `json:"title"`
	Blocks []struct {
		Type    string `json:"type"`
		BlockID string `json:"block_id"`
		Label   struct {
			Text string `json:"text"`
		} `json:"label"`
	} `json:"blocks"`
	State struct {
		Values map[string]map[string]blockValue `json:"values"`
	} `json:"state"`
}

// blockValue is an action or an input's state.
type blockValue struct {
	Type           string `json:"type"`
	ActionID       string `json:"action_id"`
	BlockID        string `json:"block_id"`
	Value          string `json:"value"`
	SelectedDate   string `json:"selected_date"`
	SelectedOption struct {
		Value string `json:"value"`
	} `json:"selected_option"`
	SelectedOptions []struct {
		Value string `json:"value"`
	} `json:"selected_options"`
}

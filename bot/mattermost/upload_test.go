package mattermost

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kipina/kipina/bot/chat"
	"github.com/mattermost/mattermost/server/public/model"
)

func TestUploadToDirectMessage(t *testing.T) {
	f := newFake()
	a := newTestAdapter(t, f, nil)
	ctx := context.Background()
	to := chat.DM(chat.UserRef{Platform: Name, Workspace: "ws1", User: "u1"})
	csv := []byte("yritys;y-tunnus\nPajakulma Oy;1572860-0\n")
	if err := a.Upload(ctx, to, chat.File{Name: "kipina-2017-applications.csv", Title: "Applications", Content: csv}, "*Applications* of kipina-2017"); err != nil {
		t.Fatal(err)
	}
	if len(f.order) != 1 {
		t.Fatalf("%d posts, want 1", len(f.order))
	}
	p := f.posts[f.order[0]]
	if p.Message != "**Applications** of kipina-2017" || len(p.FileIds) != 1 {
		t.Fatalf("post %q with files %v", p.Message, p.FileIds)
	}
	fl := f.files[p.FileIds[0]]
	if fl.channel != p.ChannelId || !strings.HasPrefix(fl.channel, "dm") || fl.name != "kipina-2017-applications.csv" || string(fl.data) != string(csv) || fl.post != p.Id {
		t.Fatalf("file %+v in post %s of channel %s", fl, p.Id, p.ChannelId)
	}

	// No comment: the title is the message. A channel name resolves in the team.
	if err := a.Upload(ctx, chat.Address{Platform: Name, Workspace: "ws1", Channel: "#town"}, chat.File{Name: "x.ics", Title: "Kipinä 2017", Content: []byte("BEGIN:VCALENDAR")}, ""); err != nil {
		t.Fatal(err)
	}
	p = f.posts[f.order[0]]
	if p.Message != "Kipinä 2017" || p.ChannelId != "channel-town" || len(p.FileIds) != 1 || f.files[p.FileIds[0]].channel != "channel-town" {
		t.Fatalf("post %+v", p)
	}
}

func TestUploadErrors(t *testing.T) {
	f := newFake()
	a := newTestAdapter(t, f, nil)
	ctx := context.Background()
	to := chat.DM(chat.UserRef{Platform: Name, Workspace: "ws1", User: "u1"})
	file := chat.File{Name: "a.csv", Content: []byte("a;b\n")}
	if err := a.Upload(ctx, chat.Address{Platform: Name, Workspace: "nope", User: "u1"}, file, "x"); !errors.Is(err, chat.ErrPermanent) {
		t.Errorf("unknown workspace: %v", err)
	}
	if err := a.Upload(ctx, to, chat.File{Content: []byte("x")}, "x"); !errors.Is(err, chat.ErrPermanent) || len(f.files) != 0 {
		t.Errorf("no name: %v, %d files uploaded", err, len(f.files))
	}
	retry := func(err error) bool {
		var ra *chat.RetryAfterError
		return errors.As(err, &ra) && ra.Wait == 7*time.Second
	}
	permanent := func(err error) bool { return errors.Is(err, chat.ErrPermanent) }
	transient := func(err error) bool { return err != nil && !errors.Is(err, chat.ErrPermanent) && !retry(err) }
	channel := chat.Address{Platform: Name, Workspace: "ws1", Channel: model.NewId()}
	for _, c := range []struct {
		status int
		check  func(error) bool
	}{
		{http.StatusTooManyRequests, retry},
		{http.StatusRequestEntityTooLarge, permanent}, // over FileSettings.MaxFileSize
		{http.StatusForbidden, permanent},             // attachments disabled, or no upload_file permission
		{http.StatusServiceUnavailable, transient},
	} {
		f.failUpload = []*model.Response{{StatusCode: c.status, Header: http.Header{"Retry-After": {"7"}}}, {StatusCode: c.status}}
		if err := a.Upload(ctx, channel, file, "x"); !c.check(err) {
			t.Errorf("upload HTTP %d: error %v", c.status, err)
		}
		if len(f.failUpload) != 1 {
			t.Errorf("upload HTTP %d to a channel: %d attempts, want 1", c.status, 2-len(f.failUpload))
		}
	}
	if len(f.order) != 0 {
		t.Fatalf("a failed upload left %d posts", len(f.order))
	}

	// The post after the upload is refused: classified as Post's errors.
	f.failUpload = nil
	f.failNext = &model.Response{StatusCode: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {"7"}}}
	if err := a.Upload(ctx, channel, file, "x"); !retry(err) {
		t.Errorf("post refused with 429: %v", err)
	}

	// A direct channel just created may refuse an upload for a moment.
	f.failUpload = []*model.Response{{StatusCode: http.StatusForbidden}}
	if err := a.Upload(ctx, to, file, "x"); err != nil {
		t.Errorf("DM refused once: %v", err)
	}
	if len(f.order) != 1 || len(f.posts[f.order[0]].FileIds) != 1 {
		t.Fatalf("posts %v", f.order)
	}
	// ... but not for ever.
	f.failUpload = []*model.Response{{StatusCode: http.StatusForbidden}, {StatusCode: http.StatusForbidden}}
	if err := a.Upload(ctx, to, file, "x"); !permanent(err) {
		t.Errorf("DM refused twice: %v", err)
	}
	// A cancelled context ends the wait before the second try.
	f.failUpload = []*model.Response{{StatusCode: http.StatusForbidden}}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := a.Upload(cctx, to, file, "x"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

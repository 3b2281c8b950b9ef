package configs

import (
	"net"
	"net/mail"
	"net/url"
	"strings"
)

// validateWeb checks the web and email sections and that a workspace with
// web: true has both.
func (c *Config) validateWeb(bad func(format string, a ...any)) {
	var webWS []string
	for _, w := range c.Workspaces {
		if w.Web {
			webWS = append(webWS, w.ID)
		}
	}
	if len(webWS) > 0 && c.Web == nil {
		bad("web: workspaces %s have web: true but the web section (listen, base_url) is missing", strings.Join(webWS, ", "))
	}
	if len(webWS) > 0 && c.Email == nil {
		bad("email: workspaces %s have web: true, which needs the email section (host, from) to send confirmation links", strings.Join(webWS, ", "))
	}
	if w := c.Web; w != nil {
		if _, _, err := net.SplitHostPort(w.Listen); err != nil {
			bad("web.listen: %q is not host:port, such as 127.0.0.1:8080", w.Listen)
		}
		u, err := url.Parse(w.BaseURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			bad("web.base_url: %q is not the page's public address, such as https://kipina.example.fi", w.BaseURL)
		}
		for i, p := range w.TrustedProxies {
			if net.ParseIP(p) == nil {
				if _, _, err := net.ParseCIDR(p); err != nil {
					bad("web.trusted_proxies[%d]: %q is not an IP address or CIDR range", i, p)
				}
			}
		}
		if w.LinkDays < 0 {
			bad("web.link_days: %d must be 0 (default 60) or more", w.LinkDays)
		}
	}
	if e := c.Email; e != nil {
		if e.Host == "" {
			bad("email.host: the SMTP server's host name is missing")
		}
		if _, err := mail.ParseAddress(e.From); err != nil {
			bad("email.from: %q is not an address such as \"Kipinä <kipina@example.fi>\"", e.From)
		}
		switch strings.ToLower(e.TLS) {
		case "", "starttls", "tls", "none":
		default:
			bad("email.tls: %q is not one of starttls, tls, none", e.TLS)
		}
		if e.Port < 0 || e.Port > 65535 {
			bad("email.port: %d is not a port", e.Port)
		}
		if (e.UsernameEnv == "") != (e.PasswordEnv == "") {
			bad("email: name both username_env and password_env, or neither")
		}
	}
}

// CallURL returns the public address of an event's call page,
// <web.base_url>/<workspace>/calls/<event>, and true when workspace ws has
// the web page on (web: true and a web section); "" and false otherwise.
// Package bot/web serves the page at that path.
func (c *Config) CallURL(ws, event string) (string, bool) {
	w, ok := c.Workspace(ws)
	if !ok || !w.Web || c.Web == nil {
		return "", false
	}
	return strings.TrimRight(c.Web.BaseURL, "/") + "/" + url.PathEscape(ws) + "/calls/" + url.PathEscape(event), true
}

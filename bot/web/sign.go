package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Errors of signed tokens (links, cookies, form tokens). A request carrying
// one is refused before the core sees it.
var (
	// ErrBadSignature: the token was not made by this server (missing,
	// forged, tampered with, or made for another purpose).
	ErrBadSignature = errors.New("web: missing or bad signature")
	// ErrExpired: a correctly signed token is past its expiry.
	ErrExpired = errors.New("web: link or session expired")
	// ErrUsed: a single-use link was already followed.
	ErrUsed = errors.New("web: link already used")
)

// signer seals small payloads as body.expiry.signature, with
// HMAC-SHA256 over the purpose (kind), the expiry and the body, so a token
// made for one purpose (a session cookie) is refused for another (a link).
// Bodies are base64url JSON: they carry no personal data when they travel
// in URLs (links carry only a workspace id and a random nonce).
type signer struct {
	key []byte
	now func() time.Time
}

func (s signer) mac(parts ...string) string {
	m := hmac.New(sha256.New, s.key)
	for _, p := range parts {
		m.Write([]byte(strconv.Itoa(len(p)) + ":" + p))
	}
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// seal returns the token of v for kind, valid for ttl.
func (s signer) seal(kind string, v any, ttl time.Duration) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	body := base64.RawURLEncoding.EncodeToString(b)
	exp := strconv.FormatInt(s.now().Add(ttl).Unix(), 36)
	return body + "." + exp + "." + s.mac(kind, exp, body), nil
}

// open checks a token of kind and decodes its body into v.
func (s signer) open(kind, token string, v any) error {
	p := strings.Split(token, ".")
	if len(p) != 3 || !hmac.Equal([]byte(p[2]), []byte(s.mac(kind, p[1], p[0]))) {
		return ErrBadSignature
	}
	exp, err := strconv.ParseInt(p[1], 36, 64)
	if err != nil {
		return ErrBadSignature
	}
	if !s.now().Before(time.Unix(exp, 0)) {
		return ErrExpired
	}
	b, err := base64.RawURLEncoding.DecodeString(p[0])
	if err != nil {
		return ErrBadSignature
	}
	if err := json.Unmarshal(b, v); err != nil {
		return ErrBadSignature
	}
	return nil
}

// csrf returns the form token tied to a browser's CSRF cookie value
// (double submit: a cross-site form cannot read the cookie to compute it).
func (s signer) csrf(cookie string) string { return s.mac("csrf", cookie) }

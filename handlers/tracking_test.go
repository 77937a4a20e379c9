package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kaiku-helpdesk/kaiku/handlers"
	"github.com/kaiku-helpdesk/kaiku/helpdesk"
	"github.com/kaiku-helpdesk/kaiku/models"
)

var trackHeader = map[string]string{handlers.TrackHeader: "1"}

// openTracking exchanges a tracking token for its case's cookie, as the tracking page does, and
// checks the cookie is confined to that case.
func (s *stack) openTracking(t *testing.T, token string) *session {
	t.Helper()
	res := s.do(nil, http.MethodPost, "/api/v1/track/session", `{"token":"`+token+`"}`, trackHeader)
	if res.status != http.StatusOK {
		t.Fatalf("open tracking: %d %s", res.status, res.body)
	}
	var body struct{ Data models.PublicCase }
	res.decode(t, &body)
	for _, c := range res.cookies {
		if c.Name != handlers.TrackCookie {
			continue
		}
		if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/api/v1/track/case/"+body.Data.Reference || len(c.Value) < 40 || c.Value == token {
			t.Fatalf("tracking cookie must be HttpOnly, SameSite=Strict, scoped to its case and a secret of its own: %+v", c)
		}
		return &session{track: c.Value}
	}
	t.Fatalf("no tracking cookie: %v", res.header)
	return nil
}

func TestTrackingCookieOpensOnlyItsCase(t *testing.T) {
	s := newStack(t)
	body, ct := multipartBody(t, complaintFields(), map[string][]byte{"a.png": onePixelPNG})
	a := s.file(t, body, map[string]string{"Content-Type": ct})
	fields := complaintFields()
	fields["email"] = "bertta@example.com"
	body, ct = multipartBody(t, fields, map[string][]byte{"b.png": onePixelPNG})
	b := s.file(t, body, map[string]string{"Content-Type": ct})
	ca, _ := s.env.Store.GetCase(context.Background(), a.Data.Reference)
	cb, _ := s.env.Store.GetCase(context.Background(), b.Data.Reference)
	aidA, aidB := ca.Attachments[0].ID, cb.Attachments[0].ID
	pathA, pathB := "/api/v1/track/case/"+a.Data.Reference, "/api/v1/track/case/"+b.Data.Reference

	// One browser may hold cookies for several cases: each opens its own.
	s.logins["A"] = s.openTracking(t, a.Data.TrackingToken)
	s.logins["B"] = s.openTracking(t, b.Data.TrackingToken)
	s.logins["forged"] = &session{track: strings.Repeat("A", 64)}
	s.logins["short"] = &session{track: "abc"}
	reply := `{"body":"hello"}`
	followUp := `{"resolved":true,"rating":5}`
	s.run(t, []scenario{
		{name: "A reads A", as: "A", method: "GET", path: pathA, wantStatus: 200, wantBody: []string{a.Data.Reference}},
		{name: "B reads B", as: "B", method: "GET", path: pathB, wantStatus: 200, wantBody: []string{b.Data.Reference}},
		{name: "A's file with A's cookie", as: "A", method: "GET", path: pathA + "/attachments/" + aidA, wantStatus: 200},

		{name: "A's cookie on B", as: "A", method: "GET", path: pathB, wantStatus: 401, wantCode: "tracking_session"},
		{name: "A's cookie on B's file", as: "A", method: "GET", path: pathB + "/attachments/" + aidB, wantStatus: 401},
		{name: "A's cookie writes to B", as: "A", method: "POST", path: pathB + "/messages", body: reply, wantStatus: 401},
		{name: "A's cookie answers B's follow-up", as: "A", method: "POST", path: pathB + "/follow-up", body: followUp, wantStatus: 401},
		{name: "B's file through A's path", as: "A", method: "GET", path: pathA + "/attachments/" + aidB, wantStatus: 404},

		{name: "no cookie", method: "GET", path: pathA, wantStatus: 401, wantCode: "tracking_session"},
		{name: "no cookie, file", method: "GET", path: pathA + "/attachments/" + aidA, wantStatus: 401},
		{name: "no cookie, reply", method: "POST", path: pathA + "/messages", body: reply, headers: trackHeader, wantStatus: 401},
		{name: "forged cookie", as: "forged", method: "GET", path: pathA, wantStatus: 401},
		{name: "short cookie", as: "short", method: "GET", path: pathA, wantStatus: 401},
		{name: "the token is no cookie", method: "GET", path: pathA, headers: map[string]string{"Cookie": handlers.TrackCookie + "=" + a.Data.TrackingToken}, wantStatus: 401},

		{name: "reply without the CSRF header", as: "A", method: "POST", path: pathA + "/messages", body: reply, headers: map[string]string{handlers.TrackHeader: ""}, wantStatus: 403},
		{name: "reply with a wrong CSRF header", as: "A", method: "POST", path: pathA + "/messages", body: reply, headers: map[string]string{handlers.TrackHeader: "yes"}, wantStatus: 403},
		{name: "follow-up without the CSRF header", as: "A", method: "POST", path: pathA + "/follow-up", body: followUp, headers: map[string]string{handlers.TrackHeader: ""}, wantStatus: 403},
		{name: "exchange without the CSRF header", method: "POST", path: "/api/v1/track/session", body: `{"token":"` + a.Data.TrackingToken + `"}`, wantStatus: 403},
		{name: "exchange field errors", method: "POST", path: "/api/v1/track/session", body: `{}`, headers: trackHeader, wantStatus: 400, wantFields: []string{"token"}},
	})
	if c, _ := s.env.Store.GetCase(context.Background(), a.Data.Reference); len(c.Messages) != len(ca.Messages) {
		t.Fatal("a refused write was stored")
	}

	// Without a valid cookie, a case that exists and one that does not get the same answer.
	real := s.do(nil, "GET", pathA, "", nil)
	none := s.do(nil, "GET", "/api/v1/track/case/K-2026-999999", "", nil)
	other := s.do(s.logins["A"], "GET", "/api/v1/track/case/K-2026-999999", "", nil)
	if real.status != none.status || real.body != none.body || other.body != none.body {
		t.Fatalf("the answer tells whether a case exists: %d %s / %d %s / %s", real.status, real.body, none.status, none.body, other.body)
	}
}

func TestTrackingExchangeIsOncePerBrowserAndExpires(t *testing.T) {
	s := newStack(t)
	r := s.file(t, complaintJSON, nil)
	path := "/api/v1/track/case/" + r.Data.Reference
	first := s.openTracking(t, r.Data.TrackingToken)
	// The link keeps working on another device: the token is not used up by the exchange.
	second := s.openTracking(t, r.Data.TrackingToken)
	if first.track == second.track {
		t.Fatal("two exchanges share a cookie")
	}
	for _, sess := range []*session{first, second} {
		if res := s.do(sess, "GET", path, "", nil); res.status != 200 {
			t.Fatalf("cookie: %d %s", res.status, res.body)
		}
	}
	// The cookie ends after its lifetime; the mail link still opens a fresh one.
	s.clock.Advance(helpdesk.TrackingSessionLifetime + time.Minute)
	if res := s.do(first, "GET", path, "", nil); res.status != 401 {
		t.Fatalf("expired cookie: %d %s", res.status, res.body)
	}
	if res := s.do(s.openTracking(t, r.Data.TrackingToken), "GET", path, "", nil); res.status != 200 {
		t.Fatalf("token after the cookie expired: %d %s", res.status, res.body)
	}
	// The expiry sweep removes ended sessions.
	if _, err := s.env.Store.DeleteExpired(context.Background(), s.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if res := s.do(second, "GET", path, "", nil); res.status != 401 {
		t.Fatalf("swept cookie: %d", res.status)
	}
}

func TestTrackingExchangeIsRateLimited(t *testing.T) {
	s := newStack(t)
	r := s.file(t, complaintJSON, nil)
	// A window of its own, so the exchanges above cannot straddle two.
	s.clock.Advance(helpdesk.TrackingExchangeWindow)
	for i := 0; i < helpdesk.TrackingExchangeLimitPerIP; i++ {
		wrong := fmt.Sprintf("%064d", i)
		if res := s.do(nil, "POST", "/api/v1/track/session", `{"token":"`+wrong+`"}`, trackHeader); res.status != 404 {
			t.Fatalf("guess %d: %d", i, res.status)
		}
	}
	res := s.do(nil, "POST", "/api/v1/track/session", `{"token":"`+r.Data.TrackingToken+`"}`, trackHeader)
	if res.status != http.StatusTooManyRequests {
		t.Fatalf("exchange over the limit: %d %s", res.status, res.body)
	}
	s.clock.Advance(helpdesk.TrackingExchangeWindow)
	s.openTracking(t, r.Data.TrackingToken)
}

// The token routes are the API for clients other than the tracking page: the token in the path
// is the whole credential, so they take no cookie and no tracking header, and they run the same
// use cases as the cookie routes.
func TestTrackingTokenRoutesForAPIClients(t *testing.T) {
	s := newStack(t)
	body, ct := multipartBody(t, complaintFields(), map[string][]byte{"a.png": onePixelPNG})
	a := s.file(t, body, map[string]string{"Content-Type": ct})
	fields := complaintFields()
	fields["email"] = "bertta@example.com"
	body, ct = multipartBody(t, fields, map[string][]byte{"b.png": onePixelPNG})
	b := s.file(t, body, map[string]string{"Content-Type": ct})
	ca, _ := s.env.Store.GetCase(context.Background(), a.Data.Reference)
	cb, _ := s.env.Store.GetCase(context.Background(), b.Data.Reference)
	aidA, aidB := ca.Attachments[0].ID, cb.Attachments[0].ID
	tokA, tokB, forged := "/api/v1/track/"+a.Data.TrackingToken, "/api/v1/track/"+b.Data.TrackingToken, "/api/v1/track/"+strings.Repeat("A", 64)
	// A new case's token is its reference and a secret whose hash the case holds: the
	// reference alone opens nothing, nor does it with another case's secret.
	refA, secretA, okA := strings.Cut(a.Data.TrackingToken, ".")
	_, secretB, okB := strings.Cut(b.Data.TrackingToken, ".")
	if !okA || !okB || refA != a.Data.Reference || len(secretA) < 52 {
		t.Fatalf("a new case's token is its reference and a secret: %q", a.Data.TrackingToken)
	}
	mixed := "/api/v1/track/" + refA + "." + secretB
	altered := "/api/v1/track/" + refA + "." + secretA[:len(secretA)-1] + flipBase32(secretA[len(secretA)-1])
	noSecret := "/api/v1/track/" + refA + "." + strings.Repeat("A", len(secretA))
	s.logins["A"] = s.openTracking(t, a.Data.TrackingToken)
	reply := `{"body":"hello from a script"}`
	followUp := `{"resolved":true,"rating":5}`
	s.run(t, []scenario{
		{name: "A's token reads A", method: "GET", path: tokA, wantStatus: 200, wantBody: []string{a.Data.Reference}},
		{name: "A's token fetches A's file", method: "GET", path: tokA + "/attachments/" + aidA, wantStatus: 200},
		{name: "A's token fetches B's file", method: "GET", path: tokA + "/attachments/" + aidB, wantStatus: 404},
		{name: "B's token fetches A's file", method: "GET", path: tokB + "/attachments/" + aidA, wantStatus: 404},

		{name: "forged token", method: "GET", path: forged, wantStatus: 404, wantCode: "not_found"},
		{name: "forged token, file", method: "GET", path: forged + "/attachments/" + aidA, wantStatus: 404},
		{name: "forged token writes", method: "POST", path: forged + "/messages", body: reply, wantStatus: 404},
		{name: "forged token answers the follow-up", method: "POST", path: forged + "/follow-up", body: followUp, wantStatus: 404},
		{name: "too long a token", method: "GET", path: "/api/v1/track/" + strings.Repeat("A", 101), wantStatus: 404},
		{name: "A's reference with B's secret", method: "GET", path: mixed, wantStatus: 404, wantCode: "not_found"},
		{name: "A's reference with B's secret writes", method: "POST", path: mixed + "/messages", body: reply, wantStatus: 404},
		{name: "A's token with one letter changed", method: "GET", path: altered, wantStatus: 404},
		{name: "A's reference with a made-up secret", method: "GET", path: noSecret, wantStatus: 404},
		{name: "A's reference with a made-up secret, file", method: "GET", path: noSecret + "/attachments/" + aidA, wantStatus: 404},
		// The cookie is a credential of the cookie routes only: not a token, and no stand-in for one.
		{name: "the cookie is no token", method: "GET", path: "/api/v1/track/" + s.logins["A"].track, wantStatus: 404},
		{name: "a cookie with a forged token", as: "A", method: "GET", path: forged, wantStatus: 404},

		// No cookie is involved, so a write needs no tracking header.
		{name: "write without the tracking header", method: "POST", path: tokA + "/messages", body: reply, wantStatus: 201, wantBody: []string{"hello from a script"}},
		{name: "write with a wrong tracking header", method: "POST", path: tokA + "/messages", body: reply, headers: map[string]string{handlers.TrackHeader: "no"}, wantStatus: 201},
		{name: "the page's cookie sees the script's message", as: "A", method: "GET", path: "/api/v1/track/case/" + a.Data.Reference, wantStatus: 200, wantBody: []string{"hello from a script"}},
		{name: "the exchange still needs the header", method: "POST", path: "/api/v1/track/session", body: `{"token":"` + a.Data.TrackingToken + `"}`, wantStatus: 403},
	})
	if c, _ := s.env.Store.GetCase(context.Background(), b.Data.Reference); len(c.Messages) != len(cb.Messages) {
		t.Fatal("a write through A's token reached B")
	}

	// A wrong token and a too short one get the same answer: nothing tells a case exists.
	wrong := s.do(nil, "GET", forged, "", nil)
	short := s.do(nil, "GET", "/api/v1/track/abc", "", nil)
	if wrong.status != http.StatusNotFound || wrong.body != short.body {
		t.Fatalf("token answers differ: %d %s / %d %s", wrong.status, wrong.body, short.status, short.body)
	}
}

// flipBase32 returns another letter of the tokens' alphabet.
func flipBase32(c byte) string {
	if c == 'A' {
		return "B"
	}
	return "A"
}

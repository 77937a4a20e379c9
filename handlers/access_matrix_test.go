package handlers_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kaiku-helpdesk/kaiku/handlers"
)

// TestRouteCallerMatrix calls every route as each kind of caller (nobody, the holder of a
// case's tracking token, agent, manager, admin) and checks each answer against the access
// rules of access_test.go (publicRoutes, minRole, validBodies): the tables are not written
// twice. scripts/reliability runs it and prints its figures line.
func TestRouteCallerMatrix(t *testing.T) {
	s := newStack(t)
	tracked := s.file(t, complaintJSON, nil) // the case concrete() names, with its tracking token
	if tracked.Data.Reference != "K-2026-000001" {
		t.Fatalf("the first case is %s; concrete() names K-2026-000001", tracked.Data.Reference)
	}
	customer := &session{token: tracked.Data.TrackingToken}
	rank := map[string]int{"agent": 1, "manager": 2, "admin": 3}

	routes := staffRoutes(t)
	// Ending a session goes last, so the calls before it still carry a live one.
	slices.SortStableFunc(routes, func(a, b string) int {
		return boolRank(strings.HasSuffix(a, "/auth/logout")) - boolRank(strings.HasSuffix(b, "/auth/logout"))
	})
	calls, mismatches := 0, 0
	check := func(caller, key string, status int, ok bool, want string) {
		calls++
		if status >= 500 {
			ok, want = false, "no 5xx"
		}
		if !ok {
			mismatches++
			t.Errorf("%s as %s: %d, want %s", key, caller, status, want)
		}
	}
	for _, key := range routes {
		method, path, _ := strings.Cut(key, " ")
		body := validBodies[key]
		if body == "" {
			body = "{}"
		}
		call := func(sess *session) response { return s.do(sess, method, concrete(path), body, nil) }
		if key == "GET /api/v1/events" { // a stream: its status is all there is to check
			call = func(sess *session) response { return streamStatus(t, s, sess, concrete(path)) }
		}
		res := call(nil)
		check("anonymous", key, res.status, res.status == http.StatusUnauthorized, "401")
		// A customer's tracking token opens that case's tracking routes and nothing of staff's.
		res = call(customer)
		check("customer token", key, res.status, res.status == http.StatusUnauthorized, "401")
		need := rank[minRole[key]]
		for _, role := range []string{"agent", "manager", "admin"} {
			res := call(s.logins[role])
			if rank[role] < need {
				check(role, key, res.status, res.status == http.StatusForbidden, "403")
			} else {
				allowed := res.status != http.StatusUnauthorized && res.status != http.StatusForbidden
				check(role, key, res.status, allowed, "not 401/403 (the role may use it)")
			}
		}
	}

	// The public routes: open to everyone, never a 5xx, and a tracking route opens its case
	// only for the holder of its token.
	publicKeys := make([]string, 0, len(publicRoutes))
	for key := range publicRoutes {
		publicKeys = append(publicKeys, key)
	}
	slices.Sort(publicKeys)
	for _, key := range publicKeys {
		method, path, _ := strings.Cut(key, " ")
		for _, caller := range []string{"anonymous", "customer token", "agent", "manager", "admin"} {
			token := "K-2026-000001.not-the-secret"
			var sess *session
			switch caller {
			case "customer token":
				token = tracked.Data.TrackingToken
			case "agent", "manager", "admin":
				sess = s.logins[caller]
			}
			concretePath := strings.NewReplacer(":token", token, ":reference", "K-2026-000001", ":aid", "a1").Replace(path)
			body := "{}"
			if method == http.MethodGet {
				body = ""
			}
			if key == "POST /api/v1/auth/login" || key == "POST /api/v1/complaints" {
				body = `{}` // a login or a filing as such is not what this matrix is about
			}
			res := s.do(sess, method, concretePath, body, nil)
			switch {
			case key == "GET /api/v1/track/:token" && caller == "customer token":
				check(caller, key, res.status, res.status == http.StatusOK, "200 (their own case)")
			case strings.HasPrefix(path, "/api/v1/track/"):
				// Without the case's token (or cookie) nothing of the case is given.
				check(caller, key, res.status, res.status != http.StatusOK || key == "GET /api/v1/track/:token" && caller == "customer token", "no 200 without the case's token")
			default:
				check(caller, key, res.status, true, "")
			}
		}
	}
	t.Logf("matrix: %d routes x 5 callers = %d calls, %d answers not as the access rules say", len(routes)+len(publicKeys), calls, mismatches)
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// streamStatus is the status of a GET that streams (server-sent events), read from the headers.
func streamStatus(t *testing.T, s *stack, sess *session, path string) response {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sess != nil {
		if sess.token != "" {
			req.Header.Set("Authorization", "Bearer "+sess.token)
		} else {
			req.AddCookie(&http.Cookie{Name: handlers.SessionCookie, Value: sess.cookie})
		}
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return response{status: res.StatusCode}
}

package handlers

import "strconv"

// bodyLimitString renders a byte count for echo's BodyLimit middleware, with headroom over the
// JSON limit so the binder, not the middleware, reports an oversized JSON body (with the
// envelope and the limit named).
func bodyLimitString(n int64) string {
	return strconv.FormatInt(n*2+4096, 10) + "B"
}

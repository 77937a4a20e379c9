package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// Guard keeps webhooks away from the machine's own network: loopback, link-local (the cloud
// metadata address 169.254.169.254 among them), private (RFC 1918, fc00::/7), shared CGNAT
// (100.64.0.0/10), unspecified, multicast and other non-public addresses, and IPv6 addresses
// that embed such an IPv4 address (IPv4-mapped, NAT64, 6to4, Teredo, ISATAP), unless the URL's host
// is in the admin's allow list. URLs are checked when saved (CheckURL), and every connection
// is checked again at dial time on the address actually dialled (Control), so a host name that
// resolves differently later (DNS rebinding) cannot get around it.
type Guard struct {
	allow    map[string]bool
	resolver *net.Resolver
}

// NewGuard allows the given hosts (names or IP literals, case-insensitive) to resolve to
// non-public addresses.
func NewGuard(allowHosts []string) *Guard {
	g := &Guard{allow: map[string]bool{}, resolver: net.DefaultResolver}
	for _, h := range allowHosts {
		if h = normalizeHost(h); h != "" {
			g.allow[h] = true
		}
	}
	return g
}

func normalizeHost(h string) string {
	h = strings.ToLower(strings.TrimSpace(h))
	h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	return strings.TrimSuffix(h, ".")
}

// Allowed reports whether host is in the allow list.
func (g *Guard) Allowed(host string) bool { return g.allow[normalizeHost(host)] }

// extraBlocked are ranges netip's predicates do not cover.
var extraBlocked = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // shared address space (CGNAT)
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, and the broadcast address
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use IPv4/IPv6 translation
	netip.MustParsePrefix("100::/64"),        // discard-only
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("fec0::/10"),       // deprecated site-local
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation
	netip.MustParsePrefix("198.51.100.0/24"), // documentation
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation
}

// Blocked reports whether ip is not a public unicast address, or is an IPv6 address that
// embeds one that is not (the dialled packets could end up at that IPv4 address).
func Blocked(ip netip.Addr) bool {
	ip = ip.Unmap()
	for _, p := range deprecatedIPv4InIPv6 {
		if p.Contains(ip) {
			return true
		}
	}
	for _, v4 := range embeddedIPv4(ip) {
		if Blocked(v4) {
			return true
		}
	}
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsUnspecified() ||
		ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip.IsInterfaceLocalMulticast() ||
		ip.IsMulticast() {
		return true
	}
	for _, p := range extraBlocked {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// deprecatedIPv4InIPv6 are IPv6 forms of IPv4 addresses no public service is reached by: all
// of them are refused, whatever IPv4 address they carry.
var deprecatedIPv4InIPv6 = []netip.Prefix{
	netip.MustParsePrefix("::/96"),           // IPv4-compatible (RFC 4291, deprecated), with :: and ::1
	netip.MustParsePrefix("::ffff:0:0:0/96"), // IPv4-translated (SIIT, RFC 2765)
}

// Prefixes whose addresses carry an IPv4 address a gateway may forward to.
var (
	nat64WellKnown = netip.MustParsePrefix("64:ff9b::/96") // NAT64 (RFC 6052): the last 32 bits
	sixToFour      = netip.MustParsePrefix("2002::/16")    // 6to4 (RFC 3056): bits 16-47
	teredo         = netip.MustParsePrefix("2001::/32")    // Teredo (RFC 4380): server, and client inverted
)

// embeddedIPv4 returns the IPv4 addresses an IPv6 address carries under the translation and
// tunnelling schemes a network may route: NAT64's well-known prefix, 6to4, Teredo (its server
// and its obfuscated client) and ISATAP interface identifiers (any prefix). [64:ff9b::7f00:1]
// is 127.0.0.1 to a NAT64 gateway, so it is judged as 127.0.0.1.
func embeddedIPv4(ip netip.Addr) []netip.Addr {
	if !ip.Is6() {
		return nil
	}
	b := ip.As16()
	v4 := func(i int) netip.Addr { return netip.AddrFrom4([4]byte{b[i], b[i+1], b[i+2], b[i+3]}) }
	var out []netip.Addr
	switch {
	case nat64WellKnown.Contains(ip):
		out = append(out, v4(12))
	case sixToFour.Contains(ip):
		out = append(out, v4(2))
	case teredo.Contains(ip):
		out = append(out, v4(4), netip.AddrFrom4([4]byte{^b[12], ^b[13], ^b[14], ^b[15]}))
	}
	// ISATAP: an interface identifier of 0000:5efe or 0200:5efe followed by the IPv4 address.
	if (b[8]|0x02) == 0x02 && b[9] == 0 && b[10] == 0x5e && b[11] == 0xfe {
		out = append(out, v4(12))
	}
	return out
}

// ErrBlockedAddress is the error of a refused connection or URL.
var ErrBlockedAddress = errors.New("webhook: address not allowed")

// Control is a net.Dialer Control function refusing non-public addresses. It sees the address
// being connected to after resolution, so it holds whatever DNS answers.
func Control(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrBlockedAddress, address)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || Blocked(ip) {
		return fmt.Errorf("%w: %s is not a public address", ErrBlockedAddress, host)
	}
	return nil
}

// DialContext dials addr, checking the dialled address with Control unless addr's host is
// allowed.
func (g *Guard) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if !g.Allowed(host) {
		d.Control = Control
	}
	return d.DialContext(ctx, network, addr)
}

// URLProblem is why a webhook URL is refused: a machine-readable Code the app words in the
// admin's language, and a Message in English for API clients.
type URLProblem struct {
	Code    string // not_http, credentials, no_host, bad_port, private_address, unresolved
	Message string
}

// CheckURL validates a webhook URL as saved: absolute http or https, a host, no user name or
// password, and (unless the host is allowed) every address it resolves to public. It returns
// why the URL is refused, or nil if it is fine.
func (g *Guard) CheckURL(ctx context.Context, raw string) *URLProblem {
	if msg, code := g.checkURL(ctx, raw); msg != "" {
		return &URLProblem{Code: code, Message: msg}
	}
	return nil
}

func (g *Guard) checkURL(ctx context.Context, raw string) (message, code string) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || !u.IsAbs() {
		return "must be an absolute http or https URL", "not_http"
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "must use http or https", "not_http"
	}
	if u.User != nil {
		return "must not contain a user name or password", "credentials"
	}
	host := u.Hostname()
	if host == "" {
		return "must name a host", "no_host"
	}
	if p := u.Port(); p != "" {
		if n, err := parsePort(p); err != nil || n == 0 {
			return "has an invalid port", "bad_port"
		}
	}
	if g.Allowed(host) {
		return "", ""
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if Blocked(ip) {
			return "points to a private, loopback or link-local address; an admin must allow the host in KAIKU_WEBHOOK_ALLOW_HOSTS", "private_address"
		}
		return "", ""
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	ips, err := g.resolver.LookupNetIP(ctx, "ip", host)
	if err != nil || len(ips) == 0 {
		return "the host name could not be resolved", "unresolved"
	}
	for _, ip := range ips {
		if Blocked(ip) {
			return "resolves to a private, loopback or link-local address; an admin must allow the host in KAIKU_WEBHOOK_ALLOW_HOSTS", "private_address"
		}
	}
	return "", ""
}

func parsePort(p string) (int, error) {
	n := 0
	for _, r := range p {
		if r < '0' || r > '9' {
			return 0, errors.New("not a number")
		}
		n = n*10 + int(r-'0')
		if n > 65535 {
			return 0, errors.New("out of range")
		}
	}
	return n, nil
}

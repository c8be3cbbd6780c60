package gitinfo

import (
	"net/url"
	"strings"
)

// StripCredentials returns the remote URL u without the credentials it may
// carry:
//
//   - URLs with a scheme other than ssh (https, http, git, ftp...) lose
//     their user information entirely, since a token often stands in the
//     user name (https://x-access-token:TOKEN@host, https://TOKEN@host),
//     and their query and fragment;
//   - ssh:// URLs keep the user name, which names an account ("git"), and
//     lose a password;
//   - scp-like addresses (git@host:org/repo.git) keep the user name and lose
//     a password (user:password@host:path).
//
// Local paths are returned unchanged.
func StripCredentials(u string) string {
	if scheme, _, ok := strings.Cut(u, "://"); ok && validScheme(scheme) {
		p, err := url.Parse(u)
		if err != nil {
			// Unparseable (a bad escape, say): drop everything up to
			// the last '@' of the authority by hand.
			return stripAuthority(u, len(scheme)+3)
		}
		switch strings.ToLower(p.Scheme) {
		case "ssh", "git+ssh", "ssh+git":
			if p.User != nil {
				p.User = url.User(p.User.Username())
			}
		default:
			p.User = nil
			p.RawQuery, p.ForceQuery, p.Fragment, p.RawFragment = "", false, "", ""
		}
		return p.String()
	}
	// scp-like: [user[:password]@]host:path, where host has no slash.
	at := strings.LastIndex(u, "@")
	colon := strings.Index(u, ":")
	slash := strings.Index(u, "/")
	if at < 0 || colon < 0 || (slash >= 0 && slash < at) {
		return u
	}
	userinfo, rest := u[:at], u[at+1:]
	user, _, _ := strings.Cut(userinfo, ":")
	return user + "@" + rest
}

// stripAuthority removes the user information of the URL u whose authority
// starts at index start.
func stripAuthority(u string, start int) string {
	end := len(u)
	if i := strings.IndexAny(u[start:], "/?#"); i >= 0 {
		end = start + i
	}
	if at := strings.LastIndex(u[start:end], "@"); at >= 0 {
		return u[:start] + u[start+at+1:]
	}
	return u
}

// validScheme reports whether s is a URL scheme (RFC 3986).
func validScheme(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return true
}

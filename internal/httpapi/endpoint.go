package httpapi

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// Names are how the users of a package spell the settings that
// [Endpoint.Check]'s errors name, so that one set of messages serves the
// SDK's options and the Collector's configuration.
type Names struct {
	// URL names the API URL setting: "API URL", "endpoint".
	URL string
	// APIKey says how to give the key: "api_key".
	APIKey string
	// Insecure says how to allow plain HTTP: "insecure: true".
	Insecure string
}

// Check validates e as the one check of the SDK's clients (through
// connection.Config.Resolve) and the Collector's configuration, with
// messages naming the settings by n. The URL must be an http:// or https://
// URL with a host, or a file:// URL with a path (offline mode, where no key
// is needed).
// A plain http:// URL must name a loopback host (127.0.0.0/8, ::1,
// localhost) unless e.Insecure is set: any other would carry the API key
// unencrypted. A URL that is not file:// needs a key.
func (e Endpoint) Check(n Names) error {
	const want = "want http://, https:// or file://"
	if e.URL == "" {
		return fmt.Errorf("%s: required", n.URL)
	}
	u, err := url.Parse(e.URL)
	if err != nil {
		return fmt.Errorf("%s %q: %w", n.URL, e.URL, err)
	}
	shown := e.URL
	if _, ok := u.User.Password(); ok {
		shown = u.Redacted()
	}
	switch {
	case u.Scheme == "file":
		if u.Path == "" && u.Opaque == "" && u.Host == "" {
			return fmt.Errorf("%s %q: a file:// URL needs a path", n.URL, shown)
		}
		return nil
	case u.Scheme != "http" && u.Scheme != "https" || u.Host == "":
		return fmt.Errorf("%s %q: %s", n.URL, shown, want)
	}
	var errs []error
	if u.Scheme == "http" && !e.Insecure && !isLoopback(u.Hostname()) {
		errs = append(errs, fmt.Errorf("%s %q: plain HTTP to a host that is not loopback would send the API key unencrypted: use https://, or allow it with %s", n.URL, shown, n.Insecure))
	}
	if e.APIKey == "" {
		errs = append(errs, fmt.Errorf("no API key: set %s (a file:// URL needs none)", n.APIKey))
	}
	return errors.Join(errs...)
}

// isLoopback reports whether host is "localhost" or a loopback address.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

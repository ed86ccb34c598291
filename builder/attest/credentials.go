package attest

import "strings"

// stripCredentials removes secrets from a URL before it is recorded: a
// CI checkout's origin is often https://x-access-token:TOKEN@host/repo or
// https://TOKEN@host/repo, and a provenance is published. For ssh URLs
// (ssh://, git+ssh://, ssh+git://) the user name stays, as it names the
// account ("git"), and only a password goes. A string that is not a URL
// with an authority, such as git's scp-like git@host:org/repo.git, is
// returned as it is.
func stripCredentials(s string) string {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok || scheme == "" || strings.ContainsAny(scheme, "/@:") {
		return s
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	authority, tail := rest[:end], rest[end:]
	at := strings.LastIndexByte(authority, '@')
	if at < 0 {
		return s
	}
	userinfo, host := authority[:at], authority[at+1:]
	switch strings.ToLower(scheme) {
	case "ssh", "git+ssh", "ssh+git":
		user, _, _ := strings.Cut(userinfo, ":")
		return scheme + "://" + user + "@" + host + tail
	}
	return scheme + "://" + host + tail
}

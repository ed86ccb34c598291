package manifest

import (
	"errors"
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

// ParseTag parses an image reference naming a tag ("example.com/app:v1";
// with no tag, latest). It is the one tag parser: -t, --tag-add, a spec's
// tags and the builder's check of a request all call it, so a tag one
// accepts the others accept. A name with capitals is refused with its
// lowercase spelling (issue #9).
func ParseTag(s string) (name.Tag, error) {
	t, err := name.NewTag(s)
	if err != nil {
		return name.Tag{}, fmt.Errorf("parse tag %q: %w", s, lowercaseHint(s, err))
	}
	return t, nil
}

// ParseReference parses a tag or digest reference, as ParseTag does tags:
// lading push's REFs and lading lock's base.
func ParseReference(s string) (name.Reference, error) {
	r, err := name.ParseReference(s)
	if err != nil {
		return nil, fmt.Errorf("parse reference %q: %w", s, lowercaseHint(s, err))
	}
	return r, nil
}

// lowercaseHint replaces ggcr's list of allowed characters with the fix
// when the repository part of ref has capitals: registries take only
// lowercase repository names, as docker says.
func lowercaseHint(ref string, err error) error {
	repo, _, _ := strings.Cut(ref, "@")
	if i := strings.LastIndex(repo, ":"); i > strings.LastIndex(repo, "/") {
		repo = repo[:i]
	}
	if lower := strings.ToLower(repo); lower != repo {
		return errors.New("repository names must be lowercase: " + lower)
	}
	return err
}

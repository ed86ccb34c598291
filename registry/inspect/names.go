package inspect

import (
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Layer is one layer of an image as its manifest and config describe it.
type Layer struct {
	Digest    string `json:"digest"`
	DiffID    string `json:"diffID"`
	MediaType string `json:"mediaType"`
	Size      int64  `json:"size"` // compressed, as stored
	// Kind and Name are the spec layer lading built it from ("files",
	// "assets"), read from the history's created_by; empty otherwise.
	Kind      string `json:"kind,omitempty"`
	Name      string `json:"name,omitempty"`
	CreatedBy string `json:"createdBy,omitempty"`
}

// layersOf lists m's layers with the diffIDs and history of cf.
func layersOf(m *v1.Manifest, cf *v1.ConfigFile) []Layer {
	history := layerHistory(cf.History)
	out := make([]Layer, len(m.Layers))
	for i, d := range m.Layers {
		out[i] = Layer{Digest: d.Digest.String(), MediaType: string(d.MediaType), Size: d.Size}
		if i < len(cf.RootFS.DiffIDs) {
			out[i].DiffID = cf.RootFS.DiffIDs[i].String()
		}
		if i < len(history) {
			out[i].CreatedBy = history[i]
			out[i].Kind, out[i].Name = ladingName(history[i])
		}
	}
	return out
}

// layerHistory is the created_by of each history entry that made a
// layer (empty_layer unset), in layer order.
func layerHistory(hs []v1.History) []string {
	var out []string
	for _, h := range hs {
		if !h.EmptyLayer {
			out = append(out, h.CreatedBy)
		}
	}
	return out
}

// ladingName reads the kind and name of a layer lading built from the
// created_by lading writes: "lading: files NAME -> DEST…", "lading: go
// NAME PKG -> DEST" or "lading: run NAME -> DEST"; ok is empty otherwise.
func ladingName(createdBy string) (kind, name string) {
	rest, ok := strings.CutPrefix(createdBy, "lading: ")
	if !ok {
		return "", ""
	}
	f := strings.Fields(rest)
	if len(f) < 2 || (f[0] != "files" && f[0] != "go" && f[0] != "run") || f[1] == "->" {
		return "", ""
	}
	return f[0], f[1]
}

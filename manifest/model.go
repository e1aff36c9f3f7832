package manifest

import (
	"slices"

	"github.com/appcert/appcert/reference"
)

// Model is the app as the reference model lists it: the one mapping from
// the manifest to the model's types, for certify and serve alike. The
// installation URL is left out: the harness plays the OAuth redirect
// itself, where a real marketplace would send the user to the app's own
// page first (PD-SHARE-17).
func (a App) Model() reference.App {
	name := a.Name
	if name == "" {
		name = a.ClientID
	}
	ref := reference.App{
		ID: reference.AppID(a.ClientID), Name: name, Mode: a.SharingMode,
		AllowSpecificUsers: a.AllowSpecificUsers, Scopes: slices.Clone(a.Scopes), CallbackURL: a.CallbackURL,
	}
	for _, e := range a.Extensions {
		if !slices.Contains(ref.Extensions, e.Type) {
			ref.Extensions = append(ref.Extensions, e.Type)
		}
	}
	return ref
}

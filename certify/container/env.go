package container

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Vars are what an --env value may name in braces ("{oauth_url}").
type Vars struct {
	OAuthURL, APIURL       string
	ClientID, ClientSecret string
	// CACert is the CA certificate's path inside the container; empty
	// unless the marketplace serves HTTPS.
	CACert string
}

// DefaultEnv is what the app gets unless an --env of the same name says
// otherwise. APPCERT_CA_CERT is only set when the marketplace serves HTTPS.
var DefaultEnv = []string{
	"APPCERT_OAUTH_URL={oauth_url}",
	"APPCERT_API_URL={api_url}",
	"APPCERT_CLIENT_ID={client_id}",
	"APPCERT_CLIENT_SECRET={client_secret}",
	"APPCERT_CA_CERT={ca_cert}",
}

var (
	envName     = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	placeholder = regexp.MustCompile(`\{([a-z_]+)\}`)
)

// Env expands DefaultEnv and then args ("NAME=VALUE", later ones winning)
// with v. A bad name or an unknown placeholder is an error naming the
// argument; {ca_cert} without HTTPS is one too.
func Env(v Vars, args []string) (map[string]string, error) {
	values := map[string]string{
		"oauth_url": v.OAuthURL, "api_url": v.APIURL,
		"client_id": v.ClientID, "client_secret": v.ClientSecret,
		"ca_cert": v.CACert,
	}
	known := make([]string, 0, len(values))
	for k := range values {
		known = append(known, "{"+k+"}")
	}
	slices.Sort(known)
	env := map[string]string{}
	for _, d := range DefaultEnv {
		name, value, _ := strings.Cut(d, "=")
		if strings.Contains(value, "{ca_cert}") && v.CACert == "" {
			continue
		}
		env[name] = expand(value, values)
	}
	for _, a := range args {
		name, value, ok := strings.Cut(a, "=")
		if !ok || !envName.MatchString(name) {
			return nil, fmt.Errorf("--env %q: want NAME=VALUE, NAME letters, digits and _", a)
		}
		for _, m := range placeholder.FindAllStringSubmatch(value, -1) {
			x, known0 := values[m[1]]
			switch {
			case !known0:
				return nil, fmt.Errorf("--env %q: unknown placeholder %s (known: %s)", a, m[0], strings.Join(known, ", "))
			case m[1] == "ca_cert" && x == "":
				return nil, fmt.Errorf("--env %q: {ca_cert} needs the marketplace to serve HTTPS (--tls)", a)
			}
		}
		env[name] = expand(value, values)
	}
	return env, nil
}

func expand(s string, values map[string]string) string {
	return placeholder.ReplaceAllStringFunc(s, func(m string) string {
		if x, ok := values[m[1:len(m)-1]]; ok {
			return x
		}
		return m
	})
}

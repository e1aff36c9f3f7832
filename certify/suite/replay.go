package suite

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/appcert/appcert/internal/browser"
)

// idKeys are the names under which a page's call says whom it is for.
var idKeys = map[string]string{"userid": "user", "user_id": "user", "companyid": "company", "company_id": "company"}

// swap is what a replay puts in a recorded call: a token for the page's
// tokens, and ids for the viewer's.
type swap struct {
	tokens   []string // the page's tokens, to replace
	token    string   // the token put in; empty: keep
	from, to *person  // the ids replaced, and by whose; nil: keep
}

// apply returns the call with the swap made, and what it changed.
func (s swap) apply(r browser.Request) (out browser.Request, tokenSwapped, idsSwapped bool) {
	out = browser.Request{Method: r.Method, URL: r.URL, Type: r.Type, Header: map[string]string{}, Body: bytes.Clone(r.Body)}
	put := func(v string) string {
		if s.token == "" {
			return v
		}
		for _, t := range s.tokens {
			if strings.Contains(v, t) {
				v = strings.ReplaceAll(v, t, s.token)
				tokenSwapped = true
			}
		}
		return v
	}
	id := func(key, v string) string {
		if s.from == nil {
			return v
		}
		switch idKeys[strings.ToLower(key)] {
		case "user":
			if v == strconv.FormatInt(s.from.ID, 10) && s.to.ID != s.from.ID {
				idsSwapped = true
				return strconv.FormatInt(s.to.ID, 10)
			}
		case "company":
			if v == strconv.FormatInt(s.from.Company.ID, 10) && s.to.Company.ID != s.from.Company.ID {
				idsSwapped = true
				return strconv.FormatInt(s.to.Company.ID, 10)
			}
		}
		return v
	}
	if u, err := url.Parse(r.URL); err == nil {
		q := u.Query()
		for k, vs := range q {
			for i, v := range vs {
				vs[i] = id(k, put(v))
			}
			q[k] = vs
		}
		u.RawQuery = q.Encode()
		out.URL = u.String()
	}
	for k, v := range r.Header {
		out.Header[k] = put(v)
	}
	out.Body = []byte(put(string(out.Body)))
	var obj map[string]any
	if len(out.Body) > 0 && json.Unmarshal(out.Body, &obj) == nil {
		changed := false
		for k, v := range obj {
			var sv string
			switch v := v.(type) {
			case string:
				sv = v
			case float64:
				sv = strconv.FormatFloat(v, 'f', -1, 64)
			default:
				continue
			}
			if nv := id(k, sv); nv != sv {
				changed = true
				if _, isNum := v.(float64); isNum {
					n, _ := strconv.ParseInt(nv, 10, 64)
					obj[k] = n
				} else {
					obj[k] = nv
				}
			}
		}
		if changed {
			out.Body, _ = json.Marshal(obj)
		}
	} else if f, err := url.ParseQuery(string(out.Body)); err == nil && strings.Contains(strings.ToLower(header(out.Header).Get("Content-Type")), "form-urlencoded") {
		for k, vs := range f {
			for i, v := range vs {
				vs[i] = id(k, v)
			}
		}
		out.Body = []byte(f.Encode())
	}
	return out, tokenSwapped, idsSwapped
}

// header turns recorded headers into a request's.
func header(h map[string]string) http.Header {
	out := http.Header{}
	for k, v := range h {
		out.Set(k, v)
	}
	return out
}

package appsdk

import (
	"encoding/json"
	"html/template"
	"net/http"
	"sync"
)

// Host is a marketplace page that shows one Custom UI page in an iframe
// and answers it through HostJS: the smallest host, for running a page
// headless. Token signs a token for the viewer whenever the page asks.
type Host struct {
	ID    string // the extension's id (InstanceID)
	Type  string // its extension type
	Src   string // the page's URL (PageURL)
	Token func() (string, error)

	mu    sync.Mutex
	notes []string
}

var hostPage = template.Must(template.New("host").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Custom UI host</title></head>
<body>
<p id="sdk-state">waiting for the page to initialise the SDK</p>
<iframe class="customui" data-id="{{.ID}}" data-type="{{.Type}}" src="{{.Src}}" style="width:800px;height:400px"></iframe>
<ul id="sdk-log"></ul>
<div id="snackbar" role="status"></div>
<div id="dialog" role="dialog"><div id="dialog-body"></div></div>
<script src="/sdk/host.js"></script>
</body></html>
`))

// ServeHTTP serves the page at /, HostJS at /sdk/host.js, the tokens at
// /sdk/token and the page's SDK calls at /sdk/log.
func (h *Host) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = hostPage.Execute(w, h) // the browser may be gone; nothing to do
	case "/sdk/host.js":
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Write(HostJS)
	case "/sdk/token":
		w.Header().Set("Content-Type", "application/json")
		tok, err := h.Token()
		if err != nil {
			w.WriteHeader(http.StatusForbidden)
			json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
			return
		}
		json.NewEncoder(w).Encode(map[string]string{"token": tok})
	case "/sdk/log":
		h.mu.Lock()
		h.notes = append(h.notes, r.FormValue("text"))
		h.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	default:
		http.NotFound(w, r)
	}
}

// Notes are what the page asked of the host through the SDK, in order.
func (h *Host) Notes() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.notes...)
}

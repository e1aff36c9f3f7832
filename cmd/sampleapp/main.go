// Command sampleapp runs the sample third-party app of fakes/app on its own
// listener, so that appcert (or a person with curl) can certify it.
//
// Exit codes: 0 stopped cleanly, 1 the server failed, 2 usage or setup error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/appcert/appcert/fakes/app"
)

const (
	exitOK    = 0
	exitFail  = 1
	exitSetup = 2
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// config is what the command line asks for.
type config struct {
	listen string
	opts   app.Options
	list   bool
}

// faultList collects repeated --fault flags.
type faultList []app.Fault

func (f *faultList) String() string {
	s := make([]string, len(*f))
	for i, x := range *f {
		s[i] = string(x)
	}
	return strings.Join(s, ",")
}

func (f *faultList) Set(name string) error {
	x, err := app.ParseFault(name)
	if err != nil {
		return err
	}
	*f = append(*f, x)
	return nil
}

// parse reads args into a config; help is flag.ErrHelp.
func parse(args []string, usageOut io.Writer) (config, error) {
	return parseEnv(args, os.LookupEnv, usageOut)
}

// envPrefix names the environment variables that stand in for flags: a
// container image is configured by its environment (SAMPLEAPP_CLIENT_ID
// for --client-id; SAMPLEAPP_FAULT takes a comma-separated list).
const envPrefix = "SAMPLEAPP_"

// parseEnv is parse with the environment given; flags win over it.
func parseEnv(args []string, getenv func(string) (string, bool), usageOut io.Writer) (config, error) {
	var c config
	var faults faultList
	var httpAuth string
	fs := flag.NewFlagSet("sampleapp", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported in one line by run
	fs.StringVar(&c.listen, "listen", "127.0.0.1:8080", "`address` to listen on")
	fs.StringVar(&c.opts.OAuthBaseURL, "oauth-base", "http://127.0.0.1:7480", "the marketplace's base `URL` (POST {URL}/oauth/token)")
	fs.StringVar(&c.opts.ClientID, "client-id", "", "the app's OAuth client ID (required)")
	fs.StringVar(&c.opts.ClientSecret, "client-secret", "", "the app's OAuth client secret (required)")
	fs.StringVar(&c.opts.JWTSecret, "jwt-secret", "", "`secret` that signs extension tokens (default: the client secret)")
	fs.StringVar(&httpAuth, "http-auth", "", "`user:pass` Basic auth expected on extension requests (default: none)")
	fs.StringVar(&c.opts.RedirectURI, "redirect-uri", "", "the app's callback `URL` sent with the code exchange (default: http://{listen address}/callback)")
	fs.Var(&faults, "fault", "switch on a fault `NAME`; repeatable (see --list-faults)")
	fs.DurationVar(&c.opts.SlowPanelDelay, "slow-panel-delay", 11*time.Second, "how long the slow-panel fault holds the panel")
	fs.BoolVar(&c.list, "list-faults", false, "list the faults and the rules they break, and exit")
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		name := envPrefix + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		v, ok := getenv(name)
		if !ok || envErr != nil || f.Name == "list-faults" {
			return
		}
		values := []string{v}
		if f.Name == "fault" {
			values = strings.Split(v, ",")
		}
		for _, x := range values {
			if f.Name == "fault" && strings.TrimSpace(x) == "" {
				continue
			}
			if err := fs.Set(f.Name, strings.TrimSpace(x)); err != nil {
				envErr = fmt.Errorf("%s=%q: %v", name, v, err)
				return
			}
		}
	})
	if envErr != nil {
		return c, envErr
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printUsage(usageOut, fs)
		}
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if c.list {
		return c, nil
	}
	if c.opts.ClientID == "" || c.opts.ClientSecret == "" {
		return c, errors.New("--client-id and --client-secret are required")
	}
	if httpAuth != "" {
		user, pass, ok := strings.Cut(httpAuth, ":")
		if !ok || user == "" {
			return c, fmt.Errorf("--http-auth %q is not user:pass", httpAuth)
		}
		c.opts.HTTPAuthUser, c.opts.HTTPAuthPassword = user, pass
	}
	if c.opts.SlowPanelDelay <= 0 {
		return c, errors.New("--slow-panel-delay must be positive")
	}
	c.opts.Faults = faults
	return c, nil
}

func printUsage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintln(w, "usage: sampleapp --client-id ID --client-secret SECRET [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Runs a sample marketplace app: /callback (OAuth redirect, sharing state,")
	fmt.Fprintln(w, "uninstall), /panel (JSON panel), /action (link action, details and list view),")
	fmt.Fprintln(w, "/modal (JSON modal: GET opens, POST submits), /ui/panel (Custom UI panel page), /healthz.")
	fmt.Fprintln(w, "Every flag can also come from the environment: SAMPLEAPP_CLIENT_ID for")
	fmt.Fprintln(w, "--client-id and so on, SAMPLEAPP_FAULT a comma-separated list; flags win.")
	fmt.Fprintln(w)
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c, err := parse(args, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "sampleapp: %v; run 'sampleapp --help' for usage\n", err)
		return exitSetup
	}
	if c.list {
		for _, f := range app.Faults() {
			fmt.Fprintf(stdout, "%-26s %-13s %s\n", f.Name, f.Rule, f.Description)
		}
		return exitOK
	}
	ln, err := net.Listen("tcp", c.listen)
	if err != nil {
		fmt.Fprintf(stderr, "sampleapp: %v\n", err)
		return exitSetup
	}
	base := "http://" + ln.Addr().String()
	if c.opts.RedirectURI == "" {
		// The listener's own address, so that --listen :0 works too.
		c.opts.RedirectURI = base + "/callback"
	}
	a, err := app.New(c.opts)
	if err != nil {
		ln.Close()
		fmt.Fprintf(stderr, "sampleapp: %v\n", err)
		return exitSetup
	}
	srv := &http.Server{
		Handler:           logRequests(a, stdout),
		ReadHeaderTimeout: 10 * time.Second,
		// Requests end with the process: a held slow panel must not keep
		// Shutdown waiting.
		BaseContext: func(net.Listener) context.Context { return ctx },
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "sampleapp listening on %s\n", base)
	if len(c.opts.Faults) > 0 {
		fmt.Fprintf(stdout, "faults: %s\n", (*faultList)(&c.opts.Faults).String())
	}
	select {
	case err := <-served:
		fmt.Fprintf(stderr, "sampleapp: %v\n", err)
		return exitFail
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		fmt.Fprintf(stderr, "sampleapp: shutdown: %v\n", err)
		return exitFail
	}
	return exitOK
}

// logRequests writes a line per request: method, path (never the query,
// which carries tokens), status and time. In a container this is the log
// appcert attaches to a failed check.
func logRequests(h http.Handler, w io.Writer) http.Handler {
	var mu sync.Mutex
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: rw, status: http.StatusOK}
		h.ServeHTTP(sw, r)
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(w, "%s %s %d %v\n", r.Method, r.URL.Path, sw.status, time.Since(start).Round(time.Millisecond))
	})
}

// statusWriter remembers the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

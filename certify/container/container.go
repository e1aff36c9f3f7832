// Package container runs the app under test from its container image, with
// testcontainers-go: built from a Dockerfile or taken from a local image,
// on the host network, told the marketplace's URLs through environment
// variables, waited for until it answers, its logs kept with the time each
// line came, and stopped and removed on every way out.
//
// Ryuk (testcontainers' reaper) is off on the machines appcert runs on, so
// removal is this package's job: Stop is idempotent and callers defer it,
// and Start first removes containers a dead appcert process left behind
// (found by the labels every container gets).
package container

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	mobycontainer "github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/image"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"
)

// Labels appcert sets on every container it starts and every image it
// builds for one.
const (
	// LabelApp marks the container of an app under test, and the image
	// built for it. Its value is unique to one Start, so that a container
	// whose creation was cancelled midway, which testcontainers hands back
	// no handle for, can still be found and removed. Unique, too, because
	// the engine's legacy builder adds a build's labels one image step
	// each, in key order: a first step shared by every build would be a
	// cached image that outlives them all.
	LabelApp = "org.appcert.app"
	// LabelOwner is "host/pid-namespace:pid" of the appcert process that started it,
	// so a later run can remove what a killed one left behind.
	LabelOwner = "org.appcert.owner"
)

// CAPath is where the marketplace's CA certificate is mounted, read-only,
// when Spec.CACert is set.
const CAPath = "/etc/appcert/ca.pem"

// DefaultStopTimeout is how long the app has to stop after SIGTERM before
// it is killed.
const DefaultStopTimeout = 5 * time.Second

// Spec says which app to run and how.
type Spec struct {
	// Image is a local image to run; BuildDir, a folder with a Dockerfile
	// to build it from first (the built image is removed with the
	// container). Exactly one is set.
	Image, BuildDir string
	// Env is the app's environment, already expanded (see Env).
	Env map[string]string
	// CACert, when set, is a host file mounted read-only at CAPath: the
	// marketplace's CA certificate when it serves HTTPS.
	CACert string
	// Labels are added to LabelApp and LabelOwner.
	Labels map[string]string
	// BuildLog receives the image build's output (discarded when nil).
	BuildLog io.Writer
	// LogFile, when set, receives every line the app writes as it comes,
	// each prefixed with the time appcert received it.
	LogFile io.Writer
}

// NoEngineError says that no Docker engine answered, and how to get one.
type NoEngineError struct{ Err error }

func (e *NoEngineError) Error() string {
	return fmt.Sprintf("no Docker engine answered (%v): start one (Debian: apt-get install docker.io, then dockerd &; elsewhere Docker Desktop or Colima), or point DOCKER_HOST at one", e.Err)
}

func (e *NoEngineError) Unwrap() error { return e.Err }

// Engine returns nil when a Docker engine answers, else a *NoEngineError.
// Tests skip with its message. A DOCKER_HOST that is set must answer
// itself: testcontainers would quietly fall back to another engine.
func Engine(ctx context.Context) error {
	if host := os.Getenv("DOCKER_HOST"); host != "" {
		cli, err := client.New(client.FromEnv)
		if err != nil {
			return &NoEngineError{fmt.Errorf("DOCKER_HOST=%s: %w", host, err)}
		}
		defer cli.Close()
		pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if _, err := cli.Ping(pctx, client.PingOptions{}); err != nil {
			return &NoEngineError{fmt.Errorf("DOCKER_HOST=%s: %w", host, err)}
		}
	}
	cli, err := newClient(ctx)
	if err != nil {
		return err
	}
	return cli.Close()
}

// newClient connects to the engine, turning every way of not finding one
// (testcontainers panics in some) into a *NoEngineError.
func newClient(ctx context.Context) (cli *testcontainers.DockerClient, err error) {
	configure.Do(func() {
		tclog.SetDefault(tclog.NewNoopLogger())
		// testcontainers' reaper (Ryuk) is an image pulled from a
		// registry: appcert never pulls, and removes its containers and
		// images itself on every way out. Off unless the user says
		// otherwise, before testcontainers reads its settings.
		if _, ok := os.LookupEnv(RyukDisabledEnv); !ok {
			os.Setenv(RyukDisabledEnv, "true")
		}
	})
	defer func() {
		if p := recover(); p != nil {
			cli, err = nil, &NoEngineError{fmt.Errorf("%v", p)}
		}
	}()
	cli, err = testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return nil, &NoEngineError{err}
	}
	return cli, nil
}

// quiet keeps testcontainers' own chatter (its banner, "container
// started") out of appcert's output; configure sets testcontainers up
// once, before its first use.
var (
	quiet     = tclog.NewNoopLogger()
	configure sync.Once
)

// RyukDisabledEnv is testcontainers' setting that turns its reaper off;
// appcert sets it to "true" when it is unset.
const RyukDisabledEnv = "TESTCONTAINERS_RYUK_DISABLED"

// App is a running app container.
type App struct {
	c       testcontainers.Container
	log     *Log
	startID string // its LabelApp
	release func() // ends the start's context
	once    sync.Once
	err     error
}

// StartGrace is how long a start under way may go on once ctx is
// cancelled. Cut midway, the engine may leave what it was making behind
// (the legacy builder an image of the build's first steps, with a part of
// its labels only, that no label of the start finds); let finish, it is
// removed whole.
const StartGrace = 2 * time.Minute

// Start builds (if asked) and starts the app's container. On error nothing
// is left running. Cancelling ctx ends a build or start in progress: it
// finishes (up to StartGrace), and what it made is removed.
func Start(ctx context.Context, s Spec) (*App, error) {
	if err := s.Check(ctx); err != nil {
		return nil, err
	}
	sweep(ctx)
	log := &Log{file: s.LogFile}
	startID := strconv.FormatInt(time.Now().UnixNano(), 36) + "-" + strconv.Itoa(os.Getpid())
	labels := map[string]string{LabelApp: startID, LabelOwner: owner()}
	for k, v := range s.Labels {
		labels[k] = v
	}
	req := testcontainers.ContainerRequest{
		Image:  s.Image,
		Env:    s.Env,
		Labels: labels,
		HostConfigModifier: func(hc *mobycontainer.HostConfig) {
			// The app and the marketplace meet on 127.0.0.1.
			hc.NetworkMode = "host"
			if s.CACert != "" {
				hc.Binds = append(hc.Binds, s.CACert+":"+CAPath+":ro")
			}
		},
		LogConsumerCfg: &testcontainers.LogConsumerConfig{Consumers: []testcontainers.LogConsumer{log}},
	}
	if s.BuildDir != "" {
		w := s.BuildLog
		if w == nil {
			w = io.Discard
		}
		// Kept by Terminate: Stop removes it by its LabelApp, under
		// lockImages, once the container is gone. testcontainers labels
		// only the images it removes itself, so the labels are set here.
		req.FromDockerfile = testcontainers.FromDockerfile{
			Context: s.BuildDir, BuildLogWriter: w, KeepImage: true,
			BuildOptionsModifier: func(o *client.ImageBuildOptions) { o.Labels = labels },
		}
	}
	// The start's own context also carries the log stream, until Stop.
	sctx, release := context.WithCancel(context.WithoutCancel(ctx))
	started := make(chan struct{})
	go func() {
		select {
		case <-started:
		case <-ctx.Done():
			select {
			case <-started:
			case <-time.After(StartGrace):
				release()
			}
		}
	}()
	unlock := func() {}
	if s.BuildDir != "" {
		unlock = lockImages()
	}
	c, err := testcontainers.GenericContainer(sctx, testcontainers.GenericContainerRequest{
		ContainerRequest: req, Started: true, Logger: quiet,
	})
	unlock()
	close(started)
	if err == nil && ctx.Err() != nil {
		err = fmt.Errorf("cancelled while starting: %w", context.Cause(ctx))
	}
	if err != nil {
		a := &App{c: c, log: log, startID: startID, release: release}
		if c != nil {
			// Created, maybe started: the last lines say why it failed.
			err = fmt.Errorf("%w%s", err, a.lastLines(10))
		}
		_ = a.Stop() // c may be nil or half made
		_ = removeStart(startID, 4)
		return nil, fmt.Errorf("starting the app's container: %w", err)
	}
	return &App{c: c, log: log, startID: startID, release: release}, nil
}

// Check finds what would keep Start from starting before anything is
// built or written: an engine that does not answer, an image that is not
// on it, a folder without a Dockerfile.
func (s Spec) Check(ctx context.Context) error {
	if (s.Image == "") == (s.BuildDir == "") {
		return errors.New("container: set exactly one of Image and BuildDir")
	}
	if s.BuildDir != "" {
		if _, err := os.Stat(filepath.Join(s.BuildDir, "Dockerfile")); err != nil {
			return fmt.Errorf("no Dockerfile to build in %s: %w", s.BuildDir, err)
		}
	}
	if err := Engine(ctx); err != nil {
		return err
	}
	if s.Image != "" {
		return local(ctx, s.Image)
	}
	return nil
}

// local checks that image is on the engine already: appcert never pulls
// (a registry may be out of reach, and the image under test is the one
// just built).
func local(ctx context.Context, image string) error {
	cli, err := newClient(ctx)
	if err != nil {
		return err
	}
	defer cli.Close()
	if _, err := cli.ImageInspect(ctx, image); err != nil {
		return fmt.Errorf("no image %q on the Docker engine (%v): build it first (docker build -t %s DIR), or let appcert build it with --build DIR", image, shortErr(err), image)
	}
	return nil
}

// ID is the container's ID.
func (a *App) ID() string { return a.c.GetContainerID() }

// Log is what the app has written so far.
func (a *App) Log() *Log { return a.log }

// Stop stops the container (SIGTERM, then SIGKILL after
// DefaultStopTimeout) and removes it, with the image it was built from.
// It runs once, whatever the caller's context, so that it works on the
// way out of a cancelled run; later calls return the first one's error.
func (a *App) Stop() error {
	a.once.Do(func() {
		if a.release != nil {
			defer a.release()
		}
		if a.c == nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), DefaultStopTimeout+30*time.Second)
		defer cancel()
		a.err = a.c.Terminate(ctx, testcontainers.StopTimeout(DefaultStopTimeout))
		// Whatever Terminate left, and the image it was built from,
		// found by their label.
		if err := removeStart(a.startID, 0); a.err == nil {
			a.err = err
		}
	})
	return a.err
}

// WrittenLog is the app's output as the engine kept it, each line stamped
// with the time the app wrote it; what appcert received as it came
// (Log) when the engine cannot say.
func (a *App) WrittenLog() *Log {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cli, err := newClient(ctx)
	if err != nil {
		return a.log
	}
	defer cli.Close()
	rc, err := cli.ContainerLogs(ctx, a.ID(), client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true, Timestamps: true})
	if err != nil {
		return a.log
	}
	defer rc.Close()
	var stdout, stderr strings.Builder
	if _, err := stdcopy.StdCopy(&stdout, &stderr, io.LimitReader(rc, 64<<20)); err != nil {
		return a.log
	}
	var lines []Line
	for _, s := range []struct{ name, text string }{{"stdout", stdout.String()}, {"stderr", stderr.String()}} {
		for _, raw := range splitLines(s.text) {
			stamp, text, _ := strings.Cut(raw, " ")
			at, err := time.Parse(time.RFC3339Nano, stamp)
			if err != nil {
				return a.log
			}
			lines = append(lines, Line{At: at, Stream: s.name, Text: text})
		}
	}
	slices.SortStableFunc(lines, func(x, y Line) int { return x.At.Compare(y.At) })
	if len(lines) > maxLines {
		lines = lines[len(lines)-maxLines:]
	}
	return &Log{lines: lines}
}

// ExitedError says that the app's container stopped before it answered.
type ExitedError struct {
	Code  int
	Lines []Line // its last lines
}

func (e *ExitedError) Error() string {
	return fmt.Sprintf("the app's container exited with code %d before it answered%s", e.Code, formatLast(e.Lines))
}

// NotReadyError says that the app never answered within the time it had.
type NotReadyError struct {
	URL     string
	Timeout time.Duration
	Last    error // the last attempt's error
	Lines   []Line
}

func (e *NotReadyError) Error() string {
	return fmt.Sprintf("the app did not answer at %s within %v (last attempt: %v); is it listening there, and is that the address in the manifest?%s",
		e.URL, e.Timeout, e.Last, formatLast(e.Lines))
}

// lastShown is how many of its last lines a setup error shows of the app.
const lastShown = 20

// WaitReady polls url until anything answers it over HTTP (any status: the
// app is up), the container exits (*ExitedError) or timeout passes
// (*NotReadyError). Both errors carry the app's last lines.
func (a *App) WaitReady(ctx context.Context, url string, timeout time.Duration) error {
	client := &http.Client{
		Timeout: 2 * time.Second,
		// Readiness, not trust: any answer means the app is up; the
		// certification itself verifies the app's https certificates.
		Transport:     &http.Transport{DisableKeepAlives: true, TLSClientConfig: &tls.Config{InsecureSkipVerify: true}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	deadline := time.Now().Add(timeout)
	var last error
	for {
		st, err := a.c.State(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("inspecting the app's container: %w", err)
		}
		if !st.Running {
			return &ExitedError{Code: st.ExitCode, Lines: a.tail(ctx)}
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return fmt.Errorf("the app's readiness URL %q: %w", url, err)
		}
		resp, err := client.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
			return nil
		}
		last = err
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if time.Now().After(deadline) {
			return &NotReadyError{URL: url, Timeout: timeout, Last: shortErr(err), Lines: a.tail(ctx)}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
		_ = last
	}
}

// tail is the app's last lines, read from the engine (complete even when
// the container has just exited and the followed stream lags behind).
func (a *App) tail(ctx context.Context) []Line {
	lines := a.log.Last(lastShown)
	if ctx.Err() != nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	rc, err := a.c.Logs(ctx)
	if err != nil {
		return lines
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, 1<<20))
	if err != nil && len(b) == 0 {
		return lines
	}
	var all []Line
	for _, s := range splitLines(string(b)) {
		all = append(all, Line{Text: s})
	}
	if len(all) > lastShown {
		all = all[len(all)-lastShown:]
	}
	if len(all) < len(lines) {
		return lines
	}
	return all
}

func (a *App) lastLines(n int) string {
	if a.c == nil {
		return ""
	}
	lines := a.tail(context.Background())
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return formatLast(lines)
}

func formatLast(lines []Line) string {
	if len(lines) == 0 {
		return "; it wrote nothing"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "; its last %d lines:", len(lines))
	for _, l := range lines {
		b.WriteString("\n    " + l.Text)
	}
	return b.String()
}

func shortErr(err error) error {
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) {
		if inner := ue.Unwrap(); inner != nil {
			return inner
		}
	}
	return err
}

// List returns the IDs of the containers, running or not, that carry every
// one of labels (with those values; "" matches any value).
func List(ctx context.Context, labels map[string]string) ([]string, error) {
	return labelledIDs(ctx, labels, list, func(it mobycontainer.Summary) string { return it.ID })
}

// labelledIDs lists, on a client of its own, what carries every one of
// labels (containers or images, as list says) and returns their IDs.
func labelledIDs[T any](ctx context.Context, labels map[string]string,
	list func(context.Context, *testcontainers.DockerClient, map[string]string) ([]T, error), id func(T) string) ([]string, error) {
	cli, err := newClient(ctx)
	if err != nil {
		return nil, err
	}
	defer cli.Close()
	items, err := list(ctx, cli, labels)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = id(it)
	}
	return ids, nil
}

func list(ctx context.Context, cli *testcontainers.DockerClient, labels map[string]string) ([]mobycontainer.Summary, error) {
	res, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: labelFilters(labels)})
	if err != nil {
		return nil, fmt.Errorf("listing containers: %w", err)
	}
	return res.Items, nil
}

func labelFilters(labels map[string]string) client.Filters {
	f := client.Filters{}
	for k, v := range labels {
		if v == "" {
			f.Add("label", k)
		} else {
			f.Add("label", k+"="+v)
		}
	}
	return f
}

// owner is this process as LabelOwner says it: the host and PID
// namespace, so that a PID is only ever judged where it means something.
func owner() string {
	return space() + ":" + strconv.Itoa(os.Getpid())
}

func space() string {
	host, _ := os.Hostname()
	ns, _ := os.Readlink("/proc/self/ns/pid")
	return host + "/" + ns
}

// sweep removes the app containers an appcert process on this host left
// behind when it died without its deferred Stop running (SIGKILL, a panic
// in another goroutine). A container whose owner still runs is left alone.
// Failing to sweep is not a reason to fail the run.
func sweep(ctx context.Context) {
	cli, err := newClient(ctx)
	if err != nil {
		return
	}
	defer cli.Close()
	items, err := list(ctx, cli, map[string]string{LabelApp: ""})
	if err != nil {
		return
	}
	here := space()
	for _, it := range items {
		if !deadOwner(it.Labels[LabelOwner], here) {
			continue
		}
		_, _ = cli.ContainerRemove(ctx, it.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
	}
	// Images it built and never ran, or whose container is gone with it.
	defer lockImages()()
	imgs, err := listImages(ctx, cli, map[string]string{LabelApp: ""})
	if err != nil {
		return
	}
	for _, im := range imgs {
		if deadOwner(im.Labels[LabelOwner], here) {
			_, _ = cli.ImageRemove(ctx, im.ID, client.ImageRemoveOptions{Force: true, PruneChildren: true})
		}
	}
}

// deadOwner reports whether o, a LabelOwner value, names a process of
// this host and PID namespace that no longer runs.
func deadOwner(o, here string) bool {
	i := strings.LastIndexByte(o, ':')
	if i < 0 || o[:i] != here {
		return false
	}
	pid, err := strconv.Atoi(o[i+1:])
	return err == nil && !alive(pid)
}

// ListImages returns the IDs of the images that carry every one of labels,
// as List does for containers: a build appcert started carries the same
// labels as its container.
func ListImages(ctx context.Context, labels map[string]string) ([]string, error) {
	return labelledIDs(ctx, labels, listImages, func(it image.Summary) string { return it.ID })
}

func listImages(ctx context.Context, cli *testcontainers.DockerClient, labels map[string]string) ([]image.Summary, error) {
	res, err := cli.ImageList(ctx, client.ImageListOptions{Filters: labelFilters(labels)})
	if err != nil {
		return nil, fmt.Errorf("listing images: %w", err)
	}
	return res.Items, nil
}

// alive reports whether process pid exists on this host.
func alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// removeStart force-removes whatever container one Start made, and the
// image it built, found by its LabelApp, and says what it could not: a
// create cancelled midway may still finish on the engine after
// testcontainers has returned, so it looks again, at least tries times
// half a second apart. It uses its own context, as the caller's is
// usually the cancelled one.
func removeStart(startID string, tries int) error {
	if startID == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cli, err := newClient(ctx)
	if err != nil {
		return err
	}
	defer cli.Close()
	// Looked for again until none is left: on a loaded engine a removal
	// can fail for a while (a container still stopping, its removal
	// already under way).
	for i := 0; ; i++ {
		items, err := list(ctx, cli, map[string]string{LabelApp: startID})
		if err == nil && len(items) == 0 && i >= tries {
			break
		}
		for _, it := range items {
			_, _ = cli.ContainerRemove(ctx, it.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
		}
		if !sleepCtx(ctx, 500*time.Millisecond) {
			return fmt.Errorf("removing the app's container: %d left after 30s", len(items))
		}
	}
	// Its own time once the lock is taken: another appcert's build may
	// hold it a while.
	defer lockImages()()
	ictx, icancel := context.WithTimeout(context.Background(), time.Minute)
	defer icancel()
	for {
		imgs, err := listImages(ictx, cli, map[string]string{LabelApp: startID})
		if err == nil && len(imgs) == 0 {
			return nil
		}
		var last error
		for _, im := range imgs {
			if _, err := cli.ImageRemove(ictx, im.ID, client.ImageRemoveOptions{Force: true, PruneChildren: true}); err != nil {
				last = err
			}
		}
		if !sleepCtx(ictx, time.Second) {
			return fmt.Errorf("removing the app's image: %d left after 1m (%v)", len(imgs), last)
		}
	}
}

// sleepCtx waits d, or until ctx is done (false).
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// lockImages takes a lock, shared by the appcert processes of this host,
// held while an image is built or removed, and returns its release. The
// engine's legacy builder builds on cached intermediate images that two
// builds of one Dockerfile share; removing an image prunes its unused
// parents, and one pruned while another build is about to use it fails
// that build ("unknown parent image ID"). Without the lock file, it only
// serialises this process.
func lockImages() (unlock func()) {
	imageMu.Lock()
	f, err := os.OpenFile(filepath.Join(os.TempDir(), "appcert-images.lock"), os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		return imageMu.Unlock
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return imageMu.Unlock
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
		imageMu.Unlock()
	}
}

var imageMu sync.Mutex

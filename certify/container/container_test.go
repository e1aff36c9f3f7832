package container_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/testcontainers/testcontainers-go"

	"github.com/appcert/appcert/certify"
	"github.com/appcert/appcert/certify/container"
	"github.com/appcert/appcert/internal/dockertest"
)

// sampleRun certifies the sample app's image, built from a fresh folder,
// listening on a free port of its own; env adds to its settings.
func sampleRun(t *testing.T, env ...string) (certify.Options, container.Run, string) {
	t.Helper()
	port := dockertest.FreePort(t)
	appURL := "http://127.0.0.1:" + port
	k, v := dockertest.Label(t)
	o := certify.Options{
		Listen:   "127.0.0.1:0",
		Manifest: certify.SampleManifest(appURL, []string{"base", "deals:read"}),
	}
	r := container.Run{
		Spec: container.Spec{BuildDir: dockertest.SampleAppDir(t), Labels: map[string]string{k: v}},
		EnvArgs: append([]string{
			"SAMPLEAPP_LISTEN=127.0.0.1:" + port, "SAMPLEAPP_OAUTH_BASE={oauth_url}",
			"SAMPLEAPP_CLIENT_ID={client_id}", "SAMPLEAPP_CLIENT_SECRET={client_secret}",
			"SAMPLEAPP_HTTP_AUTH=" + certify.SampleHTTPUser + ":" + certify.SampleHTTPPassword,
		}, env...),
		WaitTimeout: 30 * time.Second,
		OutDir:      t.TempDir(),
	}
	t.Cleanup(func() { dockertest.RequireNone(t, k, v) })
	return o, r, appURL
}

func TestCertify_FailedExchangeCarriesTheAppLog(t *testing.T) {
	dockertest.Require(t)
	t.Parallel()
	o, r, _ := sampleRun(t, "SAMPLEAPP_FAULT=skip-jwt")
	o.Tags = "@PD-EXT-02"
	rep, err := container.Certify(context.Background(), o, r)
	if err != nil {
		t.Fatal(err)
	}
	rr, ok := rep.Rule("PD-EXT-02")
	if rep.ExitCode() != certify.ExitFailed || !ok || rr.Verdict != certify.Fail {
		t.Fatalf("exit %d, PD-EXT-02 %q", rep.ExitCode(), rr.Verdict)
	}
	// The forged request was answered 200, and the app logged it then.
	found := false
	for _, f := range rr.Findings {
		for _, line := range f.AppLog {
			found = found || strings.Contains(line, "GET /panel 200") || strings.Contains(line, "GET /action 200")
		}
	}
	if !found {
		t.Errorf("no finding of PD-EXT-02 carries the app's log line of the answer: %+v", rr.Findings)
	}
	log, err := os.ReadFile(filepath.Join(r.OutDir, container.LogName))
	if err != nil || !strings.Contains(string(log), "stdout sampleapp listening on") || !strings.Contains(string(log), "faults: skip-jwt") {
		t.Errorf("%s: %v\n%s", container.LogName, err, log)
	}
}

func TestCertify_AppExitingAtStartIsASetupErrorWithItsLastLines(t *testing.T) {
	dockertest.Require(t)
	t.Parallel()
	o, r, _ := sampleRun(t)
	r.EnvArgs = []string{"SAMPLEAPP_FAULT=serve-everyone"} // an unknown fault: the app exits 2 at once
	_, err := container.Certify(context.Background(), o, r)
	var setup *certify.SetupError
	var exited *container.ExitedError
	if !errors.As(err, &setup) || !errors.As(err, &exited) || exited.Code != 2 {
		t.Fatalf("error %v, want a setup error saying the container exited with 2", err)
	}
	if !strings.Contains(err.Error(), `unknown fault "serve-everyone"`) {
		t.Errorf("error lacks the app's last line: %v", err)
	}
}

func TestCertify_AppNeverAnsweringIsASetupError(t *testing.T) {
	dockertest.Require(t)
	t.Parallel()
	o, r, appURL := sampleRun(t)
	r.WaitTimeout = 2 * time.Second
	r.EnvArgs = append(r.EnvArgs, "SAMPLEAPP_LISTEN=127.0.0.1:"+dockertest.FreePort(t)) // not where the manifest says
	_, err := container.Certify(context.Background(), o, r)
	var notReady *container.NotReadyError
	if !errors.As(err, &notReady) || notReady.URL != appURL+"/callback" {
		t.Fatalf("error %v, want the app not answering at %s/callback", err, appURL)
	}
	if !strings.Contains(err.Error(), "sampleapp listening on") {
		t.Errorf("error lacks the app's last lines: %v", err)
	}
	if notReady.Timeout != r.WaitTimeout {
		t.Errorf("waited %v, want the --wait-timeout %v", notReady.Timeout, r.WaitTimeout)
	}
}

func TestCertify_PanicStillRemovesTheContainer(t *testing.T) {
	dockertest.Require(t)
	o, r, _ := sampleRun(t)
	defer container.SetAfterReady(func() { panic("a check broke") })()
	func() {
		defer func() {
			if p := recover(); p != "a check broke" {
				t.Errorf("recovered %v", p)
			}
		}()
		_, _ = container.Certify(context.Background(), o, r)
	}()
	// sampleRun's cleanup checks that nothing is left.
}

func TestCertify_CancelledWhileWaitingRemovesTheContainer(t *testing.T) {
	dockertest.Require(t)
	t.Parallel()
	o, r, _ := sampleRun(t)
	r.EnvArgs = append(r.EnvArgs, "SAMPLEAPP_LISTEN=127.0.0.1:"+dockertest.FreePort(t)) // never ready
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_, err := container.Certify(ctx, o, r)
	var setup *certify.SetupError
	if !errors.As(err, &setup) || !strings.Contains(err.Error(), "cancelled") {
		t.Fatalf("error %v, want a setup error saying it was cancelled", err)
	}
}

func TestStart_RemovesContainersADeadRunLeft(t *testing.T) {
	dockertest.Require(t)
	ctx := context.Background()
	// A PID that no process has any more.
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	owner := container.Owner()
	owner = owner[:strings.LastIndexByte(owner, ':')+1] + strconv.Itoa(dead.Process.Pid)
	k, v := dockertest.Label(t)
	unlock := container.LockImages() // its build shares cached steps with appcert's
	stale, err := testcontainers.GenericContainer(ctx, testcontainers.GenericContainerRequest{
		ContainerRequest: testcontainers.ContainerRequest{
			FromDockerfile: testcontainers.FromDockerfile{Context: dockertest.SampleAppDir(t)},
			Labels:         map[string]string{container.LabelApp: "stale-" + v, container.LabelOwner: owner, k: v},
		},
	})
	unlock()
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		defer container.LockImages()()
		stale.Terminate(ctx) // removes the image it was built from
	}()
	if ids, _ := container.List(ctx, map[string]string{k: v}); len(ids) != 1 {
		t.Fatalf("the stale container was not created: %v", ids)
	}
	// A run starts (this app exits at once: no credentials); it is the
	// sweep before it that matters.
	a, err := container.Start(ctx, container.Spec{BuildDir: dockertest.SampleAppDir(t), Labels: map[string]string{k: v + "-new"}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Stop()
	dockertest.RequireNone(t, k, v)
	// The image built for it carries its labels, so that Stop, and a
	// later run's sweep, find it.
	if imgs, err := container.ListImages(ctx, map[string]string{k: v + "-new", container.LabelOwner: container.Owner()}); err != nil || len(imgs) != 1 {
		t.Fatalf("images built for the run, by its labels: %v (%v), want one", imgs, err)
	}
	if err := a.Stop(); err != nil {
		t.Errorf("stop: %v", err)
	}
	dockertest.RequireNone(t, k, v+"-new")
}

// Ctrl-C while the image is being built: the build finishes and the start
// is undone, so neither a container nor an image (whole, or the legacy
// builder's first steps of it) is left.
func TestStart_CancelledDuringTheBuildLeavesNoImage(t *testing.T) {
	dockertest.Require(t)
	t.Parallel()
	k, v := dockertest.Label(t)
	dir := dockertest.SampleAppDir(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Cancelled as the build's first output comes.
	build := writerFunc(func(b []byte) (int, error) { cancel(); return len(b), nil })
	a, err := container.Start(ctx, container.Spec{BuildDir: dir, Labels: map[string]string{k: v}, BuildLog: build})
	if err == nil {
		a.Stop()
		t.Fatal("started although cancelled")
	}
	if !strings.Contains(err.Error(), "cancel") {
		t.Errorf("error %v, want it to say the start was cancelled", err)
	}
	dockertest.RequireNone(t, k, v)
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

// Without TESTCONTAINERS_RYUK_DISABLED in its environment, appcert still
// starts no reaper (an image it would have to pull): it turns it off
// itself, and removes what it made.
func TestStart_TurnsTheReaperOffItself(t *testing.T) {
	dockertest.Require(t)
	const child = "APPCERT_TEST_CHILD_LABEL"
	if v := os.Getenv(child); v != "" {
		a, err := container.Start(context.Background(), container.Spec{BuildDir: dockertest.SampleAppDir(t), Labels: map[string]string{"org.appcert.test": v}})
		if err != nil {
			t.Fatal(err)
		}
		if got := os.Getenv(container.RyukDisabledEnv); got != "true" {
			t.Errorf("%s=%q during the run", container.RyukDisabledEnv, got)
		}
		if err := a.Stop(); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Parallel()
	k, v := dockertest.Label(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestStart_TurnsTheReaperOffItself$", "-test.v")
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, container.RyukDisabledEnv+"=") {
			cmd.Env = append(cmd.Env, e)
		}
	}
	cmd.Env = append(cmd.Env, child+"="+v)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("started without the setting: %v\n%s", err, out)
	}
	dockertest.RequireNone(t, k, v)
}

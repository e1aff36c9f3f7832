package main

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	mobycontainer "github.com/moby/moby/api/types/container"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"

	"github.com/appcert/appcert/certify"
	"github.com/appcert/appcert/internal/dockertest"
)

// appcertCmd is appcert with args, as a process of its own.
func appcertCmd(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "APPCERT_TEST_MAIN=1")
	return cmd
}

// sampleImageArgs are the arguments that certify the sample app's image,
// built with --build, on a free port with a label of t's; env adds to its
// settings.
func sampleImageArgs(t *testing.T, env ...string) (args []string, label [2]string) {
	t.Helper()
	port := dockertest.FreePort(t)
	k, v := dockertest.Label(t)
	args = []string{
		"certify", "--build", dockertest.SampleAppDir(t),
		"--manifest", writeManifest(t, "http://127.0.0.1:"+port), "--listen", "127.0.0.1:0",
		"--label", k + "=" + v, "--out", t.TempDir(),
		"--env", "SAMPLEAPP_LISTEN=127.0.0.1:" + port, "--env", "SAMPLEAPP_OAUTH_BASE={oauth_url}",
		"--env", "SAMPLEAPP_CLIENT_ID={client_id}", "--env", "SAMPLEAPP_CLIENT_SECRET={client_secret}",
		"--env", "SAMPLEAPP_HTTP_AUTH=" + certify.SampleHTTPUser + ":" + certify.SampleHTTPPassword,
	}
	for _, e := range env {
		args = append(args, "--env", e)
	}
	t.Cleanup(func() { dockertest.RequireNone(t, k, v) })
	return args, [2]string{k, v}
}

func TestRunCertify_NoDockerEngineExits2SayingHowToGetOne(t *testing.T) {
	cmd := appcertCmd(t, "certify", "--image", "sampleapp:none", "--manifest", writeManifest(t, "http://127.0.0.1:1"),
		"--listen", "127.0.0.1:0", "--out", t.TempDir())
	cmd.Env = append(cmd.Env, "DOCKER_HOST=unix:///nonexistent/docker.sock")
	out, err := cmd.CombinedOutput()
	if code := exitCode(err); code != exitSetup || !strings.Contains(string(out), "no Docker engine answered") ||
		!strings.Contains(string(out), "apt-get install docker.io") || !strings.Contains(string(out), "DOCKER_HOST") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}

// An image that is not there, or a folder with no Dockerfile: exit 2,
// saying so, before anything is built or written.
func TestRunCertify_ImageNotOnTheEngineExits2(t *testing.T) {
	dockertest.Require(t)
	for _, c := range []struct {
		flag, value string
		want        []string
	}{
		{"--image", "appcert-test/nowhere:none", []string{`no image "appcert-test/nowhere:none" on the Docker engine`, "--build"}},
		{"--build", t.TempDir(), []string{"no Dockerfile to build in"}},
	} {
		outDir := t.TempDir()
		var out, errb strings.Builder
		code := run(context.Background(), []string{"certify", c.flag, c.value,
			"--manifest", writeManifest(t, "http://127.0.0.1:1"), "--listen", "127.0.0.1:0", "--out", outDir}, &out, &errb)
		for _, w := range c.want {
			if code != exitSetup || !strings.Contains(errb.String(), w) {
				t.Fatalf("%s: exit %d, want 2 saying %q\nstderr:\n%s", c.flag, code, w, errb.String())
			}
		}
		if left, _ := os.ReadDir(outDir); len(left) > 0 {
			t.Errorf("%s: wrote %v", c.flag, left)
		}
		if strings.Contains(out.String()+errb.String(), "building the app's image") {
			t.Errorf("%s: said it was building:\n%s%s", c.flag, out.String(), errb.String())
		}
	}
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	return -1
}

func TestRunCertify_BuildSampleAppPasses(t *testing.T) {
	dockertest.Require(t)
	t.Parallel()
	args, _ := sampleImageArgs(t)
	var out, errb strings.Builder
	code := run(context.Background(), args, &out, &errb)
	if code != exitOK || !strings.Contains(out.String(), " passed, 0 failed, 0 warnings, 0 skipped") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errb.String())
	}
	outDir := args[slicesIndex(args, "--out")+1]
	wantFiles(t, outDir, true)
	if log, err := os.ReadFile(filepath.Join(outDir, "container.log")); err != nil || !strings.Contains(string(log), "GET /panel") {
		t.Errorf("container.log: %v\n%.500s", err, log)
	}
}

func TestRunCertify_BuildSampleAppWithAFaultFailsItsRule(t *testing.T) {
	dockertest.Require(t)
	t.Parallel()
	args, _ := sampleImageArgs(t, "SAMPLEAPP_FAULT=ignore-basic-auth")
	var out, errb strings.Builder
	code := run(context.Background(), args, &out, &errb)
	if code != exitFail || !regexp.MustCompile(`FAIL +PD-EXT-02`).MatchString(out.String()) || !strings.Contains(out.String(), "app log:") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errb.String())
	}
}

func TestRunCertify_ImageExitingAtStartExits2WithItsLastLines(t *testing.T) {
	dockertest.Require(t)
	t.Parallel()
	args, _ := sampleImageArgs(t, "SAMPLEAPP_SLOW_PANEL_DELAY=never")
	var out, errb strings.Builder
	code := run(context.Background(), args, &out, &errb)
	if code != exitSetup || !strings.Contains(errb.String(), "exited with code 2 before it answered") ||
		!strings.Contains(errb.String(), "SAMPLEAPP_SLOW_PANEL_DELAY") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errb.String())
	}
}

// Ctrl-C or SIGTERM mid-run: appcert exits 130 or 143 with what it found,
// and the app's container is gone.
func TestRunCertify_SignalMidRunRemovesTheContainer(t *testing.T) {
	dockertest.Require(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			// A slow panel keeps the run going for a while.
			args, _ := sampleImageArgs(t, "SAMPLEAPP_FAULT=slow-panel")
			cmd := appcertCmd(t, args...)
			stderr, err := cmd.StderrPipe()
			if err != nil {
				t.Fatal(err)
			}
			var stdout strings.Builder
			cmd.Stdout = &stdout
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			ready := make(chan struct{})
			var errText strings.Builder
			done := make(chan struct{})
			go func() {
				defer close(done)
				sc := bufio.NewScanner(stderr)
				for sc.Scan() {
					errText.WriteString(sc.Text() + "\n")
					if strings.Contains(sc.Text(), "the app answers at") {
						close(ready)
					}
				}
			}()
			select {
			case <-ready:
			case <-done:
				t.Fatalf("appcert ended before the app answered:\n%s", errText.String())
			case <-time.After(3 * time.Minute):
				t.Fatal("the app never answered")
			}
			time.Sleep(2 * time.Second) // checks under way
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			<-done
			err = cmd.Wait()
			if code := exitCode(err); code != 128+int(sig) || !strings.Contains(stdout.String(), "interrupted") {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), errText.String())
			}
		})
	}
}

// appcert's own image (Dockerfile) runs the demo.
func TestImage_RunsTheDemo(t *testing.T) {
	dockertest.Require(t)
	t.Parallel()
	ctx := context.Background()
	c, err := testcontainers.GenericContainer(ctx, testcontainers.GenericContainerRequest{
		ContainerRequest: testcontainers.ContainerRequest{
			FromDockerfile:     testcontainers.FromDockerfile{Context: dockertest.AppcertDir(t)},
			Cmd:                []string{"certify", "--demo"},
			HostConfigModifier: func(hc *mobycontainer.HostConfig) { hc.NetworkMode = "host" },
			WaitingFor:         wait.ForExit().WithExitTimeout(3 * time.Minute),
		},
		Started: true,
	})
	if c != nil {
		defer c.Terminate(context.Background())
	}
	if err != nil {
		t.Fatal(err)
	}
	st, err := c.State(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := c.Logs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	logs, _ := io.ReadAll(rc)
	rc.Close()
	if st.ExitCode != 0 || !strings.Contains(string(logs), " passed, 0 failed, 0 warnings, 0 skipped") || !strings.Contains(string(logs), "reports in out/junit.xml") {
		t.Fatalf("exit %d:\n%s", st.ExitCode, logs)
	}
}

func slicesIndex(s []string, x string) int {
	for i, v := range s {
		if v == x {
			return i
		}
	}
	return -1
}

// With --tls the marketplace serves HTTPS and appcert's CA certificate is
// mounted in the container: the sample app (Go, FROM scratch, so no system
// roots) trusts it through SSL_CERT_FILE={ca_cert} and passes. Without
// that, its token exchange fails on the certificate: PD-OAUTH-02 fails.
func TestRunCertify_TLSMountsTheCAForTheApp(t *testing.T) {
	dockertest.Require(t)
	for _, trusted := range []bool{true, false} {
		name := "trusted"
		if !trusted {
			name = "not_trusted"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var env []string
			if trusted {
				env = append(env, "SSL_CERT_FILE={ca_cert}")
			}
			args, _ := sampleImageArgs(t, env...)
			args = append(args, "--tls", "--ca", t.TempDir())
			var out, errb strings.Builder
			code := run(context.Background(), args, &out, &errb)
			outDir := args[slicesIndex(args, "--out")+1]
			log, _ := os.ReadFile(filepath.Join(outDir, "container.log"))
			switch {
			case trusted && (code != exitOK || !strings.Contains(out.String(), " passed, 0 failed, 0 warnings, 0 skipped")):
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s\ncontainer.log:\n%s", code, out.String(), errb.String(), log)
			case !trusted && (code != exitFail || !regexp.MustCompile(`FAIL +PD-OAUTH-02`).MatchString(out.String())):
				t.Fatalf("exit %d, want 1 with the app refusing the certificate\nstdout:\n%s\nstderr:\n%s\ncontainer.log:\n%s", code, out.String(), errb.String(), log)
			}
		})
	}
}

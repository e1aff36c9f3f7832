package main

import (
	"archive/zip"
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/appcert/appcert/certify"
	"github.com/appcert/appcert/internal/dockertest"
)

// recipe is one of the README's CI jobs: its env: settings and its run:
// commands, in order.
type recipe struct {
	env  map[string]string
	cmds []string
}

// readRecipe reads the first yaml block after heading in the README.
func readRecipe(t *testing.T, heading string) recipe {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	i := strings.Index(text, heading)
	if i < 0 {
		t.Fatalf("README has no %q section", heading)
	}
	block := text[i:]
	start := strings.Index(block, "```yaml\n")
	end := strings.Index(block[start+8:], "```")
	r := recipe{env: map[string]string{}}
	inEnv := false
	sc := bufio.NewScanner(strings.NewReader(block[start+8 : start+8+end]))
	for sc.Scan() {
		raw := sc.Text()
		line := strings.TrimSpace(raw)
		if j := strings.Index(line, " #"); j >= 0 {
			line = strings.TrimSpace(line[:j])
		}
		switch {
		case line == "env:":
			inEnv = true
			continue
		case inEnv && strings.HasPrefix(raw, "      ") && !strings.HasPrefix(line, "-") && strings.Contains(line, ": "):
			k, v, _ := strings.Cut(line, ": ")
			r.env[k] = v
			continue
		}
		inEnv = false
		if cmd, ok := strings.CutPrefix(line, "run: "); ok {
			r.cmds = append(r.cmds, cmd)
		}
	}
	return r
}

// freePort is a loopback address for a process the recipe starts.
func freePort(t *testing.T) string { return "127.0.0.1:" + dockertest.FreePort(t) }

// installLine is the recipes' way to install appcert.
const installLine = "go install github.com/appcert/appcert/cmd/appcert@${APPCERT_VERSION}"

// installFromCheckout runs the recipes' install command as written, with
// APPCERT_VERSION a version made of this checkout: a module proxy in a
// folder serves it (the files git tracks, as a module zip), before the
// real proxy, so that `go install ...@VERSION` installs this code as it
// would a release. It returns the folder appcert is installed in.
func installFromCheckout(t *testing.T, line string) string {
	t.Helper()
	installOnce.Do(func() { installed, installErr = makeRelease(line) })
	if installErr != nil {
		t.Fatal(installErr)
	}
	return installed
}

var (
	installOnce sync.Once
	installed   string
	installErr  error
)

func makeRelease(line string) (string, error) {
	repo, err := filepath.Abs("../..")
	if err != nil {
		return "", err
	}
	version := fmt.Sprintf("v0.0.0-checkout.%d", time.Now().UnixNano())
	const mod = "github.com/appcert/appcert"
	proxy, err := os.MkdirTemp("", "appcert-recipe-proxy-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(proxy)
	bin, err := os.MkdirTemp("", "appcert-recipe-bin-")
	if err != nil {
		return "", err
	}
	dir := filepath.Join(proxy, mod, "@v")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	files, err := exec.Command("git", "-C", repo, "ls-files", "-co", "--exclude-standard").Output()
	if err != nil {
		return "", fmt.Errorf("listing the checkout's files with git: %v", err)
	}
	zf, err := os.Create(filepath.Join(dir, version+".zip"))
	if err != nil {
		return "", err
	}
	zw := zip.NewWriter(zf)
	for _, name := range strings.Split(strings.TrimSpace(string(files)), "\n") {
		fi, err := os.Lstat(filepath.Join(repo, name))
		if err != nil || !fi.Mode().IsRegular() {
			continue // deleted in the worktree, or a link
		}
		w, err := zw.Create(mod + "@" + version + "/" + name)
		if err != nil {
			return "", err
		}
		f, err := os.Open(filepath.Join(repo, name))
		if err != nil {
			return "", err
		}
		_, err = io.Copy(w, f)
		f.Close()
		if err != nil {
			return "", err
		}
	}
	if err := zw.Close(); err != nil {
		return "", err
	}
	if err := zf.Close(); err != nil {
		return "", err
	}
	gomod, err := os.ReadFile(filepath.Join(repo, "go.mod"))
	if err != nil {
		return "", err
	}
	info := fmt.Sprintf(`{"Version":%q,"Time":%q}`, version, time.Now().UTC().Format(time.RFC3339))
	for name, body := range map[string]string{version + ".mod": string(gomod), version + ".info": info, "list": version + "\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			return "", err
		}
	}
	upstream, _ := exec.Command("go", "env", "GOPROXY").Output()
	flags, _ := exec.Command("go", "env", "GOFLAGS").Output()
	cmd := exec.Command("sh", "-c", line)
	cmd.Dir = proxy
	cmd.Env = append(os.Environ(), "APPCERT_VERSION="+version, "GOBIN="+bin,
		"GOPROXY=file://"+filepath.ToSlash(proxy)+","+strings.TrimSpace(string(upstream)),
		"GONOSUMDB="+mod, "GOFLAGS="+strings.TrimSpace(string(flags)+" -modcacherw"))
	out, err := cmd.CombinedOutput()
	// The version lives on in the module cache only for this test.
	if cache, cerr := exec.Command("go", "env", "GOMODCACHE").Output(); cerr == nil {
		c := strings.TrimSpace(string(cache))
		os.RemoveAll(filepath.Join(c, mod+"@"+version))
		old, _ := filepath.Glob(filepath.Join(c, "cache", "download", mod, "@v", version+".*"))
		for _, f := range old {
			os.Remove(f)
		}
	}
	if err != nil {
		return "", fmt.Errorf("%s with APPCERT_VERSION=%s: %v\n%s", line, version, err, out)
	}
	v, err := exec.Command(filepath.Join(bin, "appcert"), "version").Output()
	if err != nil || !strings.Contains(string(v), version) {
		return "", fmt.Errorf("the installed appcert says %q (%v), want version %s", v, err, version)
	}
	return bin, nil
}

// recipeManifest writes the sample app's manifest into the job's folder
// as app.yaml, the app at appAddr.
func recipeManifest(t *testing.T, work, appAddr string) {
	t.Helper()
	manifest, err := os.ReadFile("../../examples/sampleapp.yaml")
	if err != nil {
		t.Fatal(err)
	}
	manifest = []byte(strings.ReplaceAll(string(manifest), "127.0.0.1:8080", appAddr))
	// Schema paths are relative to the manifest, which moves to the job's folder.
	examples, err := filepath.Abs("../../examples")
	if err != nil {
		t.Fatal(err)
	}
	schema := regexp.MustCompile(`(?m)^(\s*(?:data_schema|schema):\s*)(\S+)`)
	manifest = schema.ReplaceAllFunc(manifest, func(m []byte) []byte {
		sm := schema.FindSubmatch(m)
		if filepath.IsAbs(string(sm[2])) {
			return m
		}
		return append(append([]byte{}, sm[1]...), filepath.Join(examples, string(sm[2]))...)
	})
	if err := os.WriteFile(filepath.Join(work, "app.yaml"), manifest, 0o644); err != nil {
		t.Fatal(err)
	}
}

// runJobStep runs one of the job's commands in its folder, appcert on the
// PATH, as CI would; it returns the output, failing t unless it exits 0.
func runJobStep(t *testing.T, work, bin, line string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", line)
	cmd.Dir = work
	cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"), "CI=true")
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	if err != nil {
		t.Fatalf("%s: %v\n%s", line, err, out)
	}
	return string(out)
}

// wantJobReports checks the reports the job keeps as artefacts.
func wantJobReports(t *testing.T, work, out string) {
	t.Helper()
	for _, f := range []string{"junit.xml", "cucumber.json", "summary.json", "report.html"} {
		if _, err := os.Stat(filepath.Join(work, "appcert-out", f)); err != nil {
			t.Errorf("the job keeps appcert-out/: %v", err)
		}
	}
	if !strings.Contains(out, "passed, 0 failed") {
		t.Errorf("output:\n%s", out)
	}
}

// The README's CI job works as written: its commands run in a fresh
// folder, appcert installed by the job's own `go install ...@VERSION`
// with the version made of this checkout, and the sample app standing in
// for the app's own start script. The run passes and leaves the reports
// the job keeps.
func TestREADME_CIRecipeRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("installs appcert as a release")
	}
	r := readRecipe(t, "### 5. Gate CI on it")
	if len(r.cmds) != 3 || r.cmds[0] != installLine || r.env["APPCERT_VERSION"] == "" ||
		r.cmds[1] != "./start-app.sh &" || !strings.HasPrefix(r.cmds[2], "appcert certify ") {
		t.Fatalf("the recipe's commands changed; update this test with them: %q, env %q", r.cmds, r.env)
	}
	bin := installFromCheckout(t, r.cmds[0])
	// The stand-in app, built from the checkout (it is not part of the recipe).
	appBin := t.TempDir()
	build := exec.Command("go", "build", "-o", appBin, "./cmd/sampleapp")
	build.Dir = "../.."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the sample app: %v\n%s", err, out)
	}
	work := t.TempDir()
	// The job's ports, moved to free ones on a shared machine.
	market, appAddr := freePort(t), freePort(t)
	recipeManifest(t, work, appAddr)
	app := exec.Command(filepath.Join(appBin, "sampleapp"), "--client-id", "sample-app", "--client-secret", "sample-secret",
		"--http-auth", certify.SampleHTTPUser+":"+certify.SampleHTTPPassword, "--listen", appAddr, "--oauth-base", "http://"+market)
	app.Dir = work
	if err := app.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		app.Process.Kill()
		app.Wait()
	}()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if c, err := net.Dial("tcp", appAddr); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the sample app did not start")
		}
	}
	out := runJobStep(t, work, bin, strings.ReplaceAll(r.cmds[2], "127.0.0.1:7480", market))
	wantJobReports(t, work, out)
}

// The README's CI job for an app that ships as an image works as written:
// appcert installed as in the job above, the app's image built by
// `docker build` from the folder holding its Dockerfile (the sample app's,
// standing in), and certified with --image. Stand-ins: the image's tag
// (unique on a shared engine), the app's --env settings (the sample app's
// SAMPLEAPP_ names) and the ports.
func TestREADME_CIImageRecipeRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("installs appcert as a release")
	}
	dockertest.Require(t)
	r := readRecipe(t, "### From the app's container image")
	if len(r.cmds) != 3 || r.cmds[0] != installLine || r.env["APPCERT_VERSION"] == "" ||
		r.cmds[1] != "docker build -t acme-app:ci ." || !strings.HasPrefix(r.cmds[2], "appcert certify ") ||
		!strings.Contains(r.cmds[2], "--image acme-app:ci") {
		t.Fatalf("the recipe's commands changed; update this test with them: %q, env %q", r.cmds, r.env)
	}
	envArgs := regexp.MustCompile(`(?: --env \S+)+`)
	if !envArgs.MatchString(r.cmds[2]) {
		t.Fatalf("the recipe's certify line sets no --env: %q", r.cmds[2])
	}
	bin := installFromCheckout(t, r.cmds[0])
	// The app's repository: its Dockerfile beside what it copies.
	work := t.TempDir()
	src := dockertest.SampleAppDir(t)
	for _, name := range []string{"Dockerfile", ".dockerignore", "sampleapp"} {
		b, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(work, name), b, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	market, appAddr := freePort(t), freePort(t)
	recipeManifest(t, work, appAddr)
	k, v := dockertest.Label(t)
	tag := "appcert-recipe-" + strings.ToLower(filepath.Base(work)) + ":ci"
	defer exec.Command("docker", "rmi", "-f", tag).Run()
	runJobStep(t, work, bin, strings.ReplaceAll(r.cmds[1], "acme-app:ci", tag))
	line := strings.ReplaceAll(r.cmds[2], "acme-app:ci", tag+" --label "+k+"="+v)
	line = strings.ReplaceAll(line, "127.0.0.1:7480", market)
	line = envArgs.ReplaceAllString(line, " --env SAMPLEAPP_LISTEN="+appAddr+
		" --env SAMPLEAPP_OAUTH_BASE={oauth_url} --env SAMPLEAPP_CLIENT_ID={client_id} --env SAMPLEAPP_CLIENT_SECRET={client_secret}"+
		" --env SAMPLEAPP_HTTP_AUTH="+certify.SampleHTTPUser+":"+certify.SampleHTTPPassword)
	out := runJobStep(t, work, bin, line)
	wantJobReports(t, work, out)
	if _, err := os.Stat(filepath.Join(work, "appcert-out", "container.log")); err != nil {
		t.Errorf("the job keeps the app's log: %v", err)
	}
	dockertest.RequireNone(t, k, v)
}

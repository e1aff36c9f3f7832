package main

import (
	"bufio"
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// recipeCommands returns the run: commands of the README's CI job.
func recipeCommands(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	i := strings.Index(text, "### 5. Gate CI on it")
	if i < 0 {
		t.Fatal("README has no CI section")
	}
	block := text[i:]
	start := strings.Index(block, "```yaml\n")
	end := strings.Index(block[start+8:], "```")
	var cmds []string
	sc := bufio.NewScanner(strings.NewReader(block[start+8 : start+8+end]))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if cmd, ok := strings.CutPrefix(line, "run: "); ok {
			if j := strings.Index(cmd, " #"); j >= 0 {
				cmd = cmd[:j]
			}
			cmds = append(cmds, strings.TrimSpace(cmd))
		}
	}
	return cmds
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// The README's CI job works as written: its commands run in a fresh
// folder, with appcert installed from this checkout (the released version
// the recipe pins is this code) and the sample app standing in for the
// app's own start script. The run passes and leaves the reports the job
// keeps.
func TestREADME_CIRecipeRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two binaries")
	}
	cmds := recipeCommands(t)
	if len(cmds) != 3 || !regexp.MustCompile(`^go install github\.com/appcert/appcert/cmd/appcert@\S+$`).MatchString(cmds[0]) ||
		cmds[1] != "./start-app.sh &" || !strings.HasPrefix(cmds[2], "appcert certify ") {
		t.Fatalf("the recipe's commands changed; update this test with them: %q", cmds)
	}
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	work, bin := t.TempDir(), t.TempDir()
	build := exec.Command("go", "install", "./cmd/appcert", "./cmd/sampleapp")
	build.Dir, build.Env = repo, append(os.Environ(), "GOBIN="+bin)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go install from the checkout: %v\n%s", err, out)
	}
	// The job's ports, moved to free ones on a shared machine.
	market, appAddr := freePort(t), freePort(t)
	manifest, err := os.ReadFile(filepath.Join(repo, "examples", "sampleapp.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	manifest = []byte(strings.ReplaceAll(string(manifest), "127.0.0.1:8080", appAddr))
	// Schema paths are relative to the manifest, which moves to the job's folder.
	manifest = regexp.MustCompile(`(?m)^(\s*(?:data_schema|schema):\s*)(\S+)`).ReplaceAllFunc(manifest, func(m []byte) []byte {
		sm := regexp.MustCompile(`^(\s*(?:data_schema|schema):\s*)(\S+)`).FindSubmatch(m)
		if filepath.IsAbs(string(sm[2])) {
			return m
		}
		return append(append([]byte{}, sm[1]...), filepath.Join(repo, "examples", string(sm[2]))...)
	})
	if err := os.WriteFile(filepath.Join(work, "app.yaml"), manifest, 0o644); err != nil {
		t.Fatal(err)
	}
	app := exec.Command(filepath.Join(bin, "sampleapp"), "--client-id", "sample-app", "--client-secret", "sample-secret",
		"--http-auth", "appcert:sample-http-pass", "--listen", appAddr, "--oauth-base", "http://"+market)
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
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	line := strings.ReplaceAll(cmds[2], "127.0.0.1:7480", market)
	certify := exec.CommandContext(ctx, "sh", "-c", line)
	certify.Dir = work
	certify.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"), "CI=true")
	out, err := certify.CombinedOutput()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	if err != nil {
		t.Fatalf("%s: %v\n%s", line, err, out)
	}
	for _, f := range []string{"junit.xml", "cucumber.json", "summary.json"} {
		if _, err := os.Stat(filepath.Join(work, "appcert-out", f)); err != nil {
			t.Errorf("the job keeps appcert-out/: %v", err)
		}
	}
	if !strings.Contains(string(out), "passed, 0 failed") {
		t.Errorf("output:\n%s", out)
	}
}

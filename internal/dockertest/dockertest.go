// Package dockertest is what appcert's own tests need to run containers:
// a skip when no Docker engine answers, build folders for the sample app's
// and appcert's images, free ports, and the containers a label names (so
// a test can show that none is left behind).
package dockertest

import (
	"context"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/appcert/appcert/certify/container"
)

// Require skips t with the reason when no Docker engine answers. It sets
// the testcontainers setting of the machines appcert is tested on when
// it is unset: every address is 127.0.0.1 (host network). (Ryuk, the
// reaper, appcert turns off itself.)
func Require(t testing.TB) {
	t.Helper()
	if raceEnabled {
		t.Skip("skipping: the container tests run without the race detector (make unit)")
	}
	if _, ok := os.LookupEnv("TESTCONTAINERS_HOST_OVERRIDE"); !ok {
		os.Setenv("TESTCONTAINERS_HOST_OVERRIDE", "127.0.0.1")
	}
	if err := container.Engine(context.Background()); err != nil {
		t.Skipf("skipping: this test runs containers: %v", err)
	}
}

// Root is the module's root folder.
func Root(t testing.TB) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil || strings.TrimSpace(string(out)) == "" {
		t.Fatalf("finding the module root: %v", err)
	}
	return filepath.Dir(strings.TrimSpace(string(out)))
}

// Main runs a package's tests and then removes the build folders they
// shared: call it from TestMain.
func Main(m *testing.M) int {
	code := m.Run()
	mu.Lock()
	defer mu.Unlock()
	for _, dir := range built {
		os.RemoveAll(dir)
	}
	return code
}

var (
	mu    sync.Mutex
	built = map[string]string{} // by package
)

// BuildDir returns a build folder holding the Dockerfile (and
// .dockerignore) of the module's folder dockerDir and the static binary of
// pkg at binPath inside it, as the Dockerfile expects. The folder is
// built once per test process and shared (builds only read it); Main
// removes it.
func BuildDir(t testing.TB, dockerDir, pkg, binPath string) string {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if dir, ok := built[pkg]; ok {
		return dir
	}
	root := Root(t)
	dir, err := os.MkdirTemp("", "appcert-dockertest-")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"Dockerfile", ".dockerignore"} {
		b, err := os.ReadFile(filepath.Join(root, dockerDir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("go", "build", "-o", filepath.Join(dir, binPath), pkg)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		t.Fatalf("building %s: %v\n%s", pkg, err, out)
	}
	built[pkg] = dir
	return dir
}

// SampleAppDir is a build folder for the sample app's image
// (examples/sampleapp/Dockerfile).
func SampleAppDir(t testing.TB) string {
	t.Helper()
	return BuildDir(t, "examples/sampleapp", "./cmd/sampleapp", "sampleapp")
}

// AppcertDir is a build folder for appcert's own image (Dockerfile).
func AppcertDir(t testing.TB) string {
	t.Helper()
	return BuildDir(t, ".", "./cmd/appcert", "bin/appcert-static")
}

// FreePort returns a loopback port nothing listens on right now, below
// the kernel's ephemeral range: the container binds it a second or more
// later, and in between any listener on port 0 (the tests running beside
// it open hundreds) could be given a port from that range.
func FreePort(t testing.TB) string {
	t.Helper()
	low := 32768 // Linux's default start of the range
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if n, err := strconv.Atoi(f[0]); err == nil && n > 11000 {
				low = n
			}
		}
	}
	for range 100 {
		port := strconv.Itoa(10000 + rand.IntN(low-10000))
		ln, err := net.Listen("tcp", "127.0.0.1:"+port)
		if err != nil {
			continue // taken
		}
		ln.Close()
		return port
	}
	t.Fatalf("no free loopback port between 10000 and %d", low)
	return ""
}

// Label is a label unique to t, to find its containers by: its name,
// and its process, since another run of the same tests (another
// checkout's) may share the engine.
func Label(t testing.TB) (key, value string) {
	return "org.appcert.test", strings.NewReplacer("/", "_", " ", "_").Replace(t.Name()) + "-" + strconv.Itoa(os.Getpid()) + "-" + filepath.Base(t.TempDir())
}

// RequireNone fails t when a container appcert started, or an image it
// built, carries the label.
func RequireNone(t testing.TB, key, value string) {
	t.Helper()
	labels := map[string]string{key: value, container.LabelApp: ""}
	ids, err := container.List(context.Background(), labels)
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) > 0 {
		t.Errorf("%d containers left behind with %s=%s: %v", len(ids), key, value, ids)
	}
	imgs, err := container.ListImages(context.Background(), labels)
	if err != nil {
		t.Fatal(err)
	}
	if len(imgs) > 0 {
		t.Errorf("%d built images left behind with %s=%s: %v", len(imgs), key, value, imgs)
	}
}

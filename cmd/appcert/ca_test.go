package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunCA_PrintsTheSameCertificateEachTime(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ca")
	var out1, out2, errb bytes.Buffer
	if code := runCA(context.Background(), []string{"--dir", dir}, &out1, &errb); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	path := strings.TrimSpace(out1.String())
	first, err := os.ReadFile(path)
	if err != nil || !bytes.Contains(first, []byte("BEGIN CERTIFICATE")) || filepath.Dir(path) != dir {
		t.Fatalf("printed %q: %v", path, err)
	}
	if code := runCA(context.Background(), []string{"--dir", dir}, &out2, &errb); code != exitOK || out2.String() != out1.String() {
		t.Fatalf("second run: exit %d, printed %q", code, out2.String())
	}
	if again, _ := os.ReadFile(path); !bytes.Equal(again, first) {
		t.Error("the second run made a new CA instead of reusing the first")
	}
}

func TestRunCA_UnusableFolderIsASetupErrorNamingIt(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(file, "ca")
	var out, errb bytes.Buffer
	if code := runCA(context.Background(), []string{"--dir", dir}, &out, &errb); code != exitSetup || !strings.Contains(errb.String(), dir) || out.Len() != 0 {
		t.Fatalf("exit %d, stdout %q, stderr %q; want 2 naming %s", code, out.String(), errb.String(), dir)
	}
}

package main

import "testing"

func TestRerunCommand_DropsTheSelectionAndQuotes(t *testing.T) {
	got := rerunCommand([]string{"--manifest", "my app.yaml", "--rule", "PD-EXT-02", "--tags=@x", "--listen", "127.0.0.1:7480", "-tags", "@y", "--out", "out"})
	want := "appcert certify --manifest 'my app.yaml' --listen 127.0.0.1:7480 --out out"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

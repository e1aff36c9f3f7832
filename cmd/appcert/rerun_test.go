package main

import "testing"

func TestRerunCommand_DropsTheSelectionAndQuotes(t *testing.T) {
	got := rerunCommand([]string{"--manifest", "my app.yaml", "--rule", "PD-EXT-02", "--tags=@x", "--listen", "127.0.0.1:7480", "-tags", "@y", "--out", "out"})
	want := "appcert certify --manifest 'my app.yaml' --listen 127.0.0.1:7480 --out out"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// Following the command must not overwrite the run's baseline with the
// rerun rule's failures alone, in either way of writing the flag.
func TestRerunCommand_DropsWriteBaseline(t *testing.T) {
	got := rerunCommand([]string{"--demo", "--write-baseline", "b.yaml", "--fault", "skip-jwt", "-write-baseline=c.yaml", "--baseline", "b.yaml", "--out", "out"})
	want := "appcert certify --demo --fault skip-jwt --baseline b.yaml --out out"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

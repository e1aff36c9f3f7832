package browser

import (
	"errors"
	"strings"
	"testing"
)

func TestFind_ExplicitPathMustExist(t *testing.T) {
	if _, err := Find("/nonexistent/chromium"); err == nil || !strings.Contains(err.Error(), "/nonexistent/chromium") {
		t.Errorf("Find of a missing binary: %v; want an error naming it", err)
	}
}

func TestFind_NothingOnPathSaysHowToGetIt(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := Find("")
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "apt-get install -y chromium") {
		t.Errorf("Find with an empty PATH: %v; want ErrNotFound saying how to install Chromium", err)
	}
}

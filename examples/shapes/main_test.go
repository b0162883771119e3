package main

import (
	"io"
	"strings"
	"testing"
)

// TestShapes trains as `go run ./examples/shapes` does and checks the
// held-out accuracy: at least 95%. With -short, a smaller run on fewer
// images must reach 80%.
func TestShapes(t *testing.T) {
	c := defaults
	want := 0.95
	if testing.Short() {
		c.train, c.val, c.epochs, want = 1200, 300, 4, 0.80
	}
	var log strings.Builder
	acc, err := run(c, &log)
	if err != nil {
		t.Fatal(err)
	}
	if acc < want {
		t.Errorf("held-out accuracy %.2f%%, want at least %.0f%%:\n%s", 100*acc, 100*want, log.String())
	}
	t.Logf("held-out accuracy %.2f%%\n%s", 100*acc, log.String())
}

// TestImages: the same seed draws the same images, and each kind is drawn.
func TestImages(t *testing.T) {
	c := config{seed: 3, train: 40, val: 1, noise: 0.3, show: 40}
	var a, b strings.Builder
	run(c, &a)
	run(c, &b)
	if a.String() != b.String() {
		t.Error("the same seed drew different images")
	}
	for _, k := range kinds {
		if !strings.Contains(a.String(), k+":\n") {
			t.Errorf("no %s among 40 images", k)
		}
	}
	if _, err := run(config{seed: 1, train: 8, val: 8, epochs: 1, batch: 3, lr: 0.01}, io.Discard); err != nil {
		t.Fatal(err)
	}
}

package data

import (
	"strings"
	"testing"
)

func TestWording(t *testing.T) {
	c := &dataCheck{classifier: true, output: []int{1}}
	if want := "softmax over 1 class)"; !strings.HasSuffix(c.yWant(), want) {
		t.Errorf("yWant %q, want it to end %q", c.yWant(), want)
	}
}

package draw

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// browser returns the path of a headless-capable Chromium, or skips.
func browser(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("chromium is not installed (apt-get install chromium): the SVG is not rendered")
	return ""
}

// TestSVGRendersInChromium renders each bundled model's SVG in headless
// Chromium and checks that the screenshot is not blank: it must have both
// the white background and a good share of coloured ink.
func TestSVGRendersInChromium(t *testing.T) {
	bin := browser(t)
	dir := t.TempDir()
	for _, name := range bundled(t) {
		svgPath := filepath.Join(dir, name+".svg")
		if err := os.WriteFile(svgPath, SVG(load(t, name)), 0o644); err != nil {
			t.Fatal(err)
		}
		shot := filepath.Join(dir, name+".png")
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu",
			"--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
			"--hide-scrollbars", "--user-data-dir="+filepath.Join(dir, "profile-"+name),
			"--screenshot="+shot, "--window-size=1600,900", "file://"+svgPath)
		out, err := cmd.CombinedOutput()
		cancel()
		if err != nil {
			t.Fatalf("%s: chromium: %v\n%s", name, err, out)
		}
		f, err := os.Open(shot)
		if err != nil {
			t.Fatalf("%s: no screenshot: %v\n%s", name, err, out)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: screenshot: %v", name, err)
		}
		b := img.Bounds()
		colours := map[[3]uint32]bool{}
		ink := 0
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				r, g, bl, _ := img.At(x, y).RGBA()
				colours[[3]uint32{r >> 8, g >> 8, bl >> 8}] = true
				if r>>8 < 200 || g>>8 < 200 || bl>>8 < 200 {
					ink++
				}
			}
		}
		if len(colours) < 2 {
			t.Errorf("%s: the screenshot is blank (one colour)", name)
		}
		if share := float64(ink) / float64(b.Dx()*b.Dy()); share < 0.002 {
			t.Errorf("%s: the screenshot is nearly blank: %.4f%% ink", name, 100*share)
		}
	}
}

// TestDotRendersInGraphviz runs every bundled model's dot output through
// Graphviz.
func TestDotRendersInGraphviz(t *testing.T) {
	bin, err := exec.LookPath("dot")
	if err != nil {
		t.Skip("graphviz is not installed (apt-get install graphviz): dot output is not checked")
	}
	for _, name := range bundled(t) {
		cmd := exec.Command(bin, "-Tsvg")
		cmd.Stdin = bytes.NewReader(Dot(load(t, name)))
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil || stderr.Len() > 0 {
			t.Errorf("%s: dot -Tsvg: %v\n%s", name, err, stderr.String())
		}
		if !bytes.Contains(stdout.Bytes(), []byte("<svg")) {
			t.Errorf("%s: dot -Tsvg printed no SVG", name)
		}
	}
}

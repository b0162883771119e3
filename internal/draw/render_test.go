package draw

import (
	"bytes"
	"context"
	"html"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cnnc/cnnc/compiler"
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

// layoutScript measures the drawing as Chromium lays it out, with the
// fonts it really has, and lists every text that overlaps another text or
// a box face, or leaves the picture.
const layoutScript = `<pre id="out"></pre><script>
const svg = document.querySelector('svg');
const W = svg.viewBox.baseVal.width, H = svg.viewBox.baseVal.height;
const box = e => { const b = e.getBBox(); return {s: e.textContent, x: b.x, y: b.y, w: b.width, h: b.height}; };
const texts = [...svg.querySelectorAll('text')].map(box), faces = [...svg.querySelectorAll('path.f')].map(box);
const hit = (a, b) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
const out = [];
texts.forEach((a, i) => {
  texts.slice(i + 1).forEach(b => { if (hit(a, b)) out.push('text "' + a.s + '" overlaps text "' + b.s + '"'); });
  faces.forEach(f => { if (hit(a, f)) out.push('text "' + a.s + '" overlaps a box'); });
  if (a.x < 0 || a.y < 0 || a.x + a.w > W || a.y + a.h > H) out.push('text "' + a.s + '" leaves the picture');
});
document.getElementById('out').textContent = 'measured ' + texts.length + ' texts\n' + out.join('\n');
</script>`

// TestLayoutInChromium checks, with the text widths of a real browser,
// that no caption collides with another or with a box, for the bundled
// models and the odd networks.
func TestLayoutInChromium(t *testing.T) {
	bin := browser(t)
	dir := t.TempDir()
	nets := map[string]*compiler.Net{}
	for _, name := range bundled(t) {
		nets[name] = load(t, name)
	}
	for name, src := range odd {
		nets[name] = mustNet(t, "odd.cnn", src)
	}
	result := regexp.MustCompile(`(?s)<pre id="out">(.*?)</pre>`)
	for name, net := range nets {
		page := filepath.Join(dir, "page.html")
		doc := "<!doctype html><html><body style=\"margin:0\">" + string(SVG(net)) + layoutScript + "</body></html>"
		if err := os.WriteFile(page, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		out, err := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu",
			"--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
			"--user-data-dir="+filepath.Join(dir, "profile"), "--dump-dom", "file://"+page).Output()
		cancel()
		if err != nil {
			t.Fatalf("%s: chromium: %v", name, err)
		}
		m := result.FindSubmatch(out)
		if m == nil || !strings.HasPrefix(string(m[1]), "measured ") {
			t.Fatalf("%s: the page did not report its layout:\n%s", name, out)
		}
		lines := strings.Split(strings.TrimSpace(html.UnescapeString(string(m[1]))), "\n")
		if len(lines) > 1 {
			t.Errorf("%s: %s", name, strings.Join(lines[1:], "\n\t"))
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

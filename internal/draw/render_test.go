package draw

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
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

// chromium runs the browser headless with a profile of its own in dir and
// returns what it printed on stdout.
func chromium(t *testing.T, bin, dir string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	profile, err := os.MkdirTemp(dir, "profile")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, bin, append([]string{"--headless", "--no-sandbox", "--disable-gpu",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
		"--hide-scrollbars", "--user-data-dir=" + profile}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, stderr.Bytes())
	}
	return stdout.Bytes()
}

// TestSVGRendersInChromium renders each bundled model's SVG in headless
// Chromium and checks that the screenshot is not blank: it must have both
// the white background and a good share of coloured ink.
func TestSVGRendersInChromium(t *testing.T) {
	bin := browser(t)
	dir := t.TempDir()
	for _, name := range bundled(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			svgPath := filepath.Join(dir, name+".svg")
			if err := os.WriteFile(svgPath, SVG(load(t, name)), 0o644); err != nil {
				t.Fatal(err)
			}
			shot := filepath.Join(dir, name+".png")
			chromium(t, bin, dir, "--screenshot="+shot, "--window-size=1600,900", "file://"+svgPath)
			f, err := os.Open(shot)
			if err != nil {
				t.Fatalf("no screenshot: %v", err)
			}
			img, err := png.Decode(f)
			f.Close()
			if err != nil {
				t.Fatalf("screenshot: %v", err)
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
				t.Errorf("the screenshot is blank (one colour)")
			}
			if share := float64(ink) / float64(b.Dx()*b.Dy()); share < 0.002 {
				t.Errorf("the screenshot is nearly blank: %.4f%% ink", 100*share)
			}
		})
	}
}

// layoutScript measures each drawing on the page as Chromium lays it out,
// with the fonts it really has, and lists every text that overlaps another
// text or a box face, or leaves its picture.
const layoutScript = `<pre id="out"></pre><script>
const out = [];
let n = 0;
for (const div of document.querySelectorAll('div[title]')) {
  const svg = div.querySelector('svg'), name = div.title;
  const W = svg.viewBox.baseVal.width, H = svg.viewBox.baseVal.height;
  const box = e => { const b = e.getBBox(); return {s: e.textContent, x: b.x, y: b.y, w: b.width, h: b.height}; };
  const texts = [...svg.querySelectorAll('text')].map(box), faces = [...svg.querySelectorAll('path.f')].map(box);
  const hit = (a, b) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
  n += texts.length;
  texts.forEach((a, i) => {
    texts.slice(i + 1).forEach(b => { if (hit(a, b)) out.push(name + ': text "' + a.s + '" overlaps text "' + b.s + '"'); });
    faces.forEach(f => { if (hit(a, f)) out.push(name + ': text "' + a.s + '" overlaps a box'); });
    if (a.x < 0 || a.y < 0 || a.x + a.w > W || a.y + a.h > H) out.push(name + ': text "' + a.s + '" leaves the picture');
  });
}
document.getElementById('out').textContent = 'measured ' + n + ' texts\n' + out.join('\n');
</script>`

// TestLayoutInChromium checks, with the text widths of a real browser,
// that no caption collides with another or with a box, for the bundled
// models and the odd networks, all on one page.
func TestLayoutInChromium(t *testing.T) {
	bin := browser(t)
	dir := t.TempDir()
	var page strings.Builder
	page.WriteString("<!doctype html><html><body>")
	for _, name := range bundled(t) {
		fmt.Fprintf(&page, "<div title=%q>%s</div>", name, SVG(load(t, name)))
	}
	for name, src := range odd {
		fmt.Fprintf(&page, "<div title=%q>%s</div>", name, SVG(mustGraph(t, "odd.cnn", src)))
	}
	page.WriteString(layoutScript + "</body></html>")
	path := filepath.Join(dir, "page.html")
	if err := os.WriteFile(path, []byte(page.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	out := chromium(t, bin, dir, "--dump-dom", "file://"+path)
	m := regexp.MustCompile(`(?s)<pre id="out">(.*?)</pre>`).FindSubmatch(out)
	if m == nil || !strings.HasPrefix(string(m[1]), "measured ") || strings.HasPrefix(string(m[1]), "measured 0 ") {
		t.Fatalf("the page did not report its layout:\n%s", out)
	}
	for _, line := range strings.Split(strings.TrimSpace(html.UnescapeString(string(m[1]))), "\n")[1:] {
		t.Error(line)
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

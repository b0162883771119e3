package runner

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/cnnc/cnnc/runtime"
)

// reporter prints a training run's progress: on a terminal, a progress bar
// redrawn in place (at most ten times a second) that each epoch's line
// replaces when it ends; elsewhere, only the epoch lines.
type reporter struct {
	w          io.Writer
	terminal   bool
	classifier bool
	epochs     int
	began      time.Time
	drawn      time.Time // when the bar was last drawn
	bar        bool      // a bar is on the screen
	steps      int       // steps of the current epoch done
}

func newReporter(w io.Writer, classifier bool, epochs int) *reporter {
	return &reporter{w: w, terminal: isTerminal(w), classifier: classifier, epochs: epochs}
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func (r *reporter) start(train, val *Data, c Config) {
	r.began = time.Now()
	held := "no validation set"
	if val != nil {
		held = fmt.Sprintf("%d held out", val.N)
	}
	steps := (train.N + c.Batch - 1) / c.Batch
	augmented := ""
	if c.Augment != nil {
		augmented = ", augmented by " + c.Augment.String()
	}
	fmt.Fprintf(r.w, "training on %s (%s): %s of %s, batch %d, %s%s\n",
		plural(train.N, "sample"), held, plural(c.Epochs, "epoch"), plural(steps, "step"), min(c.Batch, train.N), describe(c.Optimizer, c.Schedule), augmented)
}

func (r *reporter) step(s Step) {
	r.steps = s.Step
	if !r.terminal {
		return
	}
	now := time.Now()
	if s.Step < s.Steps && now.Sub(r.drawn) < 100*time.Millisecond {
		return
	}
	r.drawn = now
	const width = 24
	fill := width * s.Done / s.N
	bar := []byte(strings.Repeat("=", fill) + strings.Repeat(" ", width-fill))
	if fill < width {
		bar[fill] = '>'
	}
	rate := float64(s.Done) / max(s.Elapsed.Seconds(), 1e-9)
	fmt.Fprintf(r.w, "\r\x1b[Kepoch %*d/%d [%s] %3d%%  loss %.4f  %s samples/s",
		len(fmt.Sprint(s.Epochs)), s.Epoch, s.Epochs, bar, 100*s.Done/s.N, s.Loss, groupThousands(int(rate)))
	r.bar = true
}

// epoch prints one line for the epoch that ended, in place of the bar.
func (r *reporter) epoch(e Epoch) {
	r.steps = 0
	r.finish()
	fmt.Fprintln(r.w, epochLine(e, r.epochs, r.classifier))
}

// epochLine formats an epoch's figures for a person:
//
//	epoch  3/20  loss 0.1234  acc  96.52%  val loss 0.1456  val acc  95.83%  lr 0.05  1.20s
func epochLine(e Epoch, epochs int, classifier bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "epoch %*d/%d  loss %.4f", len(fmt.Sprint(epochs)), e.Epoch, epochs, e.Train.Loss)
	if classifier {
		fmt.Fprintf(&b, "  acc %6.2f%%", 100*e.Train.Accuracy)
	}
	if e.Val != nil {
		fmt.Fprintf(&b, "  val loss %.4f", e.Val.Loss)
		if classifier {
			fmt.Fprintf(&b, "  val acc %6.2f%%", 100*e.Val.Accuracy)
		}
	}
	fmt.Fprintf(&b, "  lr %.4g  %.2fs", e.LR, e.Seconds)
	return b.String()
}

// finish clears the bar.
func (r *reporter) finish() {
	if r.bar {
		fmt.Fprint(r.w, "\r\x1b[K")
		r.bar = false
	}
}

// summary prints the last epoch's validation results, the time taken and
// where the weights went.
func (r *reporter) summary(history []Epoch, out string) {
	if len(history) > 0 {
		last := history[len(history)-1]
		switch {
		case last.Val != nil && r.classifier:
			fmt.Fprintf(r.w, "validation accuracy %.2f%% (loss %.4f) after %s\n", 100*last.Val.Accuracy, last.Val.Loss, plural(last.Epoch, "epoch"))
		case last.Val != nil:
			fmt.Fprintf(r.w, "validation loss %.4g after %s\n", last.Val.Loss, plural(last.Epoch, "epoch"))
		}
	}
	fmt.Fprintf(r.w, "trained for %.1fs; weights written to %s\n", time.Since(r.began).Seconds(), out)
}

// plural writes n and the noun, with an s (es after s) unless n is 1.
func plural(n int, noun string) string {
	switch {
	case n == 1:
		return "1 " + noun
	case strings.HasSuffix(noun, "s"):
		return fmt.Sprintf("%d %ses", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// groupThousands writes n with commas: 12345 gives "12,345".
func groupThousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// jsonLog writes one JSON object per epoch, a line each.
type jsonLog struct {
	f *os.File
	w *bufio.Writer
}

func createLog(path string) (*jsonLog, error) {
	f, err := runtime.CreateOutput(path, 0o644)
	if err != nil {
		return nil, err
	}
	return &jsonLog{f: f, w: bufio.NewWriter(f)}, nil
}

// write appends e and flushes it, so that the log can be followed while
// training runs.
func (l *jsonLog) write(e Epoch) error {
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	l.w.Write(data)
	l.w.WriteByte('\n')
	return l.w.Flush()
}

func (l *jsonLog) close() error { return l.f.Close() }

// MarshalJSON writes the epoch as the log's object, for example
//
//	{"epoch":3,"steps":45,"lr":0.05,"batch_loss":0.17,"train_loss":0.12,"train_acc":0.9652,"val_loss":0.15,"val_acc":0.9583,"seconds":1.2}
//
// leaving out the accuracies of a network that does not end in softmax and
// the validation figures of a run without a validation set. A loss that
// diverged to NaN or infinity, which JSON cannot write, is null.
func (e Epoch) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	fmt.Fprintf(&b, `{"epoch":%d,"steps":%d`, e.Epoch, e.Steps)
	field := func(name string, v float64) {
		text := "null"
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			text = strconv.FormatFloat(v, 'g', -1, 64)
		}
		fmt.Fprintf(&b, ",%q:%s", name, text)
	}
	metrics := func(prefix string, m Metrics) {
		field(prefix+"_loss", m.Loss)
		if !math.IsNaN(m.Accuracy) {
			field(prefix+"_acc", m.Accuracy)
		}
	}
	field("lr", e.LR)
	field("batch_loss", e.BatchLoss)
	metrics("train", e.Train)
	if e.Val != nil {
		metrics("val", *e.Val)
	}
	field("seconds", math.Round(e.Seconds*1000)/1000)
	b.WriteString("}")
	return []byte(b.String()), nil
}

package runner

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/cnnc/cnnc/runtime"
)

// A checkpoint folder (--checkpoint DIR) holds, after epoch E:
//
//	checkpoint.json    what the run is and where it stands (checkpointMeta)
//	weights-E.npz      the parameters and buffers, a state_dict (cnnc eval and run load it)
//	optimizer-E.npz    the optimiser's state, PyTorch's layout: NAME.momentum_buffer,
//	                   or NAME.exp_avg and NAME.exp_avg_sq (runtime.Learner)
//
// Each file is written to a temporary name and renamed into place, the two
// .npz files first: checkpoint.json always names complete files, those of
// the last epoch it records. The files of the epoch before are removed
// after it.
const (
	checkpointName   = "checkpoint.json"
	checkpointFormat = "cnnc checkpoint 1"
)

// checkpointMeta is checkpoint.json.
type checkpointMeta struct {
	Format    string `json:"format"`
	Epoch     int    `json:"epoch"`   // epochs completed
	Step      int    `json:"step"`    // steps taken over the run
	RNG       uint64 `json:"rng"`     // the data order's generator (runtime.Rand.State)
	Weights   string `json:"weights"` // file names in the folder
	Optimizer string `json:"optimizer"`
	// OptimizerSteps counts the optimiser's steps since its state was zero.
	OptimizerSteps int64  `json:"optimizer_steps"`
	Run            runKey `json:"run"`
	Threads        int    `json:"threads"` // the workers that computed it
	// History holds the epochs' figures, as the log writes them.
	History []Epoch `json:"history"`
}

// runKey is what a resumed run must share with the run that made the
// checkpoint for it to continue that run exactly.
type runKey struct {
	Optimizer runtime.Optimizer `json:"optimizer"`
	Schedule  runtime.Schedule  `json:"schedule"`
	Batch     int               `json:"batch"`
	Seed      uint64            `json:"seed"`
	Samples   int               `json:"samples"`    // training samples
	Held      int               `json:"held"`       // held-out samples
	Data      string            `json:"data"`       // fingerprint of the training samples (dataFingerprint)
	Classes   bool              `json:"classifier"` // labels rather than targets
	// The augmentation: missing (none) in checkpoints made before it.
	CropPad int  `json:"crop_pad,omitempty"`
	HFlip   bool `json:"hflip,omitempty"`
}

// checkCheckpoint adds to bad what is wrong with --checkpoint and --resume.
func (o *TrainOptions) checkCheckpoint(bad func(format string, args ...any)) {
	if o.Resume && o.Checkpoint == "" {
		bad("--resume: want --checkpoint DIR, the folder of the run to continue")
	}
	if o.Resume && o.Weights != "" {
		bad("--resume and --weights: a resumed run starts from its checkpoint's weights")
	}
	if o.Checkpoint == "-" || runtime.IsStdin(o.Checkpoint) {
		bad("--checkpoint %s: want a folder", o.Checkpoint)
	}
}

// checkCheckpointDir returns an error if --checkpoint names something
// other than a folder (or nothing yet).
func (o *TrainOptions) checkCheckpointDir() error {
	if o.Checkpoint == "" {
		return nil
	}
	info, err := os.Stat(o.Checkpoint)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !info.IsDir() {
		return &runtime.FileError{File: o.Checkpoint, Msg: "--checkpoint: is not a folder", Err: runtime.ErrOutputPath}
	}
	return nil
}

// checkpoint is a checkpoint read back for --resume.
type checkpoint struct {
	meta           checkpointMeta
	path           string // checkpoint.json
	weightsPath    string
	weights, optim []*runtime.Array
}

// readCheckpoint reads the checkpoint in dir: its checkpoint.json and the
// two files it names.
func readCheckpoint(dir string) (*checkpoint, error) {
	c := &checkpoint{path: filepath.Join(dir, checkpointName)}
	raw, err := os.ReadFile(c.path)
	if err != nil {
		return nil, err
	}
	bad := func(format string, args ...any) error {
		return &runtime.FileError{File: c.path, Msg: fmt.Sprintf(format, args...)}
	}
	if err := json.Unmarshal(raw, &c.meta); err != nil {
		return nil, bad("%v", err)
	}
	m := &c.meta
	if m.Format != checkpointFormat {
		return nil, bad("format %q: want %q", m.Format, checkpointFormat)
	}
	if m.Epoch < 1 || m.Step < m.Epoch || len(m.History) != m.Epoch || m.OptimizerSteps < 0 {
		return nil, bad("epoch %d, step %d, %d epochs of history, %d optimiser steps: these do not fit together",
			m.Epoch, m.Step, len(m.History), m.OptimizerSteps)
	}
	for _, name := range []string{m.Weights, m.Optimizer} {
		if name == "" || filepath.Base(name) != name {
			return nil, bad("names the file %q: want a file name in the folder", name)
		}
	}
	if err := m.Run.Optimizer.Check(); err != nil {
		return nil, bad("%v", err)
	}
	if err := m.Run.Schedule.Check(); err != nil {
		return nil, bad("%v", err)
	}
	c.weightsPath = filepath.Join(dir, m.Weights)
	if c.weights, err = runtime.ReadArrays(c.weightsPath); err != nil {
		return nil, err
	}
	if c.optim, err = runtime.ReadArrays(filepath.Join(dir, m.Optimizer)); err != nil {
		return nil, err
	}
	return c, nil
}

// optimPath is the optimiser file's path, for messages.
func (c *checkpoint) optimPath() string { return filepath.Join(filepath.Dir(c.path), c.meta.Optimizer) }

// runKey returns the key of the run the options describe on train (and
// val, which may be nil).
func (o *TrainOptions) runKey(train, val *Data) runKey {
	k := runKey{Optimizer: o.optimizer(), Schedule: o.schedule(o.Epochs), Batch: o.Batch, Seed: o.Seed,
		Samples: train.N, Data: dataFingerprint(train), Classes: train.Labels != nil,
		CropPad: o.CropPad, HFlip: o.HFlip}
	if val != nil {
		k.Held = val.N
	}
	return k
}

// differences lists, as flags, how run k differs from the checkpoint's c.
func (k runKey) differences(c runKey) []string {
	var d []string
	differ := func(what string, got, want any) {
		if got != want {
			d = append(d, fmt.Sprintf("%s: %v, the checkpoint's run had %v", what, got, want))
		}
	}
	if k.Optimizer != c.Optimizer {
		d = append(d, fmt.Sprintf("the optimiser (--optim, --lr, --momentum, --betas, --eps, --weight-decay): %s, the checkpoint's run had %s",
			describe(k.Optimizer, runtime.Schedule{}), describe(c.Optimizer, runtime.Schedule{})))
	}
	if k.Schedule != c.Schedule {
		d = append(d, fmt.Sprintf("the schedule (--schedule, --lr-step, --lr-gamma, --t-max, --eta-min, --warmup): %s, the checkpoint's run had %s",
			scheduleText(k.Schedule), scheduleText(c.Schedule)))
	}
	differ("--batch", k.Batch, c.Batch)
	differ("--seed", k.Seed, c.Seed)
	differ("training samples", k.Samples, c.Samples)
	differ("held-out samples", k.Held, c.Held)
	if k.Samples == c.Samples && k.Data != c.Data {
		d = append(d, "the training samples (--data, --val, --normalize, --mean, --std) differ from the checkpoint's run's")
	}
	differ("labels", k.Classes, c.Classes)
	differ("--crop-pad", k.CropPad, c.CropPad)
	differ("--hflip", k.HFlip, c.HFlip)
	return d
}

// scheduleText describes s for messages.
func scheduleText(s runtime.Schedule) string {
	text := strings.TrimPrefix(describe(runtime.Optimizer{}, s), "sgd lr 0, ")
	if text == "sgd lr 0" {
		return "constant"
	}
	return text
}

// dataFingerprint hashes d's samples and labels or targets (FNV-1a,
// 64 bits), so that a resumed run can tell that it trains on the same data.
func dataFingerprint(d *Data) string {
	h := fnv.New64a()
	var b [8]byte
	buf := make([]byte, 0, 1<<16)
	flush := func() {
		h.Write(buf)
		buf = buf[:0]
	}
	put := func(v uint32) {
		if len(buf)+4 > cap(buf) {
			flush()
		}
		buf = binary.LittleEndian.AppendUint32(buf, v)
	}
	for _, v := range d.X {
		put(math.Float32bits(v))
	}
	for _, l := range d.Labels {
		put(uint32(l))
	}
	for _, v := range d.Targets {
		put(math.Float32bits(v))
	}
	flush()
	binary.LittleEndian.PutUint64(b[:], uint64(d.N))
	h.Write(b[:])
	return fmt.Sprintf("%016x", h.Sum64())
}

// readResume reads --checkpoint's checkpoint for --resume, checks that the
// run the options describe on train and val is the one it continues, and
// passes its weights to setParams.
func (o *TrainOptions) readResume(train, val *Data, setParams func(file string, arrays []*runtime.Array) error) (*checkpoint, error) {
	c, err := readCheckpoint(o.Checkpoint)
	if err != nil {
		return nil, err
	}
	if d := o.runKey(train, val).differences(c.meta.Run); len(d) > 0 {
		return nil, usagef("--resume: this run is not the one %s continues:\n%s", c.path, strings.Join(d, "\n"))
	}
	if err := setParams(c.weightsPath, c.weights); err != nil {
		return nil, err
	}
	return c, nil
}

// ckptWriter writes a session's checkpoints.
type ckptWriter struct {
	l       runtime.Learner
	key     runKey
	threads int
	prev    []string // the files of the checkpoint before, to remove
}

// checkpoints sets c up to resume from the checkpoint Prepare read
// (--resume) and to write one after every epoch (--checkpoint).
func (s *session) checkpoints(c *Config) error {
	if s.o.Checkpoint == "" {
		return nil
	}
	l := s.m
	threads := s.o.Threads
	if threads == 0 {
		threads = runtime.Threads()
	}
	s.ckpt = ckptWriter{l: l, key: s.o.runKey(s.train, s.val), threads: threads}
	if ck := s.o.resume; ck != nil {
		m := &ck.meta
		if err := l.SetOptimizerState(ck.optimPath(), m.Run.Optimizer, m.OptimizerSteps, ck.optim); err != nil {
			return err
		}
		c.Resume = &Progress{Epoch: m.Epoch, Step: m.Step, RNG: m.RNG, History: m.History}
		s.ckpt.prev = []string{m.Weights, m.Optimizer}
		fmt.Fprintf(s.stdout, "resuming from %s after %s of %d\n", ck.path, plural(m.Epoch, "epoch"), s.o.Epochs)
		if m.Threads != threads {
			fmt.Fprintf(s.stderr, "cnnc train: the checkpoint was made on %d threads, this run has %d: its last digits may differ from a run that did not stop\n", m.Threads, threads)
		}
	}
	if err := os.MkdirAll(s.o.Checkpoint, 0o755); err != nil {
		return err
	}
	c.OnCheckpoint = s.writeCheckpoint
	return nil
}

// writeCheckpoint writes the checkpoint of p to --checkpoint's folder.
func (s *session) writeCheckpoint(p Progress) error {
	dir := s.o.Checkpoint
	w := &s.ckpt
	_, steps, state := w.l.OptimizerState()
	m := checkpointMeta{Format: checkpointFormat, Epoch: p.Epoch, Step: p.Step, RNG: p.RNG,
		Weights: fmt.Sprintf("weights-%d.npz", p.Epoch), Optimizer: fmt.Sprintf("optimizer-%d.npz", p.Epoch),
		OptimizerSteps: steps, Run: w.key, Threads: w.threads, History: p.History}
	if err := runtime.WriteArrays(filepath.Join(dir, m.Weights), s.m.Params()); err != nil {
		return err
	}
	if err := runtime.WriteArrays(filepath.Join(dir, m.Optimizer), state); err != nil {
		return err
	}
	text, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := runtime.WriteFileAtomic(filepath.Join(dir, checkpointName), append(text, '\n'), 0o644); err != nil {
		return err
	}
	for _, f := range w.prev {
		if f != m.Weights && f != m.Optimizer {
			os.Remove(filepath.Join(dir, f))
		}
	}
	w.prev = []string{m.Weights, m.Optimizer}
	return nil
}

// UnmarshalJSON reads an epoch as MarshalJSON writes it (the log's
// objects, a checkpoint's history): a null loss is NaN, missing
// accuracies are NaN, missing validation figures no Val.
func (e *Epoch) UnmarshalJSON(b []byte) error {
	var v struct {
		Epoch     int      `json:"epoch"`
		Steps     int      `json:"steps"`
		LR        *float64 `json:"lr"`
		BatchLoss *float64 `json:"batch_loss"`
		TrainLoss *float64 `json:"train_loss"`
		TrainAcc  *float64 `json:"train_acc"`
		ValLoss   *float64 `json:"val_loss"`
		ValAcc    *float64 `json:"val_acc"`
		Seconds   *float64 `json:"seconds"`
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		return err
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	num := func(p *float64) float64 {
		if p == nil {
			return math.NaN()
		}
		return *p
	}
	*e = Epoch{Epoch: v.Epoch, Steps: v.Steps, LR: num(v.LR), BatchLoss: num(v.BatchLoss),
		Train: Metrics{Loss: num(v.TrainLoss), Accuracy: num(v.TrainAcc)}, Seconds: num(v.Seconds)}
	if _, ok := fields["val_loss"]; ok {
		e.Val = &Metrics{Loss: num(v.ValLoss), Accuracy: num(v.ValAcc)}
	}
	return nil
}

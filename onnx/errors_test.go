package onnx

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/cnnc/cnnc/ir"
)

// A small protobuf writer for hand-made models.

type pb []byte

func (b pb) bytes(num protowire.Number, v []byte) pb {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, v)
}

func (b pb) str(num protowire.Number, s string) pb { return b.bytes(num, []byte(s)) }

func (b pb) varint(num protowire.Number, v uint64) pb {
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, v)
}

func node(op string, ins, outs []string, attrs ...pb) pb {
	var n pb
	for _, in := range ins {
		n = n.str(1, in)
	}
	for _, out := range outs {
		n = n.str(2, out)
	}
	n = n.str(3, op+"_"+outs[0]).str(4, op)
	for _, a := range attrs {
		n = n.bytes(5, a)
	}
	return n
}

// valueInfo is a float tensor [dims...] (0 for a named dimension).
func valueInfo(name string, dims ...int64) pb {
	var shape pb
	for _, d := range dims {
		if d == 0 {
			shape = shape.bytes(1, pb(nil).str(2, "n"))
		} else {
			shape = shape.bytes(1, pb(nil).varint(1, uint64(d)))
		}
	}
	tensor := pb(nil).varint(1, typeFloat).bytes(2, shape)
	return pb(nil).str(1, name).bytes(2, pb(nil).bytes(1, tensor))
}

// floatTensor is a float initializer with raw data.
func floatTensor(name string, dims []int64, values []float32) pb {
	var t pb
	for _, d := range dims {
		t = t.varint(1, uint64(d))
	}
	raw := make([]byte, 4*len(values))
	for i, v := range values {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
	}
	return t.varint(2, typeFloat).str(8, name).bytes(9, raw)
}

// model wraps graph parts into a ModelProto of opset 13.
func model(parts ...func(pb) pb) []byte {
	var g pb
	for _, p := range parts {
		g = p(g)
	}
	return pb(nil).varint(1, 7).str(2, "test").bytes(7, g).bytes(8, pb(nil).str(1, "").varint(2, 13))
}

func withNodes(ns ...pb) func(pb) pb {
	return func(g pb) pb {
		for _, n := range ns {
			g = g.bytes(1, n)
		}
		return g
	}
}

func inits(ts ...pb) func(pb) pb {
	return func(g pb) pb {
		for _, t := range ts {
			g = g.bytes(5, t)
		}
		return g
	}
}

func ports(in, out pb) func(pb) pb {
	return func(g pb) pb { return g.bytes(11, in).bytes(12, out) }
}

func importBytes(t *testing.T, data []byte, dir string, opt Options) error {
	t.Helper()
	m, err := Decode("m.onnx", data, dir)
	if err != nil {
		return err
	}
	_, err = Import(m, opt)
	return err
}

func wantError(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one saying %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not say %q", err, p)
		}
	}
}

// relu is a model of one Relu on a 1x2x4x4 input.
func relu(dims ...int64) []byte {
	if dims == nil {
		dims = []int64{1, 2, 4, 4}
	}
	return model(withNodes(node("Relu", []string{"x"}, []string{"y"})), ports(valueInfo("x", dims...), valueInfo("y", dims...)))
}

func TestMalformed(t *testing.T) {
	huge := pb(nil).varint(1, 7)
	huge = protowire.AppendTag(huge, 7, protowire.BytesType)
	huge = protowire.AppendVarint(huge, 1<<40)
	group := protowire.AppendTag(nil, 7, protowire.StartGroupType)
	cycle := model(withNodes(node("Relu", []string{"b"}, []string{"a"}), node("Relu", []string{"a"}, []string{"b"})),
		ports(valueInfo("x", 1, 2, 4, 4), valueInfo("b", 1, 2, 4, 4)))
	bigDims := model(withNodes(node("Conv", []string{"x", "w"}, []string{"y"})),
		inits(floatTensor("w", []int64{1 << 40, 1 << 40}, []float32{1})), ports(valueInfo("x", 1, 2, 4, 4), valueInfo("y", 1, 2, 4, 4)))
	shortData := model(withNodes(node("Conv", []string{"x", "w"}, []string{"y"})),
		inits(floatTensor("w", []int64{2, 2, 3, 3}, []float32{1, 2})), ports(valueInfo("x", 1, 2, 4, 4), valueInfo("y", 1, 2, 2, 2)))
	// b is read by two blocks: Add(a, b) and Add(Add(a, b), b).
	acrossBlocks := model(withNodes(node("Relu", []string{"x"}, []string{"a"}), node("Relu", []string{"a"}, []string{"b"}),
		node("Add", []string{"a", "b"}, []string{"c"}), node("Add", []string{"c", "b"}, []string{"d"})),
		ports(valueInfo("x", 1, 2, 4, 4), valueInfo("d", 1, 2, 4, 4)))
	for _, c := range []struct {
		name string
		data []byte
		want []string
	}{
		{"empty", nil, []string{"no graph"}},
		{"huge length", huge, []string{"byte 3", "declares 1099511627776 bytes but 0 bytes remain"}},
		{"group", group, []string{"wire type 3"}},
		{"truncated", relu()[:40], []string{"m.onnx: byte"}},
		{"cycle", cycle, []string{"cycle"}},
		{"huge dimensions", bigDims, []string{`tensor "w"`, "more than 2^31 values"}},
		{"short data", shortData, []string{`tensor "w"`, "8 bytes of data", "(144 bytes)"}},
		{"no opset", pb(nil).bytes(7, nil), []string{"no opset"}},
		{"open shape", relu(0, 2, 0, 4), []string{"leaves the input's height open", "--input"}},
		{"across blocks", acrossBlocks, []string{"not a chain of layers, residual and concat blocks", `node "Relu_b" (Relu, input "a")`}},
		{"too large", relu(1, 1024, 2048, 2048), []string{"beyond what cnnc compiles"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := importBytes(t, c.data, "", Options{})
			wantError(t, err, c.want...)
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Errorf("%T, want a *FormatError", err)
			}
		})
	}
}

// TestInputShape fills an open input shape from --input and refuses one
// that disagrees with the model.
func TestInputShape(t *testing.T) {
	if err := importBytes(t, relu(0, 2, 0, 0), "", Options{Input: &ir.Shape{H: 5, W: 6, C: 2}}); err != nil {
		t.Fatal(err)
	}
	err := importBytes(t, relu(), "", Options{Input: &ir.Shape{H: 5, W: 4, C: 2}})
	wantError(t, err, "fixes the input's height at 4, but --input gives 5")
}

// TestUnsupported wants every node cnnc cannot map listed at once, with
// its op type and inputs.
func TestUnsupported(t *testing.T) {
	m, err := ReadFile(filepath.Join("testdata", "unsupported.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Import(m, Options{})
	var u *UnsupportedError
	if !errors.As(err, &u) {
		t.Fatalf("%v, want an *UnsupportedError", err)
	}
	for _, want := range []string{`(Abs, input "/conv/Conv_output_0"): cnnc has no Abs layer`, `(Elu, input "/Abs_output_0")`, "(Pad, ", "(Slice, ", `(Mul, inputs "/Elu_output_0", `} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not list %s:\n%v", want, err)
		}
	}
}

// TestExternalData reads weights from a file beside the model, and
// refuses locations outside the model's folder.
func TestExternalData(t *testing.T) {
	r := importFixture(t, filepath.Join("testdata", "external", "convs.onnx"))
	x, y := readXY(t, filepath.Join("testdata", "convs.npz"))
	compareOutputs(t, runInterp(t, r, x), y.F64, 1e-9)

	dir := t.TempDir()
	outside := filepath.Join(t.TempDir(), "secret.bin")
	if err := os.WriteFile(outside, make([]byte, 4*2*2*3*3), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "link.bin")); err != nil {
		t.Fatal(err)
	}
	ext := func(loc string) []byte {
		w := floatTensor("w", []int64{2, 2, 3, 3}, nil)
		w = w.varint(14, 1).bytes(13, pb(nil).str(1, "location").str(2, loc))
		return model(withNodes(node("Conv", []string{"x", "w"}, []string{"y"})), inits(w),
			ports(valueInfo("x", 1, 2, 4, 4), valueInfo("y", 1, 2, 2, 2)))
	}
	for loc, want := range map[string]string{
		"../secret.bin": "leads out of the model's folder",
		outside:         "is an absolute path",
		"link.bin":      "leads out of the model's folder",
		"missing.bin":   "no such file",
	} {
		wantError(t, importBytes(t, ext(loc), dir, Options{}), `tensor "w": external data`, want)
	}
	wantError(t, importBytes(t, ext("w.bin"), "", Options{}), "not read from a file")
}

// TestTruncations imports every prefix of a fixture: each is an error,
// none a panic.
func TestTruncations(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "convs.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	for n := range len(data) {
		if importBytes(t, data[:n], "", Options{}) == nil {
			t.Fatalf("the first %d of %d bytes import without error", n, len(data))
		}
	}
}

// TestManyReaders imports a graph whose values are read by tens of
// thousands of nodes, each unsupported: the error lists the first 1,000,
// and the work stays linear (the pattern search looks at a value's
// readers only until it finds a second one).
func TestManyReaders(t *testing.T) {
	const n = 30000
	sqrt2 := floatTensor("sqrt2", nil, []float32{math.Sqrt2})
	ns := []pb{node("Relu", []string{"x"}, []string{"a"}), node("Div", []string{"a", "sqrt2"}, []string{"u"}),
		node("Erf", []string{"u"}, []string{"e"})}
	sum := "a"
	for i := range n {
		m := "m" + strconv.Itoa(i)
		ns = append(ns, node("Mul", []string{"a", "e"}, []string{m}), node("Add", []string{sum, m}, []string{"s" + m}))
		sum = "s" + m
	}
	data := model(withNodes(ns...), inits(sqrt2), ports(valueInfo("x", 1, 2, 4, 4), valueInfo(sum, 1, 2, 4, 4)))
	start := time.Now()
	err := importBytes(t, data, "", Options{})
	var u *UnsupportedError
	if !errors.As(err, &u) || len(u.Nodes) != n+2 {
		t.Fatalf("%.200v, want %d unsupported nodes", err, n+2)
	}
	if !strings.HasSuffix(err.Error(), fmt.Sprintf("and %d more", n+2-1000)) {
		t.Errorf("the message does not end with how many more nodes there are")
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("%d nodes took %v", len(ns), d)
	}
}

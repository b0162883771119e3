package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/cnnc/cnnc/ir"
	"github.com/cnnc/cnnc/onnx"
	"github.com/cnnc/cnnc/runtime"
)

const importDoc = `Import reads an ONNX model (opsets 9 to 17, weights inline or in external
data files beside it) and writes the .cnn file that computes the same
network, and its weights. The file is named -o (by default FILE with the
extension .cnn, beside it; - for stdout), the weights --weights-out (.npz
or .safetensors; by default the .cnn file's name with .npz, none when the
file goes to stdout). Layers named by PyTorch keep their names, so that a
state_dict loads into the file as well. A model whose input height, width
or channels are not fixed needs --input HxWxC. Nodes cnnc cannot map are
listed, all of them, with their operator and inputs, and exit status 1.`

func init() {
	commands = append(commands, command{"import", "[-o MODEL.cnn] [--weights-out W.npz] [--name N] [--input HxWxC] FILE.onnx", "write the .cnn file and weights of an ONNX model", runImport})
}

func runImport(e *env, args []string) int {
	flags := newFlags(e, "import", "[-o MODEL.cnn] [--weights-out W.npz|W.safetensors] [--name N] [--input HxWxC] FILE.onnx", importDoc)
	out := flags.String("o", "", "the .cnn `file` to write, or - for stdout")
	weights := flags.String("weights-out", "", "the weights `file` to write: .npz or .safetensors")
	name := flags.String("name", "", "the model's `name` (by default FILE's base name)")
	input := flags.String("input", "", "the input's `HxWxC` where the model leaves it open")
	files, status, ok := parseFlags(flags, args)
	if !ok {
		return status
	}
	fail := func(status int, format string, args ...any) int {
		fmt.Fprintf(e.stderr, "cnnc import: "+format+"\n", args...)
		return status
	}
	if len(files) != 1 {
		return fail(exitUsage, "want exactly one ONNX file, got %d", len(files))
	}
	var opt onnx.Options
	if *name != "" && !modelNameRE.MatchString(*name) {
		return fail(exitUsage, "--name %q is not a model name: letters, digits and _, not starting with a digit", *name)
	}
	opt.Name = *name
	if *input != "" {
		s, err := parseHWC(*input)
		if err != nil {
			return fail(exitUsage, "--input: %v", err)
		}
		opt.Input = &s
	}
	src := files[0]
	if !runtime.IsStdin(src) {
		// A missing input is named before the outputs derived from it.
		if info, err := os.Stat(src); err != nil {
			return fail(exitUsage, "%v", err)
		} else if info.IsDir() {
			return fail(exitUsage, "%s: is a directory", src)
		}
	}
	dest, wdest := importOutputs(src, *out, *weights)
	outputs := []runtime.NamedPath{{Name: "-o", Path: dest}}
	if wdest != "" {
		if err := runtime.CheckArraysPath(wdest); err != nil {
			return fail(exitUsage, "--weights-out: %v", err)
		}
		outputs = append(outputs, runtime.NamedPath{Name: "--weights-out", Path: wdest})
	}
	if dest == "-" {
		outputs = outputs[1:]
	}
	if err := runtime.CheckOutputs([]runtime.NamedPath{{Name: "the ONNX file", Path: src}}, outputs); err != nil {
		return fail(exitUsage, "%v", err)
	}
	for _, o := range outputs {
		if err := runtime.CheckOutput(o.Path); err != nil {
			return fail(exitUsage, "%s: %v", o.Name, err)
		}
	}
	m, err := e.readONNX(src)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return fail(exitUsage, "%v", err)
		}
		return fail(exitError, "%v", err)
	}
	r, err := onnx.Import(m, opt)
	if err != nil {
		return fail(exitError, "%v", err)
	}
	if dest == "-" {
		e.stdout.Write(r.Text)
	} else if err := runtime.WriteFileAtomic(dest, r.Text, 0o644); err != nil {
		return fail(exitUsage, "%v", err)
	}
	if wdest != "" {
		if err := runtime.WriteArrays(wdest, r.Arrays); err != nil {
			return fail(exitUsage, "%v", err)
		}
	}
	return exitOK
}

// readONNX reads the model file, or standard input for "-" (which can
// have no external data).
func (e *env) readONNX(name string) (*onnx.Model, error) {
	if runtime.IsStdin(name) {
		data, err := e.readFile(name)
		if err != nil {
			return nil, err
		}
		return onnx.Decode(displayName(name), data, "")
	}
	return onnx.ReadFile(name)
}

// importOutputs returns where the .cnn file and the weights go: -o, else
// FILE with the extension .cnn beside it ("stdin.cnn" for standard input);
// --weights-out, else the .cnn file's name with .npz ("" when the file
// goes to stdout).
func importOutputs(src, out, weights string) (string, string) {
	if out == "" {
		base := strings.TrimSuffix(filepath.Base(src), filepath.Ext(src))
		if runtime.IsStdin(src) {
			base = "stdin"
		}
		out = filepath.Join(filepath.Dir(src), base+".cnn")
		if runtime.IsStdin(src) {
			out = base + ".cnn"
		}
	}
	if weights == "" && out != "-" {
		weights = strings.TrimSuffix(out, filepath.Ext(out)) + ".npz"
	}
	return out, weights
}

var modelNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// parseHWC reads a shape such as 224x224x3.
func parseHWC(s string) (ir.Shape, error) {
	parts := strings.Split(s, "x")
	if len(parts) != 3 {
		return ir.Shape{}, fmt.Errorf("%q is not HxWxC, such as 224x224x3", s)
	}
	var v [3]int
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 1<<20 {
			return ir.Shape{}, fmt.Errorf("%q is not HxWxC with each from 1 to 2^20, such as 224x224x3", s)
		}
		v[i] = n
	}
	return ir.Map(v[0], v[1], v[2]), nil
}

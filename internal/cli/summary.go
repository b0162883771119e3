package cli

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/cnnc/cnnc/compiler"
)

const summaryDoc = `Summary prints a per-layer table of a model (the layer as written, its output
HxWxC, parameters, multiply-adds and activation values for one image) and
totals: parameters, multiply-adds forward and backward, memory per image for
inference and training, and memory for the parameters. Memory counts float32
values as the README's "How memory is counted" explains. With --mem it also
prints the largest batch that fits in the budget. A file with errors prints
the table up to the failing layer, marked, with the errors on stderr; the
exit status is then 1.`

type summaryOpts struct {
	format string
	params bool
	batch  int
	mem    int64 // bytes; 0 for none
}

func runSummary(e *env, args []string) int {
	fs := newFlags(e, "summary", "[--format text|json|csv] [--params] [--batch N] [--mem SIZE] FILE", summaryDoc)
	var o summaryOpts
	fs.StringVar(&o.format, "format", "text", "output `format`: text, json or csv")
	fs.BoolVar(&o.params, "params", false, "list every parameter's name and shape")
	fs.IntVar(&o.batch, "batch", 1, "the batch size `N` to count memory for")
	mem := fs.String("mem", "", "a memory `budget` such as 8GiB, 512MB or 2e9 (units B, kB to EB, KiB to EiB): print the largest batch that fits")
	files, status, ok := parseFlags(fs, args)
	if !ok {
		return status
	}
	if len(files) != 1 {
		fmt.Fprintf(e.stderr, "cnnc summary: want exactly one model file, got %d\n", len(files))
		return exitUsage
	}
	if o.format != "text" && o.format != "json" && o.format != "csv" {
		fmt.Fprintf(e.stderr, "cnnc summary: unknown format %q (want text, json or csv)\n", o.format)
		return exitUsage
	}
	if o.format == "csv" && (o.params || flagSet(fs, "batch") || *mem != "") {
		fmt.Fprintf(e.stderr, "cnnc summary: --format csv prints the layer table only: --params, --batch and --mem need text or json\n")
		return exitUsage
	}
	if o.batch < 1 {
		fmt.Fprintf(e.stderr, "cnnc summary: --batch must be at least 1, got %d\n", o.batch)
		return exitUsage
	}
	if *mem != "" {
		n, err := parseBytes(*mem)
		if err != nil {
			fmt.Fprintf(e.stderr, "cnnc summary: --mem: %v\n", err)
			return exitUsage
		}
		o.mem = n
	}
	src, err := e.readFile(files[0])
	if err != nil {
		fmt.Fprintf(e.stderr, "cnnc summary: %v\n", err)
		return exitUsage
	}
	r, diags := compiler.Compile(displayName(files[0]), src)
	for _, d := range diags {
		fmt.Fprintln(e.stderr, d)
	}
	if !diags.HasErrors() && e.sequentialOnly("summary", files[0], r) {
		return exitError
	}
	var net *compiler.Net
	if r != nil {
		net = r.Net
	}
	status = exitOK
	if diags.HasErrors() {
		status = exitError
	}
	if net == nil {
		return status
	}
	if _, _, err := net.Costs().Batch(int64(o.batch)); err != nil {
		fmt.Fprintf(e.stderr, "cnnc summary: --batch %d: %v\n", o.batch, err)
		return exitUsage
	}
	switch o.format {
	case "json":
		err = summaryJSON(e.stdout, net, o)
	case "csv":
		err = summaryCSV(e.stdout, net)
	default:
		err = summaryText(e.stdout, net, o)
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "cnnc summary: %v\n", err)
		return exitUsage
	}
	return status
}

func summaryText(w io.Writer, net *compiler.Net, o summaryOpts) error {
	rows := [][]string{{"#", "name", "layer", "output", "params", "mult-adds", "activations"}}
	rows = append(rows, []string{"0", "input", "input " + net.Input.String(), net.Input.String(), "", "", compiler.BigCount(int64(net.Input.Size()))})
	for i, l := range net.Layers {
		if l.Failed {
			rows = append(rows, []string{strconv.Itoa(i + 1), "", l.Text, "error", "", "", ""})
			continue
		}
		rows = append(rows, []string{strconv.Itoa(i + 1), l.Name, l.Text, l.Out.String(),
			compiler.BigCount(l.ParamCount()), compiler.BigCount(l.MACs), compiler.BigCount(int64(l.Out.Size()))})
	}
	var b strings.Builder
	fmt.Fprintf(&b, "model %s (%s): input %s, output %s\n\n", net.Name, net.File, net.Input, net.Output())
	if !net.Complete() {
		b.Reset()
		fmt.Fprintf(&b, "model %s (%s): input %s; stopped at a layer with errors\n\n", net.Name, net.File, net.Input)
	}
	writeTable(&b, rows, []bool{true, false, false, false, true, true, true})
	c := net.Costs()
	fmt.Fprintf(&b, "\n")
	fmt.Fprintf(&b, "parameters             %s (%s as float32)\n", compiler.BigCount(c.Params), formatBytes(c.ParamBytes))
	fmt.Fprintf(&b, "multiply-adds / image  %s forward (%s), %s backward (%s)\n",
		compiler.BigCount(c.MACs), formatG(c.MACs), compiler.BigCount(c.BackMACs), formatG(c.BackMACs))
	fmt.Fprintf(&b, "memory / image         %s inference, %s training\n", formatBytes(c.InferBytes), formatBytes(c.TrainBytes))
	fmt.Fprintf(&b, "memory for parameters  %s inference, %s training (with gradients)\n", formatBytes(c.ParamBytes), formatBytes(c.ParamTrainBytes))
	if o.batch > 1 {
		infer, train, _ := c.Batch(int64(o.batch)) // runSummary checked it
		fmt.Fprintf(&b, "memory for batch %-5d %s inference, %s training\n", o.batch, formatBytes(infer), formatBytes(train))
	}
	if o.mem > 0 {
		fmt.Fprintf(&b, "largest batch in %s: %s, %s\n", formatBytes(o.mem),
			fitting(o.mem, c.InferBytes, c.ParamBytes, "inference", "parameters"),
			fitting(o.mem, c.TrainBytes, c.ParamTrainBytes, "training", "parameters and their gradients"))
	}
	if o.params {
		fmt.Fprintf(&b, "\nparameters:\n")
		var prow [][]string
		for _, p := range net.Params() {
			prow = append(prow, []string{p.Name, fmt.Sprint(p.Shape), compiler.BigCount(int64(p.Size()))})
		}
		writeTable(&b, prow, []bool{false, false, true})
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// fitting says how many images fit in budget for one use, or why none
// does: "312 inference", "none for training (the parameters and their
// gradients take 1.0 GiB, one image 122.1 MiB more)".
func fitting(budget, perImage, fixed int64, use, params string) string {
	if n := compiler.MaxBatch(budget, perImage, fixed); n > 0 {
		return compiler.BigCount(n) + " " + use
	}
	return fmt.Sprintf("none for %s (the %s take %s, one image %s more)", use, params, formatBytes(fixed), formatBytes(perImage))
}

// writeTable writes rows in aligned columns, right-aligning those marked.
func writeTable(b *strings.Builder, rows [][]string, right []bool) {
	widths := make([]int, len(right))
	for _, r := range rows {
		for i, cell := range r {
			widths[i] = max(widths[i], len([]rune(cell)))
		}
	}
	for _, r := range rows {
		var line strings.Builder
		for i, cell := range r {
			pad := strings.Repeat(" ", widths[i]-len([]rune(cell)))
			if i > 0 {
				line.WriteString("  ")
			}
			if right[i] {
				line.WriteString(pad + cell)
			} else {
				line.WriteString(cell + pad)
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " ") + "\n")
	}
}

// jsonLayer is one row of --format json.
type jsonLayer struct {
	Index       int    `json:"index"`
	Name        string `json:"name,omitempty"`
	Layer       string `json:"layer"`
	Line        int    `json:"line"`
	Column      int    `json:"column"`
	Output      []int  `json:"output,omitempty"`
	Params      int64  `json:"params"`
	MACs        int64  `json:"macs"`
	Activations int    `json:"activations"`
	Failed      bool   `json:"failed,omitempty"`
}

func summaryJSON(w io.Writer, net *compiler.Net, o summaryOpts) error {
	c := net.Costs()
	layers := []jsonLayer{}
	for i, l := range net.Layers {
		jl := jsonLayer{Index: i + 1, Name: l.Name, Layer: l.Text, Line: l.Pos.Line, Column: l.Pos.Column, Failed: l.Failed}
		if !l.Failed {
			jl.Output, jl.Params, jl.MACs, jl.Activations = l.Out.Dims(), l.ParamCount(), l.MACs, l.Out.Size()
		}
		layers = append(layers, jl)
	}
	doc := map[string]any{
		"model":  net.Name,
		"file":   net.File,
		"input":  net.Input.Dims(),
		"layers": layers,
		"totals": map[string]any{
			"params":                    c.Params,
			"macs_forward":              c.MACs,
			"macs_backward":             c.BackMACs,
			"bytes_per_image_inference": c.InferBytes,
			"bytes_per_image_training":  c.TrainBytes,
			"bytes_params_inference":    c.ParamBytes,
			"bytes_params_training":     c.ParamTrainBytes,
		},
		"complete": net.Complete(),
	}
	if net.Complete() {
		doc["output"] = net.Output().Dims()
	}
	if o.batch > 1 {
		infer, train, _ := c.Batch(int64(o.batch)) // runSummary checked it
		doc["batch"] = map[string]any{"size": o.batch, "bytes_inference": infer, "bytes_training": train}
	}
	if o.mem > 0 {
		doc["max_batch"] = map[string]any{
			"budget_bytes": o.mem,
			"inference":    compiler.MaxBatch(o.mem, c.InferBytes, c.ParamBytes),
			"training":     compiler.MaxBatch(o.mem, c.TrainBytes, c.ParamTrainBytes),
		}
	}
	if o.params {
		var ps []map[string]any
		for _, p := range net.Params() {
			ps = append(ps, map[string]any{"name": p.Name, "shape": p.Shape})
		}
		doc["parameters"] = ps
	}
	return writeIndentedJSON(w, doc)
}

func summaryCSV(w io.Writer, net *compiler.Net) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"index", "name", "layer", "line", "column", "out_h", "out_w", "out_c", "params", "macs", "activations"})
	cw.Write([]string{"0", "input", "input " + net.Input.String(), strconv.Itoa(net.InputPos.Line), strconv.Itoa(net.InputPos.Column),
		strconv.Itoa(net.Input.H), strconv.Itoa(net.Input.W), strconv.Itoa(net.Input.C), "0", "0", strconv.Itoa(net.Input.Size())})
	for i, l := range net.Layers {
		row := []string{strconv.Itoa(i + 1), l.Name, l.Text, strconv.Itoa(l.Pos.Line), strconv.Itoa(l.Pos.Column)}
		if l.Failed {
			row = append(row, "", "", "", "", "", "")
		} else {
			row = append(row, strconv.Itoa(l.Out.H), strconv.Itoa(l.Out.W), strconv.Itoa(l.Out.C),
				strconv.FormatInt(l.ParamCount(), 10), strconv.FormatInt(l.MACs, 10), strconv.Itoa(l.Out.Size()))
		}
		cw.Write(row)
	}
	cw.Flush()
	return cw.Error()
}

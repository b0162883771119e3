package cli

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"

	"github.com/cnnc/cnnc/compiler"
	"github.com/cnnc/cnnc/ir"
)

const summaryDoc = `Summary prints a per-layer table of a model (the layer as written, for a
network with residual or concat blocks the rows it reads, its output HxWxC,
parameters, multiply-adds and activation values for one image) and totals:
parameters, buffers, multiply-adds forward and backward, memory per image for
inference and training, and memory for the parameters and buffers. --params
lists every parameter and buffer, buffers marked. Memory counts float32
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

	status = exitOK
	if diags.HasErrors() {
		status = exitError
	}
	if r == nil {
		return status
	}
	if _, _, err := compiler.CostsOf(r.Graph).Batch(int64(o.batch)); err != nil {
		fmt.Fprintf(e.stderr, "cnnc summary: --batch %d: %v\n", o.batch, err)
		return exitUsage
	}
	switch o.format {
	case "json":
		err = summaryJSON(e.stdout, r, o)
	case "csv":
		err = summaryCSV(e.stdout, r)
	default:
		err = summaryText(e.stdout, r, o)
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "cnnc summary: %v\n", err)
		return exitUsage
	}
	return status
}

// summaryRow is a row of the table: a node, or the statement whose shape
// failed.
type summaryRow struct {
	index        int
	name, text   string
	pos          lexer.Position
	out          ir.Shape
	params, macs int64
	failed       bool
	reads        []int // the rows whose outputs it reads, 0 for the input
}

// summaryRows returns a row for each node of r's graph and one for the
// failed statement, if any.
func summaryRows(r *compiler.Result) []summaryRow {
	var rows []summaryRow
	for _, n := range r.Graph.Nodes {
		row := summaryRow{index: n.ID + 1, name: n.Name, text: n.Text, pos: compiler.LexPos(n.Pos), out: n.Out(), macs: n.MACs}
		for _, t := range n.Params() {
			row.params += t.Size64()
		}
		for _, v := range n.Inputs {
			from := 0
			if v.Producer != nil {
				from = v.Producer.ID + 1
			}
			row.reads = append(row.reads, from)
		}
		rows = append(rows, row)
	}
	if f := r.Failed; f != nil {
		rows = append(rows, summaryRow{index: len(rows) + 1, text: f.Text, pos: f.Pos, failed: true})
	}
	return rows
}

// readsList writes the rows a row reads: "3" or "2,7".
func readsList(reads []int) string {
	parts := make([]string, len(reads))
	for i, r := range reads {
		parts[i] = strconv.Itoa(r)
	}
	return strings.Join(parts, ",")
}

func summaryText(w io.Writer, r *compiler.Result, o summaryOpts) error {
	g := r.Graph
	branches := !g.Chain()
	head := []string{"#", "name", "layer", "output", "params", "mult-adds", "activations"}
	right := []bool{true, false, false, false, true, true, true}
	if branches {
		head = append(head[:3:3], append([]string{"reads"}, head[3:]...)...)
		right = append(right[:3:3], append([]bool{false}, right[3:]...)...)
	}
	in := g.Input.Shape
	table := [][]string{head, {"0", "input", "input " + in.String(), in.String(), "", "", compiler.BigCount(int64(in.Size()))}}
	if branches {
		table[1] = append(table[1][:3:3], append([]string{""}, table[1][3:]...)...)
	}
	for _, row := range summaryRows(r) {
		cells := []string{strconv.Itoa(row.index), row.name, row.text, "error", "", "", ""}
		if !row.failed {
			cells = []string{strconv.Itoa(row.index), row.name, row.text, row.out.String(),
				compiler.BigCount(row.params), compiler.BigCount(row.macs), compiler.BigCount(int64(row.out.Size()))}
		}
		if branches {
			cells = append(cells[:3:3], append([]string{readsList(row.reads)}, cells[3:]...)...)
		}
		table = append(table, cells)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "model %s (%s): input %s, output %s\n\n", g.Name, g.File, in, g.Output.Shape)
	if !r.Complete() {
		b.Reset()
		fmt.Fprintf(&b, "model %s (%s): input %s; stopped at a layer with errors\n\n", g.Name, g.File, in)
	}
	writeTable(&b, table, right)
	c := compiler.CostsOf(g)
	fmt.Fprintf(&b, "\n")
	fmt.Fprintf(&b, "parameters             %s (%s as float32)\n", compiler.BigCount(c.Params), formatBytes(4*c.Params))
	if c.Buffers > 0 {
		fmt.Fprintf(&b, "buffers                %s (%s)\n", compiler.BigCount(c.Buffers), formatBytes(c.ParamBytes-4*c.Params))
	}
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
		for _, t := range g.Tensors() {
			kind := ""
			if t.Buffer {
				kind = "buffer"
			}
			prow = append(prow, []string{t.Name, fmt.Sprint(t.Shape), compiler.BigCount(t.Size64()), kind})
		}
		writeTable(&b, prow, []bool{false, false, true, false})
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
	// Reads lists the rows whose outputs the layer reads (0 is the
	// input), for a network that branches.
	Reads []int `json:"reads,omitempty"`
}

func summaryJSON(w io.Writer, r *compiler.Result, o summaryOpts) error {
	g := r.Graph
	c := compiler.CostsOf(g)
	layers := []jsonLayer{}
	branches := !g.Chain()
	for _, row := range summaryRows(r) {
		jl := jsonLayer{Index: row.index, Name: row.name, Layer: row.text, Line: row.pos.Line, Column: row.pos.Column, Failed: row.failed}
		if !row.failed {
			jl.Output, jl.Params, jl.MACs, jl.Activations = row.out.Dims(), row.params, row.macs, row.out.Size()
		}
		if branches {
			jl.Reads = row.reads
		}
		layers = append(layers, jl)
	}
	totals := map[string]any{
		"params":                    c.Params,
		"macs_forward":              c.MACs,
		"macs_backward":             c.BackMACs,
		"bytes_per_image_inference": c.InferBytes,
		"bytes_per_image_training":  c.TrainBytes,
		"bytes_params_inference":    c.ParamBytes,
		"bytes_params_training":     c.ParamTrainBytes,
	}
	if c.Buffers > 0 {
		totals["buffers"] = c.Buffers
	}
	doc := map[string]any{
		"model":    g.Name,
		"file":     g.File,
		"input":    g.Input.Shape.Dims(),
		"layers":   layers,
		"totals":   totals,
		"complete": r.Complete(),
	}
	if r.Complete() {
		doc["output"] = g.Output.Shape.Dims()
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
		for _, t := range g.Tensors() {
			p := map[string]any{"name": t.Name, "shape": t.Shape}
			if t.Buffer {
				p["buffer"] = true
			}
			ps = append(ps, p)
		}
		doc["parameters"] = ps
	}
	return writeIndentedJSON(w, doc)
}

func summaryCSV(w io.Writer, r *compiler.Result) error {
	g := r.Graph
	in := g.Input.Shape
	cw := csv.NewWriter(w)
	cw.Write([]string{"index", "name", "layer", "line", "column", "out_h", "out_w", "out_c", "params", "macs", "activations", "reads"})
	cw.Write([]string{"0", "input", "input " + in.String(), strconv.Itoa(g.InputPos.Line), strconv.Itoa(g.InputPos.Col),
		strconv.Itoa(in.H), strconv.Itoa(in.W), strconv.Itoa(in.C), "0", "0", strconv.Itoa(in.Size()), ""})
	for _, row := range summaryRows(r) {
		cells := []string{strconv.Itoa(row.index), row.name, row.text, strconv.Itoa(row.pos.Line), strconv.Itoa(row.pos.Column)}
		if row.failed {
			cells = append(cells, "", "", "", "", "", "", "")
		} else {
			cells = append(cells, strconv.Itoa(row.out.H), strconv.Itoa(row.out.W), strconv.Itoa(row.out.C),
				strconv.FormatInt(row.params, 10), strconv.FormatInt(row.macs, 10), strconv.Itoa(row.out.Size()), readsList(row.reads))
		}
		cw.Write(cells)
	}
	cw.Flush()
	return cw.Error()
}

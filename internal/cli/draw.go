package cli

import (
	"flag"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/cnnc/cnnc/compiler"
	"github.com/cnnc/cnnc/internal/draw"
	"github.com/cnnc/cnnc/runtime"
)

func init() {
	addCommand(command{"draw", "[--format svg|dot|mermaid] [-o FILE] FILE", "draw a model as an SVG diagram, a Graphviz graph or a Mermaid flowchart", runDraw})
}

// addCommand registers a subcommand from its own file, listed before
// version and help.
func addCommand(c command) {
	i := slices.IndexFunc(commands, func(c command) bool { return c.name == "version" })
	if i < 0 {
		i = len(commands)
	}
	commands = slices.Insert(commands, i, c)
}

const drawDoc = `Draw draws a model. svg (the default) is the block diagram of the network:
each feature map a box sized by its height, width and channels (on a log
scale) and labelled with its shape, conv filters and pooling windows where
they act, fc layers as bars, activations and batchnorm as labels, the
branches of a residual or concat block side by side in a frame and joined
where they merge (the identity as a line over the top), copies of a repeat
block drawn once with their count, and the totals. dot is a Graphviz graph
(render it with dot -Tsvg), mermaid a flowchart that GitHub renders in
Markdown: one node per layer, an edge from each layer to each that reads its
output, each block in a cluster.
Without --format the format follows -o's extension (.dot, .gv, .mmd), else
svg. The drawing goes to stdout, or to -o FILE, written atomically (a file
that already holds the drawing is left untouched). A model with errors gets
its diagnostics and exit status 1, and no file.`

func runDraw(e *env, args []string) int {
	fs := newFlags(e, "draw", "[--format svg|dot|mermaid] [-o FILE] FILE", drawDoc)
	format := fs.String("format", "svg", "output `format`: svg, dot or mermaid")
	out := fs.String("o", "", "write the drawing to `FILE` instead of stdout")
	files, status, ok := parseFlags(fs, args)
	if !ok {
		return status
	}
	if !flagSet(fs, "format") {
		*format = formatFor(*out)
	}
	render, known := draw.Formats[*format]
	if !known {
		fmt.Fprintf(e.stderr, "cnnc draw: unknown format %q (want svg, dot or mermaid)\n", *format)
		return exitUsage
	}
	if len(files) != 1 {
		fmt.Fprintf(e.stderr, "cnnc draw: want exactly one model file, got %d\n", len(files))
		return exitUsage
	}
	src, err := e.readFile(files[0])
	if err != nil {
		fmt.Fprintf(e.stderr, "cnnc draw: %v\n", err)
		return exitUsage
	}
	r, diags := compiler.Compile(displayName(files[0]), src)
	for _, d := range diags {
		fmt.Fprintln(e.stderr, d)
	}
	if diags.HasErrors() || r == nil || r.Graph == nil || r.Graph.Incomplete {
		return exitError
	}
	data := render(r.Graph)
	if *out == "" || *out == "-" {
		if _, err := e.stdout.Write(data); err != nil {
			fmt.Fprintf(e.stderr, "cnnc draw: %v\n", err)
			return exitUsage
		}
		return exitOK
	}
	if err := runtime.CheckOutputs([]runtime.NamedPath{{Name: "the model file", Path: files[0]}}, []runtime.NamedPath{{Name: "-o", Path: *out}}); err != nil {
		fmt.Fprintf(e.stderr, "cnnc draw: %v\n", err)
		return exitUsage
	}
	if holds(*out, data) {
		return exitOK
	}
	if err := runtime.WriteFileAtomic(*out, data, 0o644); err != nil {
		fmt.Fprintf(e.stderr, "cnnc draw: %v\n", err)
		return exitUsage
	}
	return exitOK
}

// flagSet reports whether the flag name was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// formatFor is the format an output file's extension implies.
func formatFor(out string) string {
	switch strings.ToLower(filepath.Ext(out)) {
	case ".dot", ".gv":
		return "dot"
	case ".mmd", ".mermaid":
		return "mermaid"
	}
	return "svg"
}

package cli

import (
	"errors"
	"fmt"

	"github.com/cnnc/cnnc/internal/lsp"
)

func init() {
	addCommand(command{"lsp", "[--stdio]", "run the language server for editors, on stdin and stdout", runLSP})
}

const lspDoc = `Lsp runs cnnc's language server: it speaks the Language Server Protocol on
stdin and stdout, for editors that open .cnn files. It publishes the errors
and warnings of cnnc check as you type, shows a layer's input and output
shapes, parameters and multiply-adds on hover, formats as cnnc fmt does, and
completes keywords. editors/vscode holds a VS Code extension that starts it.
Exit status: 0 after the client's shutdown and exit, 1 when the client exits
or closes the stream without shutdown, 2 on I/O trouble.`

func runLSP(e *env, args []string) int {
	fs := newFlags(e, "lsp", "[--stdio]", lspDoc)
	fs.Bool("stdio", true, "talk over stdin and stdout (the only transport; accepted because clients pass it)")
	if status, ok := parseNoArgs(fs, args); !ok {
		return status
	}
	s := &lsp.Server{Version: Version}
	switch err := s.Serve(e.stdin, e.stdout); {
	case err == nil:
		return exitOK
	case errors.Is(err, lsp.ErrNoShutdown):
		fmt.Fprintf(e.stderr, "cnnc lsp: the client ended the session without shutdown\n")
		return exitError
	default:
		fmt.Fprintf(e.stderr, "cnnc lsp: %v\n", err)
		return exitUsage
	}
}

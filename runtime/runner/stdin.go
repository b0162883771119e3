package runner

import (
	"io"
	"os"

	"github.com/cnnc/cnnc/runtime"
)

// readArrays reads the arrays of the file path as runtime.ReadArrays does,
// or those that stdin holds (os.Stdin when nil) when path names standard
// input ("-", /dev/stdin: see runtime.IsStdin), their format recognised by
// their content. Errors name standard input "<stdin>" for "-".
func readArrays(path string, stdin io.Reader) ([]*runtime.Array, error) {
	if !runtime.IsStdin(path) {
		return runtime.ReadArrays(path)
	}
	if stdin == nil {
		stdin = os.Stdin
	}
	return runtime.ReadArraysFrom(runtime.StdinName(path), stdin)
}

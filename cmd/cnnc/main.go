// Command cnnc compiles convolutional networks described in .cnn files into
// Go, checks their shapes, and summarises them.
//
// Usage:
//
//	cnnc check [--format text|json|sarif|github] FILE...
//	cnnc fmt [-w] [-d] [-l] [FILE...]
//	cnnc summary [--format text|json|csv] [--params] [--batch N] [--mem SIZE] FILE
//
// See the README for the language and every command's flags.
package main

import (
	"os"

	"github.com/cnnc/cnnc/internal/cli"
)

func main() {
	os.Exit(cli.Run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

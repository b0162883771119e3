// Package cnnc is the root of cnnc's module: the command is in cmd/cnnc,
// the stages in dsl, compiler, interp and gen, and what generated code links
// against in runtime. This package holds no code: it embeds the runtime's
// sources, so that `cnnc run --engine gen` can build generated code offline
// from a checkout and from an installed cnnc alike.
package cnnc

import "embed"

// Runtime holds the sources of the runtime packages and the module's go.mod
// and go.sum, which list their dependencies.
//
//go:embed go.mod go.sum runtime/*.go runtime/*.s runtime/runner/*.go runtime/engine/*.go runtime/data/*.go
var Runtime embed.FS

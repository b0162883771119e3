// Package ir is cnnc's graph intermediate representation: a network as a
// directed acyclic graph of nodes (operations) and values (the tensors of
// one sample that flow between them), in topological order.
//
// The package depends on no front end: a source position is a plain Pos,
// and any front end (the .cnn compiler, an importer) builds a graph with a
// Builder, which runs each operation's shape rule and names its parameters
// and buffers as PyTorch's module tree does.
//
// Each operation is one type implementing Op, in a file of its own holding
// its shape rule, its parameters and buffers with their initialisation, and
// its multiply-adds: conv.go, pool.go, globalpool.go, fc.go, activation.go,
// dropout.go, softmax.go, batchnorm.go, add.go, concat.go.
//
// A sequential network is the simplest graph: each node reads the value the
// node before it wrote.
package ir

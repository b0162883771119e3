package onnx

import (
	"slices"
	"strconv"
	"strings"
)

// nameRepeats writes runs of identical labeled blocks numbered one after
// another, P.n, P.n+1, ... (ResNet's layer3.1 to layer3.5), each followed
// by the same layers without tensors (the relu after a residual), as one
// `repeat`: copy i of `P.n: repeat K` has the scope P.n+i, so the names
// stay the same. The first copy of a run labeled P.0 is written `P:
// repeat K`, as nn.Sequential numbers from 0.
func nameRepeats(stmts []*stmt, scope string) []*stmt {
	var out []*stmt
	for i := 0; i < len(stmts); {
		if r, used := repeatAt(stmts, i, scope); r != nil {
			out = append(out, r)
			i += used
			continue
		}
		out = append(out, stmts[i])
		i++
	}
	return out
}

// numbered splits a labeled block's path in scope into its prefix and the
// number it ends in.
func numbered(s *stmt, scope string) (string, int, bool) {
	if s.label == "" || s.kind == sLayer || s.kind == sRepeat {
		return "", 0, false
	}
	full := join(scope, s.label)
	dot := strings.LastIndexByte(full, '.')
	n, err := strconv.Atoi(full[dot+1:])
	if err != nil || n < 0 {
		return "", 0, false
	}
	if dot < 0 {
		return "", n, true
	}
	return full[:dot], n, true
}

// repeatAt returns the repeat starting at stmts[i] and how many statements
// it replaces, or nil when there is none of at least two copies.
func repeatAt(stmts []*stmt, i int, scope string) (*stmt, int) {
	prefix, n, ok := numbered(stmts[i], scope)
	if !ok {
		return nil, 0
	}
	u := 1 // the statements of one copy: the block and the layers without tensors after it
	for i+u < len(stmts) && stmts[i+u].kind == sLayer && stmts[i+u].label == "" && len(stmts[i+u].node.Tensors) == 0 {
		u++
	}
	first := copyBody(stmts[i : i+u])
	want := render(first, 0, nil)
	copies := [][]*stmt{first}
	for k := 1; i+(k+1)*u <= len(stmts); k++ {
		unit := stmts[i+k*u : i+(k+1)*u]
		p, m, ok := numbered(unit[0], scope)
		if !ok || p != prefix || m != n+k {
			break
		}
		body := copyBody(unit)
		if !slices.Equal(render(body, 0, nil), want) {
			break
		}
		copies = append(copies, body)
	}
	if len(copies) < 2 {
		return nil, 0
	}
	rel := strings.TrimPrefix(strings.TrimPrefix(prefix, scope), ".")
	label := join(rel, strconv.Itoa(n))
	if last := rel[strings.LastIndexByte(rel, '.')+1:]; n == 0 && rel != "" && !segmentIsNumber(last) {
		label = rel
	}
	return &stmt{kind: sRepeat, label: label, count: len(copies), blocks: [][]*stmt{first}, copies: copies}, len(copies) * u
}

// copyBody returns one copy's statements as a repeat holds them: its
// block unlabeled (the copy's scope is the block's), a group's statements
// in place of the group.
func copyBody(unit []*stmt) []*stmt {
	head := *unit[0]
	head.label = ""
	var body []*stmt
	if head.kind == sGroup {
		body = append(body, head.blocks[0]...)
	} else {
		body = append(body, &head)
	}
	return append(body, unit[1:]...)
}

func segmentIsNumber(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil
}

// join joins a scope and a path: "layer1" and "0" give "layer1.0".
func join(scope, path string) string {
	switch {
	case scope == "":
		return path
	case path == "":
		return scope
	}
	return scope + "." + path
}

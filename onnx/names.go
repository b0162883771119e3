package onnx

import (
	"regexp"
	"strconv"
	"strings"
)

// Names. A PyTorch export names its tensors after the module that owns
// them (layer1.0.conv1.weight) and, from PyTorch 1.13, its nodes after the
// module that ran them (/layer1/layer1.0/conv1/Conv). When every layer
// with tensors has such a module path, and no two share one, the .cnn file
// gets labels that make cnnc name the tensors exactly so: torchvision's
// state_dict loads into the imported file. Otherwise the file has no labels
// and cnnc's own numbering (conv1, bn1, fc1, ...) names them; either way
// the weights file is written under the .cnn file's names.

var segment = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*|[0-9]+)$`)

// validPath reports whether p can be a label: names and numbers joined by
// dots.
func validPath(p string) bool {
	if p == "" {
		return false
	}
	for _, s := range strings.Split(p, ".") {
		if !segment.MatchString(s) {
			return false
		}
	}
	return true
}

// modulePath returns the module path of the layer node n makes: from its
// tensors' names when each is PATH.LOCAL (conv1.weight, bn1.running_mean)
// read straight from an initializer, else from n's name, else "".
func (l *lowerer) modulePath(n *Node, params map[string]param) string {
	if len(params) == 0 {
		return ""
	}
	p, ok := "", true
	for local, prm := range params {
		q, found := strings.CutSuffix(prm.from, "."+local)
		if prm.from == "" || l.x.inits[prm.from] == nil || !found || p != "" && q != p {
			ok = false
			break
		}
		p = q
	}
	if ok && validPath(p) {
		return p
	}
	return scopePath(n.Name)
}

// scopePath reads a module path from a node name PyTorch wrote:
// "/layer1/layer1.0/conv1/Conv" gives layer1.0.conv1. Each part is a
// module's name in its parent, a child of a Sequential being written with
// its parent's name ("layer1.0"), which replaces the parent's part.
func scopePath(name string) string {
	parts := strings.Split(strings.Trim(name, "/"), "/")
	if !strings.HasPrefix(name, "/") || len(parts) < 2 {
		return ""
	}
	var path []string
	for _, p := range parts[:len(parts)-1] {
		if k := len(path); k > 0 && strings.HasPrefix(p, path[k-1]+".") {
			path[k-1] = p
			continue
		}
		path = append(path, p)
	}
	p := strings.Join(path, ".")
	if !validPath(p) {
		return ""
	}
	return p
}

// namer gives the statements labels (see label).
type namer struct {
	paths map[*stmt][]string // the module paths of the layers in each statement
	kinds func(*stmt) string // the counter kind of a layer ("conv", "bn", "fc")
	path  func(*stmt) string // a layer's module path, "" when it has no tensors
}

// counters are the numbers cnnc's unlabeled layers get in one scope.
type counters map[string]int

// label labels stmts, in scope (a module path, "" at the top), so that
// cnnc names every tensor by its module path. Consecutive statements in
// one module (features.2.conv.0.0, features.2.conv.0.1, ...) become a
// group labeled by it (features.2), a block in one module is labeled by
// it, and a layer whose name cnnc's counter would give (conv1 as the first
// unlabeled conv of its scope) goes unlabeled. It returns the statements
// with the groups added.
func (nm *namer) label(stmts []*stmt, scope string, c counters) []*stmt {
	var out []*stmt
	for i := 0; i < len(stmts); {
		q := nm.module(stmts[i], scope)
		j, last := i+1, i
		for k := i + 1; q != scope && k < len(stmts); k++ {
			if len(nm.paths[stmts[k]]) == 0 {
				continue
			}
			if nm.module(stmts[k], scope) != q {
				break
			}
			last, j = k, k+1
		}
		if q == scope || j == i+1 && stmts[i].kind == sLayer {
			out = append(out, nm.plain(stmts[i], scope, c))
			i++
			continue
		}
		_ = last
		run := stmts[i:j]
		rel := strings.TrimPrefix(strings.TrimPrefix(q, scope), ".")
		if len(run) == 1 {
			s := run[0]
			s.label = rel
			for b := range s.blocks {
				s.blocks[b] = nm.label(s.blocks[b], q, counters{})
			}
			out = append(out, s)
		} else {
			g := &stmt{kind: sGroup, label: rel, blocks: [][]*stmt{nm.label(run, q, counters{})}}
			out = append(out, g)
		}
		i = j
	}
	return nameRepeats(out, scope)
}

// plain labels a statement that makes no scope of its own: a layer
// (labeled unless the counter gives its name) or an unlabeled block, whose
// layers count on in the enclosing scope.
func (nm *namer) plain(s *stmt, scope string, c counters) *stmt {
	if s.kind != sLayer {
		for b := range s.blocks {
			s.blocks[b] = nm.label(s.blocks[b], scope, c)
		}
		return s
	}
	p := nm.path(s)
	if p == "" {
		return s
	}
	rel := strings.TrimPrefix(strings.TrimPrefix(p, scope), ".")
	kind := nm.kinds(s)
	if rel == kind+strconv.Itoa(c[kind]+1) {
		c[kind]++
		return s
	}
	s.label = rel
	return s
}

// module returns the module a statement belongs to in scope: the longest
// common prefix of its layers' paths after which each path goes on with a
// name (not a number, which would make labels such as "0.1"); scope
// itself when there is none longer.
func (nm *namer) module(s *stmt, scope string) string {
	paths := nm.paths[s]
	if len(paths) == 0 {
		return scope
	}
	common := strings.Split(paths[0], ".")
	common = common[:len(common)-1]
	for _, p := range paths[1:] {
		segs := strings.Split(p, ".")
		k := 0
		for k < len(common) && k < len(segs)-1 && common[k] == segs[k] {
			k++
		}
		common = common[:k]
	}
	for k := len(common); k >= 0; k-- {
		q := strings.Join(common[:k], ".")
		if len(q) <= len(scope) {
			break
		}
		ok := true
		for _, p := range paths {
			rest := strings.Split(p, ".")[k]
			if _, err := strconv.Atoi(rest); err == nil {
				ok = false
				break
			}
		}
		if ok {
			return q
		}
	}
	return scope
}

package ir

import "fmt"

// Pos is a position in a source file: Line and Col counted from 1, Offset
// in bytes from 0. The zero Pos means "no position" (a graph built by a
// program rather than read from a file).
type Pos struct {
	File      string
	Line, Col int
	Offset    int
}

// String formats p as "file:line:col", or "line:col" without a file.
func (p Pos) String() string {
	if p.File == "" {
		return fmt.Sprintf("%d:%d", p.Line, p.Col)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Copy identifies one copy of a repeat block: copy I (from 1) of N, of the
// repeat at Pos, inside the copy Outer of the enclosing repeat (nil at the
// outermost). Nodes of one copy share one *Copy, so that a deeply nested
// repeat costs one Copy per copy, not one stack per node.
type Copy struct {
	Pos   Pos
	I, N  int
	Outer *Copy
}

// Stack returns the copies from the outermost to c.
func (c *Copy) Stack() []Copy {
	var s []Copy
	for ; c != nil; c = c.Outer {
		s = append(s, *c)
	}
	for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
		s[i], s[j] = s[j], s[i]
	}
	return s
}

package compiler

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"

	"github.com/cnnc/cnnc/dsl"
)

// sizes checks a size written as numbers joined by 'x' in the statement
// whose text is stmt: it must have want numbers (described by form), each
// at least lo and at most MaxSize. what names the numbers in messages.
func (c *checker) sizes(pos lexer.Position, stmt, what, form string, d dsl.Dims, want, lo int) ([]int, bool) {
	if len(d.V) != want {
		c.errorf(pos, "range", "%s needs %s; got %q", strings.Fields(stmt)[0], form, d.String())
		return nil, false
	}
	for i, v := range d.V {
		if d.Bad || v > MaxSize {
			c.errorf(pos, "range", "%s: %s is too large (at most %d)", stmt, bigPart(d, i), MaxSize)
			return nil, false
		}
		if v < lo {
			c.errorf(pos, "range", "%s: %s must be %s, got %d", stmt, what, atLeast(lo), v)
			return nil, false
		}
	}
	return d.V, true
}

// bigPart returns the number of d that is out of range, written as the
// statement is in messages: canonically ("01100000" as 1100000) when every
// number of d fits an int, else as written.
func bigPart(d dsl.Dims, i int) string {
	if !d.Bad {
		return strconv.Itoa(d.V[i])
	}
	parts := strings.Split(strings.TrimLeft(d.Text, "spgd"), "x")
	for _, p := range parts {
		if n, err := strconv.Atoi(p); err != nil || n > MaxSize {
			return p
		}
	}
	if i < len(parts) {
		return parts[i]
	}
	return d.Text
}

func atLeast(lo int) string {
	if lo == 0 {
		return "0 or more"
	}
	return fmt.Sprintf("at least %d", lo)
}

// tooLarge reports a shape whose tensor would exceed MaxValues.
func (c *checker) tooLarge(pos lexer.Position, what string, s Shape) bool {
	if int64(s.H)*int64(s.W)*int64(s.C) <= MaxValues {
		return false
	}
	c.errorf(pos, "limit", "%s: %s is %s values, more than the %s a tensor may hold", what, s, bigCount(int64(s.H)*int64(s.W)*int64(s.C)), bigCount(MaxValues))
	return true
}

// countStatements returns how many statements stmts expand to, counting
// each visit of a block and of anything inside it (an unknown word costs the
// checker time too) and each pass of a repeat over its body, even an empty
// one (whose passes cost time and nothing else would count), saturating
// above MaxLayers so that nested repeats cannot overflow. repeats reports
// whether a repeat is among them.
func countStatements(stmts []dsl.Stmt) (n int64, repeats bool) {
	for _, s := range stmts {
		n++
		if r, ok := s.(*dsl.Repeat); ok {
			k := int64(1)
			if len(r.N.V) == 1 && !r.N.Bad && r.N.V[0] > 0 {
				k = int64(r.N.V[0])
			}
			body, _ := countStatements(r.Body)
			n += min(k*max(body, 1), MaxLayers+1)
			repeats = true
		} else {
			for _, b := range dsl.Blocks(s) {
				m, r := countStatements(b)
				n, repeats = n+m, repeats || r
			}
		}
		n = min(n, MaxLayers+1)
	}
	return n, repeats
}

// bigCount formats n with thousands separators: 138,357,544.
func bigCount(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + bigCount(-n)
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// BigCount formats n with thousands separators, as cnnc prints counts:
// BigCount(138357544) is "138,357,544".
func BigCount(n int64) string { return bigCount(n) }

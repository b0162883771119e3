package gen

import (
	"github.com/dave/jennifer/jen"
)

// lin is a linear index expression, Σ coef·var + konst, the shape of every
// index the generated code computes: for example the offset of input pixel
// (y·S+i, x·S+j) is y·S·rowLen + i·rowLen + x·S·C + j·C + base. Keeping
// indexes as lin lets the generator fold constants and print each index
// as one flat sum such as `y*42 + i*21 + x*6`.
type lin struct {
	terms []term
	konst int
}

type term struct {
	v    string
	coef int
}

// v returns the expression coef·name.
func v(name string, coef int) lin { return lin{terms: []term{{name, coef}}} }

// k returns the constant expression n.
func k(n int) lin { return lin{konst: n} }

// plus returns l + m, combining terms of the same variable.
func (l lin) plus(m lin) lin {
	out := lin{konst: l.konst + m.konst}
	out.terms = append(out.terms, l.terms...)
	for _, t := range m.terms {
		found := false
		for i := range out.terms {
			if out.terms[i].v == t.v {
				out.terms[i].coef += t.coef
				found = true
			}
		}
		if !found {
			out.terms = append(out.terms, t)
		}
	}
	return out
}

// add returns l + n.
func (l lin) add(n int) lin { return l.plus(k(n)) }

// code renders l, omitting zero terms and unit coefficients.
func (l lin) code() *jen.Statement {
	var s *jen.Statement
	for _, t := range l.terms {
		if t.coef == 0 {
			continue
		}
		part := jen.Id(t.v)
		if t.coef != 1 {
			part = jen.Id(t.v).Op("*").Lit(t.coef)
		}
		if s == nil {
			s = part
		} else {
			s = s.Op("+").Add(part)
		}
	}
	switch {
	case s == nil:
		return jen.Lit(l.konst)
	case l.konst > 0:
		return s.Op("+").Lit(l.konst)
	case l.konst < 0:
		return s.Op("-").Lit(-l.konst)
	}
	return s
}

// loop renders `for name := range n { body }`.
func loop(name string, n int, body ...jen.Code) *jen.Statement {
	return jen.For(jen.Id(name).Op(":=").Range().Lit(n)).Block(body...)
}

// loopFunc renders `for name := range n { ... }` with a body built by f.
func loopFunc(name string, n int, f func(*jen.Group)) *jen.Statement {
	return jen.For(jen.Id(name).Op(":=").Range().Lit(n)).BlockFunc(f)
}

// window renders `name := buf[off:][:n:n]`: a slice of constant length and
// capacity, so that the compiler drops bounds checks on constant indexes.
func window(name string, buf jen.Code, off lin, n int) *jen.Statement {
	return jen.Id(name).Op(":=").Add(buf).Index(off.code().Op(":")).Index(jen.Op(":").Lit(n).Op(":").Lit(n))
}

// mul returns l·n.
func mul(l lin, n int) lin {
	out := lin{konst: l.konst * n}
	for _, t := range l.terms {
		out.terms = append(out.terms, term{t.v, t.coef * n})
	}
	return out
}

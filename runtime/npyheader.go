package runtime

import (
	"fmt"
	"strconv"
	"strings"
)

// npyHeader is the dict a .npy header holds.
type npyHeader struct {
	descr   string
	fortran bool
	shape   []int
}

// parseNPYHeader parses the Python dict literal NumPy writes, such as
//
//	{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
//
// followed by spaces and a newline. It accepts exactly the keys 'descr' (a
// string), 'fortran_order' (True or False) and 'shape' (a tuple of
// integers: (), (5,), (2, 3)) in any order, with either quote character and
// optional trailing commas, and fails on anything else, naming the offset.
func parseNPYHeader(s string) (npyHeader, error) {
	p := &dictParser{s: s}
	h, err := p.dict()
	if err != nil {
		return h, fail("invalid header: %v", err)
	}
	return h, nil
}

type dictParser struct {
	s   string
	pos int
}

func (p *dictParser) dict() (npyHeader, error) {
	var h npyHeader
	seen := map[string]bool{}
	if err := p.expect('{'); err != nil {
		return h, err
	}
	for !p.peek('}') {
		key, err := p.str()
		if err != nil {
			return h, err
		}
		if seen[key] {
			return h, fmt.Errorf("duplicate key '%s'", key)
		}
		seen[key] = true
		if err := p.expect(':'); err != nil {
			return h, err
		}
		if err := p.value(&h, key); err != nil {
			return h, err
		}
		if !p.peek('}') {
			if err := p.expect(','); err != nil {
				return h, err
			}
		}
	}
	p.pos++ // '}'
	if p.skip(); p.pos < len(p.s) {
		return h, p.errorf("end of header")
	}
	for _, k := range []string{"descr", "fortran_order", "shape"} {
		if !seen[k] {
			return h, fmt.Errorf("missing key '%s'", k)
		}
	}
	return h, nil
}

func (p *dictParser) value(h *npyHeader, key string) error {
	var err error
	switch key {
	case "descr":
		if p.peek('[') {
			return fmt.Errorf("'descr' is a list: structured dtypes are not supported")
		}
		h.descr, err = p.str()
	case "fortran_order":
		h.fortran, err = p.boolean()
	case "shape":
		h.shape, err = p.tuple()
	default:
		err = fmt.Errorf("unexpected key '%s'", key)
	}
	return err
}

// skip moves past Python whitespace.
func (p *dictParser) skip() {
	for p.pos < len(p.s) && strings.IndexByte(" \t\n\r", p.s[p.pos]) >= 0 {
		p.pos++
	}
}

// peek skips whitespace and reports whether c comes next.
func (p *dictParser) peek(c byte) bool {
	p.skip()
	return p.pos < len(p.s) && p.s[p.pos] == c
}

func (p *dictParser) expect(c byte) error {
	if !p.peek(c) {
		return p.errorf("%q", c)
	}
	p.pos++
	return nil
}

// errorf reports what was expected at the current offset and what is there.
func (p *dictParser) errorf(format string, args ...any) error {
	found := "end of header"
	if p.pos < len(p.s) {
		found = fmt.Sprintf("%q", p.s[p.pos:min(len(p.s), p.pos+12)])
	}
	return fmt.Errorf("at offset %d: expected %s, found %s", p.pos, fmt.Sprintf(format, args...), found)
}

// str parses a quoted string without escapes (NumPy never writes any).
func (p *dictParser) str() (string, error) {
	p.skip()
	if p.pos >= len(p.s) || (p.s[p.pos] != '\'' && p.s[p.pos] != '"') {
		return "", p.errorf("a quoted string")
	}
	q := p.s[p.pos]
	end := strings.IndexByte(p.s[p.pos+1:], q)
	if end < 0 {
		return "", fmt.Errorf("at offset %d: unterminated string", p.pos)
	}
	s := p.s[p.pos+1 : p.pos+1+end]
	if strings.ContainsAny(s, "\\\n") {
		return "", fmt.Errorf("at offset %d: escapes and newlines in strings are not supported", p.pos)
	}
	p.pos += end + 2
	return s, nil
}

func (p *dictParser) boolean() (bool, error) {
	p.skip()
	for _, w := range []string{"True", "False"} {
		if strings.HasPrefix(p.s[p.pos:], w) {
			p.pos += len(w)
			return w == "True", nil
		}
	}
	return false, p.errorf("True or False")
}

// tuple parses a tuple of integers. A one-element tuple needs its comma, as
// in Python: (5) is the integer 5, not a shape.
func (p *dictParser) tuple() ([]int, error) {
	if err := p.expect('('); err != nil {
		return nil, err
	}
	shape := []int{}
	for !p.peek(')') {
		n, err := p.integer()
		if err != nil {
			return nil, err
		}
		shape = append(shape, n)
		if len(shape) == 1 && p.peek(')') {
			return nil, fmt.Errorf("at offset %d: shape (%d) is not a tuple; write (%d,)", p.pos, n, n)
		}
		if !p.peek(')') {
			if err := p.expect(','); err != nil {
				return nil, err
			}
		}
	}
	p.pos++ // ')'
	return shape, nil
}

// integer parses a decimal integer, possibly negative (shapeSize rejects
// that later, with a clearer message).
func (p *dictParser) integer() (int, error) {
	p.skip()
	start := p.pos
	if p.pos < len(p.s) && p.s[p.pos] == '-' {
		p.pos++
	}
	for p.pos < len(p.s) && '0' <= p.s[p.pos] && p.s[p.pos] <= '9' {
		p.pos++
	}
	if p.pos == start || p.s[p.pos-1] == '-' {
		p.pos = start
		return 0, p.errorf("an integer")
	}
	n, err := strconv.Atoi(p.s[start:p.pos])
	if err != nil {
		return 0, fmt.Errorf("at offset %d: dimension %s is out of range", start, p.s[start:p.pos])
	}
	return n, nil
}

// pyTuple formats shape as Python does: (), (5,), (2, 3).
func pyTuple(shape []int) string {
	parts := make([]string, len(shape))
	for i, d := range shape {
		parts[i] = strconv.Itoa(d)
	}
	if len(shape) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// npyPreamble returns the magic, version, header length and header that
// NumPy 1.24's numpy.save writes for an array of this dtype and shape,
// byte for byte: format 1.0, or 2.0 when the header does not fit in 64 KiB;
// space for the first dimension to grow to 21 digits; padding to a multiple
// of 64 bytes; a final newline.
func npyPreamble(descr string, shape []int) []byte {
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, pyTuple(shape))
	if len(shape) > 0 {
		dict += strings.Repeat(" ", max(0, 21-len(strconv.Itoa(shape[0]))))
	}
	for _, v := range []struct {
		major  byte
		prefix int
	}{{1, 10}, {2, 12}} {
		hlen := len(dict) + 1
		pad := 64 - (v.prefix+hlen)%64
		total := hlen + pad
		if v.major == 1 && total > 0xffff {
			continue
		}
		b := make([]byte, 0, v.prefix+total)
		b = append(b, npyMagic...)
		b = append(b, v.major, 0, byte(total), byte(total>>8))
		if v.major == 2 {
			b = append(b, byte(total>>16), byte(total>>24))
		}
		b = append(b, dict...)
		b = append(b, strings.Repeat(" ", pad)...)
		return append(b, '\n')
	}
	panic("unreachable")
}

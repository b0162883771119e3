package onnx

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/cnnc/cnnc/ir"
)

// render writes statements as .cnn lines at depth (two spaces a level),
// in the layout cnnc fmt gives.
func render(stmts []*stmt, depth int, lines []string) []string {
	ind := strings.Repeat("  ", depth)
	for _, s := range stmts {
		head := ind
		if s.label != "" {
			head += s.label + ": "
		}
		switch s.kind {
		case sLayer:
			lines = append(lines, head+opText(s.node.Op))
			continue
		case sRepeat:
			head += "repeat " + strconv.Itoa(s.count) + " "
		case sResidual:
			head += "residual "
		case sConcat:
			head += "concat "
		}
		line := head
		for i, b := range s.blocks {
			if i > 0 && s.kind == sResidual {
				line += "shortcut "
			}
			if len(b) == 0 {
				line += "{ } "
				continue
			}
			lines = append(lines, line+"{")
			lines = render(b, depth+1, lines)
			line = ind + "} "
		}
		lines = append(lines, strings.TrimRight(line, " "))
	}
	return lines
}

// opText writes an operation as a .cnn statement: "conv 3x3x64 s2 p1
// nobias", "pool max 3x3 s2 p1", "batchnorm eps 0.001".
func opText(op ir.Op) string {
	switch op := op.(type) {
	case *ir.Conv:
		s := fmt.Sprintf("conv %dx%dx%d", op.FH, op.FW, op.K) + pair(" s", op.SH, op.SW, 1) + pair(" p", op.PH, op.PW, 0)
		if op.Groups != 1 {
			s += fmt.Sprintf(" g%d", op.Groups)
		}
		s += pair(" d", op.DH, op.DW, 1)
		if op.NoBias {
			s += " nobias"
		}
		return s
	case *ir.Pool:
		s := fmt.Sprintf("pool %s %dx%d", poolMode(op.Mode), op.FH, op.FW)
		if op.SH != op.FH || op.SW != op.FW {
			s += pair(" s", op.SH, op.SW, -1)
		}
		return s + pair(" p", op.PH, op.PW, 0)
	case *ir.GlobalPool:
		return "pool " + poolMode(op.Mode) + " global"
	case *ir.FC:
		return fmt.Sprintf("fc %d", op.K)
	case *ir.BatchNorm:
		s := "batchnorm"
		if op.Eps != 1e-5 {
			s += " eps " + number(op.Eps)
		}
		if op.Momentum != 0.1 {
			s += " momentum " + number(op.Momentum)
		}
		return s
	case *ir.Activation:
		if op.Func == ir.Leaky && op.Alpha != 0.01 {
			return "leaky " + number(op.Alpha)
		}
		return op.Func.String()
	case *ir.Dropout:
		return "dropout " + number(op.P)
	case *ir.Softmax:
		return "softmax"
	}
	panic(fmt.Sprintf("onnx: no statement for %T", op))
}

// pair writes an option such as " s2" or " p1x2", nothing when both values
// are def.
func pair(prefix string, a, b, def int) string {
	switch {
	case a == def && b == def:
		return ""
	case a == b:
		return prefix + strconv.Itoa(a)
	}
	return fmt.Sprintf("%s%dx%d", prefix, a, b)
}

func poolMode(m ir.PoolMode) string {
	if m == ir.Max {
		return "max"
	}
	return "avg"
}

// number writes a decimal as the shortest text that reads back as v, with
// a point or an exponent so that it lexes as a decimal.
func number(v float64) string {
	s := strconv.FormatFloat(v, 'g', -1, 64)
	if !strings.ContainsAny(s, ".e") {
		s += ".0"
	}
	return s
}

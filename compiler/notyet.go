package compiler

import (
	"fmt"

	"github.com/cnnc/cnnc/dsl"
)

// notYet names the round-2 form s uses that the checker does not lower yet,
// or returns "". It is temporary: the graph lowering replaces it.
func notYet(s dsl.Stmt) string {
	if l := dsl.LabelOf(s); l != nil {
		return "labels are not supported yet"
	}
	switch s := s.(type) {
	case *dsl.Residual:
		return "residual blocks are not supported yet"
	case *dsl.Concat:
		return "concat blocks are not supported yet"
	case *dsl.Group:
		return "groups are not supported yet"
	case *dsl.BatchNorm:
		return "batchnorm is not supported yet"
	case *dsl.Pool:
		if s.Global {
			return "global pools are not supported yet"
		}
		for _, o := range s.Opts {
			if o.Groups != nil || o.Dilation != nil || o.NoBias {
				return fmt.Sprintf("%s: %s is for conv only", s, o)
			}
		}
	case *dsl.Conv:
		for _, o := range s.Opts {
			switch {
			case o.Groups != nil:
				return "grouped convs are not supported yet"
			case o.Dilation != nil:
				return "dilated convs are not supported yet"
			case o.NoBias:
				return "nobias is not supported yet"
			}
		}
	}
	return ""
}

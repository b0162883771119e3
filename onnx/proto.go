package onnx

import (
	"google.golang.org/protobuf/encoding/protowire"
)

// The ONNX messages the importer reads, with the fields it needs (field
// numbers from onnx.proto3). Everything else is skipped unread: training
// information, functions, metadata, sparse initializers, subgraphs of
// control-flow nodes. Since no message read here holds one of its own kind,
// decoding nests at most six messages deep whatever the file says.

// Model is an ONNX ModelProto.
type Model struct {
	IRVersion       int64
	Opsets          []Opset
	Producer        string
	ProducerVersion string
	Graph           *Graph

	file string // the name errors give
	dir  string // the folder external data is read from; "" when none
}

// Opset is an OperatorSetIdProto: the operator set version of a domain
// ("" is the default domain, ai.onnx).
type Opset struct {
	Domain  string
	Version int64
}

// Graph is a GraphProto.
type Graph struct {
	Name         string
	Nodes        []*Node
	Initializers []*Tensor
	Inputs       []*ValueInfo
	Outputs      []*ValueInfo
}

// Node is a NodeProto. At is where it starts in the file.
type Node struct {
	Name, OpType, Domain string
	Inputs, Outputs      []string
	Attrs                []*Attribute
	At                   int
}

// Attribute is an AttributeProto. A graph-valued attribute (the branches
// of If, the body of Loop) is only noted, not read.
type Attribute struct {
	Name     string
	Type     int32
	F        float32
	I        int64
	S        string
	T        *Tensor
	Floats   []float32
	Ints     []int64
	HasGraph bool
	At       int
}

// ValueInfo is a ValueInfoProto of a tensor type: its element type and
// shape. Shape is nil when the type gives no shape.
type ValueInfo struct {
	Name      string
	ElemType  int32
	Shape     []Dim
	NotTensor bool
}

// Dim is one dimension of a shape: a number (Value, Known) or a name for
// one fixed at run time (Param), or neither.
type Dim struct {
	Value int64
	Known bool
	Param string
}

// decodeModel reads a ModelProto.
func decodeModel(m *msg) (*Model, error) {
	md := &Model{}
	err := m.each(func(f field) (err error) {
		switch f.num {
		case 1:
			md.IRVersion, err = f.int64("ModelProto.ir_version")
		case 2:
			md.Producer, err = f.str("ModelProto.producer_name")
		case 3:
			md.ProducerVersion, err = f.str("ModelProto.producer_version")
		case 7:
			md.Graph, err = sub(f, "GraphProto", decodeGraph)
		case 8:
			var o *Opset
			o, err = sub(f, "OperatorSetIdProto", decodeOpset)
			if o != nil {
				md.Opsets = append(md.Opsets, *o)
			}
		}
		return err
	})
	if err == nil && md.Graph == nil {
		err = errorf(-1, "no graph: this is not an ONNX model")
	}
	return md, err
}

// sub decodes the message a length-delimited field holds with decode.
func sub[T any](f field, what string, decode func(*msg) (T, error)) (T, error) {
	if err := f.want(what, protowire.BytesType); err != nil {
		var zero T
		return zero, err
	}
	return decode(&msg{b: f.b, base: f.bAt, what: what})
}

func decodeOpset(m *msg) (*Opset, error) {
	o := &Opset{}
	return o, m.each(func(f field) (err error) {
		switch f.num {
		case 1:
			o.Domain, err = f.str("OperatorSetIdProto.domain")
		case 2:
			o.Version, err = f.int64("OperatorSetIdProto.version")
		}
		return err
	})
}

// decodeGraph reads a GraphProto.
func decodeGraph(m *msg) (*Graph, error) {
	g := &Graph{}
	return g, m.each(func(f field) (err error) {
		switch f.num {
		case 1:
			var n *Node
			n, err = sub(f, "NodeProto", func(m *msg) (*Node, error) { return decodeNode(m, f.at) })
			g.Nodes = append(g.Nodes, n)
		case 2:
			g.Name, err = f.str("GraphProto.name")
		case 5:
			var t *Tensor
			t, err = sub(f, "TensorProto", func(m *msg) (*Tensor, error) { return decodeTensor(m, f.at) })
			g.Initializers = append(g.Initializers, t)
		case 11:
			var v *ValueInfo
			v, err = sub(f, "ValueInfoProto", decodeValueInfo)
			g.Inputs = append(g.Inputs, v)
		case 12:
			var v *ValueInfo
			v, err = sub(f, "ValueInfoProto", decodeValueInfo)
			g.Outputs = append(g.Outputs, v)
		}
		return err
	})
}

// decodeNode reads a NodeProto that starts at file offset at.
func decodeNode(m *msg, at int) (*Node, error) {
	n := &Node{At: at}
	return n, m.each(func(f field) (err error) {
		var s string
		switch f.num {
		case 1:
			s, err = f.str("NodeProto.input")
			n.Inputs = append(n.Inputs, s)
		case 2:
			s, err = f.str("NodeProto.output")
			n.Outputs = append(n.Outputs, s)
		case 3:
			n.Name, err = f.str("NodeProto.name")
		case 4:
			n.OpType, err = f.str("NodeProto.op_type")
		case 7:
			n.Domain, err = f.str("NodeProto.domain")
		case 5:
			var a *Attribute
			a, err = sub(f, "AttributeProto", func(m *msg) (*Attribute, error) { return decodeAttribute(m, f.at) })
			n.Attrs = append(n.Attrs, a)
		}
		return err
	})
}

// decodeAttribute reads an AttributeProto that starts at file offset at.
func decodeAttribute(m *msg, at int) (*Attribute, error) {
	a := &Attribute{At: at}
	var floats []uint64
	err := m.each(func(f field) (err error) {
		switch f.num {
		case 1:
			a.Name, err = f.str("AttributeProto.name")
		case 20:
			a.Type, err = f.int32("AttributeProto.type")
		case 2:
			a.F, err = f.float32("AttributeProto.f")
		case 3:
			a.I, err = f.int64("AttributeProto.i")
		case 4:
			a.S, err = f.str("AttributeProto.s")
		case 5:
			a.T, err = sub(f, "TensorProto", func(m *msg) (*Tensor, error) { return decodeTensor(m, f.at) })
		case 6, 11:
			a.HasGraph = true
		case 7:
			floats, err = f.appendFixed("AttributeProto.floats", 4, floats)
		case 8:
			a.Ints, err = f.appendInt64s("AttributeProto.ints", a.Ints)
		}
		return err
	})
	for _, v := range floats {
		a.Floats = append(a.Floats, float32frombits(v))
	}
	return a, err
}

// decodeValueInfo reads a ValueInfoProto: its name, and from its TypeProto
// a tensor type's element type and shape; any other type (a sequence, a
// map) marks it NotTensor.
func decodeValueInfo(m *msg) (*ValueInfo, error) {
	v := &ValueInfo{}
	return v, m.each(func(f field) (err error) {
		switch f.num {
		case 1:
			v.Name, err = f.str("ValueInfoProto.name")
		case 2:
			_, err = sub(f, "TypeProto", func(m *msg) (any, error) {
				return nil, m.each(func(f field) (err error) {
					switch f.num {
					case 1:
						_, err = sub(f, "TypeProto.Tensor", func(m *msg) (any, error) { return nil, decodeTensorType(m, v) })
					case 4, 5, 7, 8, 9:
						v.NotTensor = true
					}
					return err
				})
			})
		}
		return err
	})
}

func decodeTensorType(m *msg, v *ValueInfo) error {
	return m.each(func(f field) (err error) {
		switch f.num {
		case 1:
			v.ElemType, err = f.int32("TypeProto.Tensor.elem_type")
		case 2:
			v.Shape, err = sub(f, "TensorShapeProto", decodeShape)
		}
		return err
	})
}

func decodeShape(m *msg) ([]Dim, error) {
	dims := []Dim{}
	err := m.each(func(f field) error {
		if f.num != 1 {
			return nil
		}
		d, err := sub(f, "TensorShapeProto.Dimension", func(m *msg) (d Dim, err error) {
			return d, m.each(func(g field) (err error) {
				switch g.num {
				case 1:
					d.Value, err = g.int64("Dimension.dim_value")
					d.Known = true
				case 2:
					d.Param, err = g.str("Dimension.dim_param")
				}
				return err
			})
		})
		dims = append(dims, d)
		return err
	})
	return dims, err
}

package ir

// Role says what a node's tensor is for. It is data, set by the operation
// that owns the tensor, never guessed from its name.
type Role int

// The roles of parameters and buffers.
const (
	Weight            Role = iota // a conv's or fc's weight
	Bias                          // a conv's or fc's bias
	Scale                         // batchnorm's weight (γ)
	Shift                         // batchnorm's bias (β)
	RunningMean                   // batchnorm's running mean (a buffer)
	RunningVar                    // batchnorm's running variance (a buffer)
	NumBatchesTracked             // batchnorm's step counter (an int64 0-d buffer)
)

var roleNames = [...]string{"weight", "bias", "scale", "shift", "running mean", "running var", "num batches tracked"}

func (r Role) String() string {
	if r >= 0 && int(r) < len(roleNames) {
		return roleNames[r]
	}
	return "Role(?)"
}

// InitKind is how a tensor's values start.
type InitKind int

// The initialisations.
const (
	Zeros    InitKind = iota // every value 0
	Ones                     // every value 1
	HeNormal                 // N(0, 2/FanIn), drawn in order from the run's generator
)

// Init is a tensor's initialisation: a kind and, for HeNormal, the fan-in.
type Init struct {
	Kind  InitKind
	FanIn int
}

// DType is the element type of a tensor in weight files.
type DType int

// The element types.
const (
	Float32 DType = iota
	Int64         // num_batches_tracked
)

func (d DType) String() string {
	if d == Int64 {
		return "int64"
	}
	return "float32"
}

// Tensor is one parameter or buffer of a node, named and shaped as PyTorch
// names and shapes it: a conv's weight [K, C/groups, Fh, Fw], an fc's
// weight [out, in], a batchnorm's running_mean [C], its num_batches_tracked
// a 0-d int64 (Shape empty).
type Tensor struct {
	// Name is the full dotted name, "layer1.0.conv1.weight"; an Op's
	// Tensors give the local name ("weight") and the Builder prefixes the
	// node's name.
	Name  string
	Shape []int
	Role  Role
	Init  Init
	// Buffer marks state that is not learned by gradient (running
	// statistics); it is saved and loaded with the parameters.
	Buffer bool
	DType  DType
}

// Size returns the number of values: the product of Shape, 1 for a 0-d
// tensor.
func (t *Tensor) Size() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// Size64 is Size without overflow for any valid dimensions.
func (t *Tensor) Size64() int64 {
	n := int64(1)
	for _, d := range t.Shape {
		n *= int64(d)
	}
	return n
}

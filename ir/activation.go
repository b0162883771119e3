package ir

// Func is an activation function.
type Func int

// The activation functions, as PyTorch defines them.
const (
	ReLU      Func = iota // max(0, x)
	Sigmoid               // 1/(1 + e^−x)
	Tanh                  // tanh x
	Leaky                 // x if x > 0, else Alpha·x (nn.LeakyReLU)
	ReLU6                 // min(max(0, x), 6)
	Hardswish             // x·ReLU6(x + 3)/6
	SiLU                  // x·sigmoid(x)
	GELU                  // x·Φ(x) = x/2·(1 + erf(x/√2)), the exact form
)

var funcNames = [...]string{"relu", "sigmoid", "tanh", "leaky", "relu6", "hardswish", "silu", "gelu"}

// String returns the function's keyword: "relu", "leaky", "gelu", ...
func (f Func) String() string {
	if f >= 0 && int(f) < len(funcNames) {
		return funcNames[f]
	}
	return "Func(?)"
}

// FuncNamed returns the function whose keyword is name.
func FuncNamed(name string) (Func, bool) {
	for i, n := range funcNames {
		if n == name {
			return Func(i), true
		}
	}
	return 0, false
}

// Activation applies Func to every value; Alpha is leaky's negative slope.
type Activation struct {
	noTensors
	Func  Func
	Alpha float64
}

// Kind is the function's keyword.
func (a *Activation) Kind() string { return a.Func.String() }

// Infer keeps the shape.
func (a *Activation) Infer(in []Shape) (Shape, error) { return one(a.Kind(), in) }

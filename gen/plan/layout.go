package plan

import (
	"fmt"

	"github.com/cnnc/cnnc/runtime"
	"github.com/cnnc/cnnc/runtime/engine"
)

// Layout is how a buffer holds one sample: H×W pixels of C values each,
// channels innermost, inside PH rows and PW columns of zero padding on each
// side. A flat vector is 1×1×C with Flat set.
type Layout struct {
	H, W, C int
	PH, PW  int
	Flat    bool
}

// RowLen is the number of values in one padded row: (W + 2PW)·C.
func (l Layout) RowLen() int { return (l.W + 2*l.PW) * l.C }

// Len is the buffer's length, padding included.
func (l Layout) Len() int { return (l.H + 2*l.PH) * l.RowLen() }

// Size is the number of values without padding.
func (l Layout) Size() int { return l.H * l.W * l.C }

// Origin is the offset of value (0, 0, 0).
func (l Layout) Origin() int { return l.PH*l.RowLen() + l.PW*l.C }

// Padded reports whether l has padding.
func (l Layout) Padded() bool { return l.PH > 0 || l.PW > 0 }

// String formats l as "56x56x64", "56x56x64 p1", "56x56x64 p1x2" or, flat,
// "1000".
func (l Layout) String() string {
	if l.Flat {
		return fmt.Sprint(l.C)
	}
	s := fmt.Sprintf("%dx%dx%d", l.H, l.W, l.C)
	switch {
	case l.PH == l.PW && l.PH > 0:
		s += fmt.Sprintf(" p%d", l.PH)
	case l.Padded():
		s += fmt.Sprintf(" p%dx%d", l.PH, l.PW)
	}
	return s
}

// View is where a value lives: channels [C0, C0+C) of every pixel of Buf.
// A value that fills its buffer has C0 = 0 and C = Buf.Layout.C; a branch
// of a concat written in place has a slice of the concat's buffer, and its
// pixels are Pix() values apart. The zero View (Buf nil) is no storage.
type View struct {
	Buf   *Buffer
	C0, C int
}

// Ok reports whether the view has storage.
func (v View) Ok() bool { return v.Buf != nil }

// Offset is the offset in the buffer of the value's pixel (0, 0), channel 0.
func (v View) Offset() int { return v.Buf.Layout.Origin() + v.C0 }

// Pix is the distance between neighbouring pixels: the buffer's channels.
func (v View) Pix() int { return v.Buf.Layout.C }

// Row is the distance between neighbouring rows.
func (v View) Row() int { return v.Buf.Layout.RowLen() }

// Whole reports whether the value fills its buffer's pixels (Pix = C).
func (v View) Whole() bool { return v.C0 == 0 && v.C == v.Buf.Layout.C }

// Layout is the view as the runtime's element-wise kernels take it.
func (v View) Layout() runtime.Layout {
	return runtime.Layout{Off: v.Offset(), Row: v.Row(), Pix: v.Pix()}
}

// Map is the view as the engine takes it; its buffer is the slot,
// v.Buf.Slot.
func (v View) Map() engine.Map {
	l := v.Buf.Layout
	return engine.Map{H: l.H, W: l.W, C: v.C, Pix: v.Pix(), Row: v.Row(), Off: v.Offset()}
}

// String formats the view as "b3" or, for a slice, "b3[16:28]".
func (v View) String() string {
	if v.Buf == nil {
		return "-"
	}
	if v.Whole() {
		return v.Buf.Name()
	}
	return fmt.Sprintf("%s[%d:%d]", v.Buf.Name(), v.C0, v.C0+v.C)
}

// Buffer is one sample's storage for a value, or for a concat's output and
// the branch values written into its channel slices; in training also for
// their gradients (Grad), laid out alike except for padding.
type Buffer struct {
	ID     int
	Grad   bool
	Layout Layout
	// Owner is the value that fills the buffer: the value itself, or the
	// concat whose slices the others are. For a gradient buffer, the value
	// whose gradient fills it.
	Owner *Value
	// First and Last are the times (see Plan.Time) when the buffer is
	// first written and last read.
	First, Last int
	// Slot is the index in Plan.Slots of the memory the buffer uses.
	Slot int
	// ZeroPad says the buffer is padded and shares its slot with others,
	// which write where its padding is: the step that first writes it in a
	// pass must clear its padding first.
	ZeroPad bool
}

// Name is "b3" for a value buffer, "g3" for a gradient buffer.
func (b *Buffer) Name() string {
	if b.Grad {
		return fmt.Sprintf("g%d", b.ID)
	}
	return fmt.Sprintf("b%d", b.ID)
}

// Slot is memory shared by buffers whose lifetimes do not overlap. Len is
// the longest of their lengths; Grad says they are all gradient buffers
// (backward passes only use the slot).
type Slot struct {
	ID      int
	Len     int
	Grad    bool
	Buffers []*Buffer
}

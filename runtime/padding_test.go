package runtime

import (
	"errors"
	"testing"
)

// TestClearPadding fills a padded buffer with ones, clears the border of
// every split of its rows into two ranges, and checks value by value
// that exactly the border became zero.
func TestClearPadding(t *testing.T) {
	for _, p := range []Padding{{H: 3, W: 4, C: 2, PH: 1, PW: 2}, {H: 5, W: 1, C: 3, PH: 2}, {H: 2, W: 3, C: 1, PW: 1}, {H: 1, W: 1, C: 4}} {
		row, rows := (p.W+2*p.PW)*p.C, p.H+2*p.PH
		for split := range p.H + 1 {
			buf := make([]float32, rows*row+3) // a longer buffer keeps its tail
			for i := range buf {
				buf[i] = 1
			}
			ClearPadding(&p, buf, 0, split)
			ClearPadding(&p, buf, split, p.H)
			for i, v := range buf {
				r, col := i/row, i%row/p.C
				inside := i >= rows*row || r >= p.PH && r < p.PH+p.H && col >= p.PW && col < p.PW+p.W
				if want := float32(0); inside {
					want = 1
					if v != want {
						t.Fatalf("%+v split %d: value %d (row %d, column %d) = %v, want %v", p, split, i, r, col, v, want)
					}
				} else if v != want {
					t.Fatalf("%+v split %d: padding value %d (row %d, column %d) = %v, want 0", p, split, i, r, col, v)
				}
			}
		}
	}
}

func TestClearPaddingShort(t *testing.T) {
	defer func() {
		if err, _ := recover().(error); !errors.Is(err, ErrShape) {
			t.Fatalf("recovered %v, want ErrShape", err)
		}
	}()
	ClearPadding(&Padding{H: 2, W: 2, C: 1, PH: 1, PW: 1}, make([]float32, 15), 0, 2)
}

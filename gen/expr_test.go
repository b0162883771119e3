package gen

import (
	"fmt"
	"testing"

	"github.com/dave/jennifer/jen"
)

func TestLin(t *testing.T) {
	tests := []struct {
		l    lin
		want string
	}{
		{k(0), "0"},
		{k(7), "7"},
		{v("y", 1), "y"},
		{v("y", 42).plus(v("i", 21)).plus(v("x", 6)), "y*42 + i*21 + x*6"},
		{v("y", 2).plus(v("y", 3)).add(5), "y*5 + 5"},
		{v("y", 2).plus(v("y", -2)).add(-1), "-1"},
		{v("x", 3).add(-4), "x*3 - 4"},
	}
	for _, tt := range tests {
		if got := fmt.Sprintf("%#v", tt.l.code()); got != tt.want {
			t.Errorf("code() = %q, want %q", got, tt.want)
		}
	}
	if got := fmt.Sprintf("%#v", window("row", jen.Id("in"), v("y", 9), 9)); got != "row := in[y*9:][:9:9]" {
		t.Errorf("window = %q", got)
	}
}

package runtime

import (
	"fmt"
	"testing"
)

// TestConvForwardRowWidths runs ConvForward on rows of every width from 1
// to 31 pixels, so that every tile width the kernels cut a row into (the
// AVX-512 assembly's 1 to 14) and every cut of a row into several tiles is
// checked against the definition, with relu and relu6 stores and a channel
// tail in the second block.
func TestConvForwardRowWidths(t *testing.T) {
	eachKernelSet(t, func(t *testing.T) {
		for ow := 1; ow <= 31; ow++ {
			cc := convCase{h: 3, w: ow, c: 5, k: 80, fh: 3, fw: 3, sh: 1, sw: 1, ph: 1, pw: 1, kb: 64, opw: 1,
				relu: ow%3 == 1, relu6: ow%3 == 2}
			checkConvForward(t, fmt.Sprintf("width %d", ow), cc, uint64(ow))
		}
	})
}

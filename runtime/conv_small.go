package runtime

// Convs with one input channel and few output channels (LeNet-5's conv1:
// 1 → 6) waste most of the channel-vectorised tiles' lanes: the tiles of
// kernels.go hold 16 channels a vector, and a 6-channel layer fills 6. The
// kernels of conv_small_*.go vectorise over output pixels instead: a vector
// holds 16 (or 8) consecutive pixels of an output row, which read 16
// consecutive input values at each tap (the input has one channel), and
// each channel's weight at that tap is broadcast over them. The channels'
// vectors are then interleaved into the H×W×K output.

// pixelConv says whether ConvForward runs g with the path's
// pixel-vectorised kernel (kernelSet.convPix): one input channel, pixels
// of one value, stride 1 along rows, rows of at least width output pixels
// (a row's last vector overlaps the one before rather than reading past
// the row), and a K that does not fill the channel tiles' 16 lanes.
func (g *ConvGeom) pixelConv(width int) bool {
	return g.C == 1 && g.inPix() == 1 && g.SW == 1 && g.OW >= width && g.K%16 != 0
}

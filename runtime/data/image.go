package data

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"strings"

	"github.com/cnnc/cnnc/runtime"
)

// MaxPixels bounds the images cnnc decodes: a header may declare any size,
// and the pixels are allocated from it.
const MaxPixels = 1 << 26

// Image is a decoded image: C channels of H×W bytes, channel after
// channel (C×H×W, as PyTorch lays out a tensor).
type Image struct {
	C, H, W int
	Pix     []byte
}

// Floats returns the image's values divided by 255, in [0, 1], as
// torchvision's transforms.ToTensor gives them.
func (m *Image) Floats() []float32 {
	v := make([]float32, len(m.Pix))
	for i, b := range m.Pix {
		v[i] = float32(b) / 255
	}
	return v
}

// ReadImage reads a PNG or JPEG file (recognised by its first bytes) as c
// channels: 1, luminance as PIL's convert("L") computes it from RGB
// (L = (19595 R + 38470 G + 7471 B + 2^15) >> 16, exact for 8-bit
// pixels), or 3, RGB as convert("RGB") gives it (a gray image repeated, an
// alpha channel dropped). check, when not nil, is called with the size the
// header declares before the pixels are decoded, and its error returned.
// 16-bit PNGs are read by their high bytes; JPEG's colours come from Go's
// decoder, which may differ from libjpeg's by a few levels.
func ReadImage(path string, c int, check func(h, w int) error) (*Image, error) {
	content, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return DecodeImage(path, content, c, check)
}

// DecodeImage is ReadImage on the bytes of a file; name names it in
// errors.
func DecodeImage(name string, content []byte, c int, check func(h, w int) error) (*Image, error) {
	fail := func(format string, args ...any) error {
		return &runtime.FileError{File: name, Msg: fmt.Sprintf(format, args...)}
	}
	var decode func(*bytes.Reader) (image.Image, error)
	var config func(*bytes.Reader) (image.Config, error)
	switch format := imageFormat(content); format {
	case "PNG":
		decode = func(r *bytes.Reader) (image.Image, error) { return png.Decode(r) }
		config = func(r *bytes.Reader) (image.Config, error) { return png.DecodeConfig(r) }
	case "JPEG":
		decode = func(r *bytes.Reader) (image.Image, error) { return jpeg.Decode(r) }
		config = func(r *bytes.Reader) (image.Config, error) { return jpeg.DecodeConfig(r) }
	case "":
		if len(content) == 0 {
			return nil, fail("is empty: want a PNG or JPEG image")
		}
		return nil, fail("is not a PNG or JPEG image")
	default:
		return nil, fail("is a %s image: cnnc reads PNG and JPEG", format)
	}
	cfg, err := config(bytes.NewReader(content))
	if err != nil {
		return nil, fail("corrupt image: %v", err)
	}
	if cfg.Width < 1 || cfg.Height < 1 {
		return nil, fail("has no pixels (%dx%d)", cfg.Width, cfg.Height)
	}
	pixels := int64(cfg.Width) * int64(cfg.Height)
	if pixels > MaxPixels {
		return nil, fail("is %dx%d pixels, more than cnnc decodes (%d)", cfg.Width, cfg.Height, MaxPixels)
	}
	// The decoders allocate the pixels the header declares: no more than
	// the file's compressed bytes can give (deflate's ratio, 8 pixels a
	// byte at one bit a pixel; JPEG's is lower).
	if limit := int64(len(content))*maxDeflateRatio*8 + 1<<16; pixels > limit {
		return nil, fail("truncated or corrupt: its header declares %dx%d pixels, more than its %s can hold", cfg.Width, cfg.Height, byteCount(int64(len(content))))
	}
	if check != nil {
		if err := check(cfg.Height, cfg.Width); err != nil {
			return nil, err
		}
	}
	img, err := decode(bytes.NewReader(content))
	if err != nil {
		return nil, fail("corrupt image: %v", err)
	}
	return channels(img, c), nil
}

// imageFormat names the format of an image file by its first bytes: PNG,
// JPEG, or another cnnc does not read; "" if none.
func imageFormat(b []byte) string {
	s := string(b[:min(len(b), 12)])
	switch {
	case strings.HasPrefix(s, "\x89PNG\r\n\x1a\n"):
		return "PNG"
	case strings.HasPrefix(s, "\xff\xd8\xff"):
		return "JPEG"
	case strings.HasPrefix(s, "GIF8"):
		return "GIF"
	case strings.HasPrefix(s, "BM"):
		return "BMP"
	case strings.HasPrefix(s, "RIFF") && len(s) >= 12 && s[8:12] == "WEBP":
		return "WebP"
	case strings.HasPrefix(s, "II*\x00"), strings.HasPrefix(s, "MM\x00*"):
		return "TIFF"
	case len(s) >= 2 && s[0] == 'P' && s[1] >= '1' && s[1] <= '6':
		return "PNM (PBM, PGM or PPM)"
	}
	return ""
}

// channels returns img's pixels as c channels of bytes (see ReadImage).
func channels(img image.Image, c int) *Image {
	b := img.Bounds()
	h, w := b.Dy(), b.Dx()
	m := &Image{C: c, H: h, W: w, Pix: make([]byte, c*h*w)}
	plane := h * w
	for y := range h {
		for x := range w {
			r, g, bl := rgb8(img, b.Min.X+x, b.Min.Y+y)
			i := y*w + x
			if c == 1 {
				m.Pix[i] = luminance(r, g, bl)
				continue
			}
			m.Pix[i], m.Pix[plane+i], m.Pix[2*plane+i] = r, g, bl
		}
	}
	return m
}

// rgb8 returns the 8-bit colour of a pixel, without premultiplied alpha.
func rgb8(img image.Image, x, y int) (r, g, b uint8) {
	switch im := img.(type) {
	case *image.Gray:
		v := im.Pix[im.PixOffset(x, y)]
		return v, v, v
	case *image.NRGBA:
		p := im.Pix[im.PixOffset(x, y):]
		return p[0], p[1], p[2]
	case *image.RGBA:
		if p := im.Pix[im.PixOffset(x, y):]; p[3] == 0xff {
			return p[0], p[1], p[2]
		}
	case *image.YCbCr:
		return color.YCbCrToRGB(im.Y[im.YOffset(x, y)], im.Cb[im.COffset(x, y)], im.Cr[im.COffset(x, y)])
	}
	c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
	return c.R, c.G, c.B
}

// luminance is PIL's conversion of 8-bit RGB to L (ITU-R 601-2 luma).
func luminance(r, g, b uint8) uint8 {
	return uint8((uint32(r)*19595 + uint32(g)*38470 + uint32(b)*7471 + 0x8000) >> 16)
}

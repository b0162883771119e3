package gen

import (
	"github.com/dave/jennifer/jen"
)

// smallMapRows is the most output rows for which a direct dense conv's
// forward is split between workers by weight blocks as well as rows: with
// rows alone, a small map gives each worker few rows (2 workers: 4 and 3
// of 7), and each worker reads all of the layer's weights for them.
const smallMapRows = 15

// blocks returns the number of weight blocks by which the conv's forward
// phase splits its work (see runtime.ConvForwardBlocks), 0 when it splits
// by rows alone: a direct dense conv of a small map.
func (cs *convStep) blocks() int {
	if cs.kind != kindDense || cs.wino || cs.oh > smallMapRows {
		return 0
	}
	kb := convKB(cs.op)
	return (cs.k + kb - 1) / kb
}

// convForwardBlocks emits the body of a conv's forward phase over units
// b·OH+y (block b, row y): the kernel for each run of rows of a block, the
// padding cleared with the rows of block 0, and the residual add, if any,
// on the block's channels.
func (g *graphGen) convForwardBlocks(body *jen.Group, cs *convStep, geom, eltGeom string, w, b jen.Code) {
	oh, kb := jen.Lit(cs.oh), convKB(cs.op)
	id := jen.Id
	body.For(id("u").Op(":=").Id("lo"), id("u").Op("<").Id("hi"), jen.Empty()).BlockFunc(func(loop *jen.Group) {
		loop.List(id("blk"), id("y0")).Op(":=").List(id("u").Op("/").Add(oh), id("u").Op("%").Add(oh))
		loop.Id("y1").Op(":=").Min(oh, id("y0").Op("+").Id("hi").Op("-").Id("u"))
		loop.Id("u").Op("+=").Id("y1").Op("-").Id("y0")
		loop.Add(rt("ConvForwardBlocks")).Call(jen.Op("&").Id(geom), jen.Id("c").Dot("Scratch"), cs.out.of(), cs.input(), w, b,
			id("blk"), id("blk").Op("+").Lit(1), id("y0"), id("y1"))
		if !g.mustClear(cs.out.Buf) && eltGeom == "" {
			return
		}
		loop.List(id("lo"), id("hi")).Op(":=").List(id("y0"), id("y1")).Comment("the rows")
		if g.mustClear(cs.out.Buf) {
			loop.If(id("blk").Op("==").Lit(0)).BlockFunc(func(first *jen.Group) {
				g.clearPad(first, cs.out.Buf, true, false)
			})
		}
		if eltGeom == "" {
			return
		}
		ins := []jen.Code{cs.out.of()}
		for _, k := range g.skipViews(cs.p, cs.s) {
			ins = append(ins, k.of())
		}
		loop.Add(rt("AddChannels")).Call(jen.Op("&").Id(eltGeom), cs.out.of(), jen.Index().Index().Float32().Values(ins...),
			id("blk").Op("*").Lit(kb), jen.Min(id("blk").Op("*").Lit(kb).Op("+").Lit(kb), jen.Lit(cs.k)), id("lo"), id("hi"))
	})
}

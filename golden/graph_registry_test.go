package golden

import (
	"github.com/cnnc/cnnc/golden/internal/gactivationsnew"
	"github.com/cnnc/cnnc/golden/internal/gbatchnorm"
	"github.com/cnnc/cnnc/golden/internal/gbottleneck"
	"github.com/cnnc/cnnc/golden/internal/gconcatidentity"
	"github.com/cnnc/cnnc/golden/internal/gconvgroups"
	"github.com/cnnc/cnnc/golden/internal/gglobalpool"
	"github.com/cnnc/cnnc/golden/internal/ginvertedresidual"
	"github.com/cnnc/cnnc/golden/internal/glabels"
	"github.com/cnnc/cnnc/golden/internal/gnestedrepeat"
	"github.com/cnnc/cnnc/golden/internal/gresidualbasic"
	"github.com/cnnc/cnnc/golden/internal/gresidualdown"

	"github.com/cnnc/cnnc/runtime"
)

// generatedGraphs maps each case of graphdata/ to the constructor of the
// package generated from its model.cnn (see the go:generate lines in
// graphgen.go).
var generatedGraphs = map[string]func(seed uint64) runtime.Network{
	"activations_new":   func(seed uint64) runtime.Network { return gactivationsnew.New(seed) },
	"batchnorm":         func(seed uint64) runtime.Network { return gbatchnorm.New(seed) },
	"bottleneck":        func(seed uint64) runtime.Network { return gbottleneck.New(seed) },
	"concat_identity":   func(seed uint64) runtime.Network { return gconcatidentity.New(seed) },
	"conv_groups":       func(seed uint64) runtime.Network { return gconvgroups.New(seed) },
	"global_pool":       func(seed uint64) runtime.Network { return gglobalpool.New(seed) },
	"inverted_residual": func(seed uint64) runtime.Network { return ginvertedresidual.New(seed) },
	"labels":            func(seed uint64) runtime.Network { return glabels.New(seed) },
	"nested_repeat":     func(seed uint64) runtime.Network { return gnestedrepeat.New(seed) },
	"residual_basic":    func(seed uint64) runtime.Network { return gresidualbasic.New(seed) },
	"residual_down":     func(seed uint64) runtime.Network { return gresidualdown.New(seed) },
}

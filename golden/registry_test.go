package golden

import (
	"github.com/cnnc/cnnc/golden/internal/activations"
	"github.com/cnnc/cnnc/golden/internal/activationsflat"
	"github.com/cnnc/cnnc/golden/internal/classifiersoftmax"
	"github.com/cnnc/cnnc/golden/internal/convrect"
	"github.com/cnnc/cnnc/golden/internal/convsame"
	"github.com/cnnc/cnnc/golden/internal/convstride1"
	"github.com/cnnc/cnnc/golden/internal/convstride3"
	"github.com/cnnc/cnnc/golden/internal/dropout"
	"github.com/cnnc/cnnc/golden/internal/example"
	"github.com/cnnc/cnnc/golden/internal/fcafterconv"
	"github.com/cnnc/cnnc/golden/internal/fcstack"
	"github.com/cnnc/cnnc/golden/internal/lenet"
	"github.com/cnnc/cnnc/golden/internal/poolavgpad"
	"github.com/cnnc/cnnc/golden/internal/poolmaxoverlap"
	"github.com/cnnc/cnnc/golden/internal/poolmaxpad"
	"github.com/cnnc/cnnc/golden/internal/poolmean"
	"github.com/cnnc/cnnc/golden/internal/repeatnested"
	"github.com/cnnc/cnnc/golden/internal/sgd"
	"github.com/cnnc/cnnc/golden/internal/sgdmse"
	"github.com/cnnc/cnnc/golden/internal/softmaxconv"
	"github.com/cnnc/cnnc/golden/internal/vgg"
	"github.com/cnnc/cnnc/golden/internal/winograd"

	"github.com/cnnc/cnnc/runtime"
)

// generated maps each case to the constructor of the package generated from
// its model.cnn (see the go:generate lines in golden.go).
var generated = map[string]func(seed uint64) runtime.Network{
	"activations":        func(seed uint64) runtime.Network { return activations.New(seed) },
	"activations_flat":   func(seed uint64) runtime.Network { return activationsflat.New(seed) },
	"classifier_softmax": func(seed uint64) runtime.Network { return classifiersoftmax.New(seed) },
	"conv_rect":          func(seed uint64) runtime.Network { return convrect.New(seed) },
	"conv_same":          func(seed uint64) runtime.Network { return convsame.New(seed) },
	"conv_stride1":       func(seed uint64) runtime.Network { return convstride1.New(seed) },
	"conv_stride3":       func(seed uint64) runtime.Network { return convstride3.New(seed) },
	"dropout":            func(seed uint64) runtime.Network { return dropout.New(seed) },
	"example":            func(seed uint64) runtime.Network { return example.New(seed) },
	"fc_after_conv":      func(seed uint64) runtime.Network { return fcafterconv.New(seed) },
	"fc_stack":           func(seed uint64) runtime.Network { return fcstack.New(seed) },
	"lenet":              func(seed uint64) runtime.Network { return lenet.New(seed) },
	"pool_avg_pad":       func(seed uint64) runtime.Network { return poolavgpad.New(seed) },
	"pool_max_overlap":   func(seed uint64) runtime.Network { return poolmaxoverlap.New(seed) },
	"pool_max_pad":       func(seed uint64) runtime.Network { return poolmaxpad.New(seed) },
	"pool_mean":          func(seed uint64) runtime.Network { return poolmean.New(seed) },
	"repeat_nested":      func(seed uint64) runtime.Network { return repeatnested.New(seed) },
	"sgd":                func(seed uint64) runtime.Network { return sgd.New(seed) },
	"sgd_mse":            func(seed uint64) runtime.Network { return sgdmse.New(seed) },
	"softmax_conv":       func(seed uint64) runtime.Network { return softmaxconv.New(seed) },
	"vgg":                func(seed uint64) runtime.Network { return vgg.New(seed) },
	"winograd":           func(seed uint64) runtime.Network { return winograd.New(seed) },
}

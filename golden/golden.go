// Package golden holds cnnc's golden tests: the generated code against the
// interpreter, the interpreter against finite differences and PyTorch, and
// the PyTorch fixtures with the script that made them (see README.md).
//
// Each fixture's model is compiled into a package under internal/ by the
// go:generate lines below, so the tests link every generated package
// directly; CI regenerates them and fails on any difference.
package golden

//go:generate go run ../cmd/cnnc compile --pkg activations -o internal/activations/ testdata/activations/model.cnn
//go:generate go run ../cmd/cnnc compile --pkg activationsflat -o internal/activationsflat/ testdata/activations_flat/model.cnn
//go:generate go run ../cmd/cnnc compile --pkg classifiersoftmax -o internal/classifiersoftmax/ testdata/classifier_softmax/model.cnn
//go:generate go run ../cmd/cnnc compile --pkg convrect -o internal/convrect/ testdata/conv_rect/model.cnn
//go:generate go run ../cmd/cnnc compile --pkg convsame -o internal/convsame/ testdata/conv_same/model.cnn
//go:generate go run ../cmd/cnnc compile --pkg convstride1 -o internal/convstride1/ testdata/conv_stride1/model.cnn
//go:generate go run ../cmd/cnnc compile --pkg convstride3 -o internal/convstride3/ testdata/conv_stride3/model.cnn
//go:generate go run ../cmd/cnnc compile --pkg dropout -o internal/dropout/ testdata/dropout/model.cnn
//go:generate go run ../cmd/cnnc compile --pkg example -o internal/example/ testdata/example/model.cnn
//go:generate go run ../cmd/cnnc compile --pkg fcafterconv -o internal/fcafterconv/ testdata/fc_after_conv/model.cnn
//go:generate go run ../cmd/cnnc compile --pkg fcstack -o internal/fcstack/ testdata/fc_stack/model.cnn
//go:generate go run ../cmd/cnnc compile --pkg lenet -o internal/lenet/ testdata/lenet/model.cnn
//go:generate go run ../cmd/cnnc compile --pkg poolavgpad -o internal/poolavgpad/ testdata/pool_avg_pad/model.cnn
//go:generate go run ../cmd/cnnc compile --pkg poolmaxoverlap -o internal/poolmaxoverlap/ testdata/pool_max_overlap/model.cnn
//go:generate go run ../cmd/cnnc compile --pkg poolmaxpad -o internal/poolmaxpad/ testdata/pool_max_pad/model.cnn
//go:generate go run ../cmd/cnnc compile --pkg poolmean -o internal/poolmean/ testdata/pool_mean/model.cnn
//go:generate go run ../cmd/cnnc compile --pkg repeatnested -o internal/repeatnested/ testdata/repeat_nested/model.cnn
//go:generate go run ../cmd/cnnc compile --pkg sgd -o internal/sgd/ testdata/sgd/model.cnn
//go:generate go run ../cmd/cnnc compile --pkg sgdmse -o internal/sgdmse/ testdata/sgd_mse/model.cnn
//go:generate go run ../cmd/cnnc compile --pkg softmaxconv -o internal/softmaxconv/ testdata/softmax_conv/model.cnn
//go:generate go run ../cmd/cnnc compile --pkg vgg -o internal/vgg/ testdata/vgg/model.cnn
//go:generate go run ../cmd/cnnc compile --pkg winograd -o internal/winograd/ testdata/winograd/model.cnn

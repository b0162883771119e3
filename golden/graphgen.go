package golden

// The cases of graphdata/ (residual and concat blocks, batchnorm, depthwise
// convs, global pools, the new activations) are compiled by the graph
// generator (gen.GraphFile) into packages under internal/ too.

//go:generate go run ../cmd/cnnc compile --pkg gactivationsnew -o internal/gactivationsnew/ graphdata/activations_new/model.cnn
//go:generate go run ../cmd/cnnc compile --pkg gbatchnorm -o internal/gbatchnorm/ graphdata/batchnorm/model.cnn
//go:generate go run ../cmd/cnnc compile --pkg gbottleneck -o internal/gbottleneck/ graphdata/bottleneck/model.cnn
//go:generate go run ../cmd/cnnc compile --pkg gconcatidentity -o internal/gconcatidentity/ graphdata/concat_identity/model.cnn
//go:generate go run ../cmd/cnnc compile --pkg gglobalpool -o internal/gglobalpool/ graphdata/global_pool/model.cnn
//go:generate go run ../cmd/cnnc compile --pkg ginvertedresidual -o internal/ginvertedresidual/ graphdata/inverted_residual/model.cnn
//go:generate go run ../cmd/cnnc compile --pkg glabels -o internal/glabels/ graphdata/labels/model.cnn
//go:generate go run ../cmd/cnnc compile --pkg gnestedrepeat -o internal/gnestedrepeat/ graphdata/nested_repeat/model.cnn
//go:generate go run ../cmd/cnnc compile --pkg gresidualbasic -o internal/gresidualbasic/ graphdata/residual_basic/model.cnn
//go:generate go run ../cmd/cnnc compile --pkg gresidualdown -o internal/gresidualdown/ graphdata/residual_down/model.cnn
//go:generate go run ../cmd/cnnc compile --pkg gconvgroups -o internal/gconvgroups/ graphdata/conv_groups/model.cnn
//go:generate go run ../cmd/cnnc compile --pkg gwinograd -o internal/gwinograd/ graphmodels/winograd.cnn
//go:generate go run ../cmd/cnnc compile --pkg gdropout -o internal/gdropout/ graphmodels/dropout.cnn
//go:generate go run ../cmd/cnnc compile --pkg gfcpadded -o internal/gfcpadded/ graphmodels/fc_padded.cnn

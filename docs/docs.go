// Package docs holds the pictures the README shows, drawn by cnnc draw from
// the bundled models. go generate remakes them; CI fails if they are stale,
// and so does internal/draw's TestDocsFresh.
package docs

//go:generate go run ../cmd/cnnc draw -o lenet5.svg ../models/lenet5.cnn
//go:generate go run ../cmd/cnnc draw -o vgg19.svg ../models/vgg19.cnn
//go:generate go run ../cmd/cnnc draw -o resnet18.svg ../models/resnet18.cnn

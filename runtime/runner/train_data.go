package runner

import (
	"errors"
	"fmt"

	"github.com/cnnc/cnnc/runtime/data"
)

// Data is a dataset in memory: N samples of X, each in PyTorch's C×H×W
// order, with a class label each (Labels, for a network ending in softmax)
// or the output each should give (Targets, N outputs, for any other).
type Data = data.Set

// LoadData reads a dataset for training a network whose samples have the
// shape input ([C H W]) and whose output has the shape output ([F], or
// [C H W] for a network ending in a conv layer): an .npz (or .safetensors)
// file holding x, y and optionally x_val, y_val, IDX files, or a folder of
// images in class folders (see package data). val is nil without x_val.
// Every problem is checked before any value is used; the error then lists
// each as a *runtime.FileError, one a line, or is an error opening a file.
//
// A path that names standard input ("-", /dev/stdin) reads os.Stdin, the
// format recognised by the content.
func LoadData(path string, input, output []int, classifier bool) (train, val *Data, err error) {
	return data.LoadTrain(path, data.Spec{Input: input, Output: output, Classifier: classifier})
}

// ErrUsage marks an error in the flags' values that only the data reveal
// (a --val that holds out no sample): exit status 2.
var ErrUsage = errors.New("usage")

// usageError is an error of a flag's value: status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string        { return e.msg }
func (e *usageError) Is(target error) bool { return target == ErrUsage }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// prepareData reads the training data and the held-out samples o asks
// for, and normalises both when o says so: the data side of Prepare.
func (o *TrainOptions) prepareData(spec data.Spec) (train, val *Data, err error) {
	train, val, err = data.LoadTrain(o.Data, spec)
	if err != nil {
		return nil, nil, err
	}
	size, outSize := sizeOf(spec.Input), sizeOf(spec.Output)
	switch {
	case o.ValData != "":
		if val != nil {
			return nil, nil, usagef("--val-data %s: %s holds x_val and y_val already: want one held-out set", o.ValData, train.Source)
		}
		if val, err = data.LoadHeldOut(o.ValData, spec); err != nil {
			return nil, nil, err
		}
	case o.Val > 0:
		if val != nil {
			return nil, nil, usagef("--val %v: %s holds x_val and y_val already: want one held-out set", o.Val, train.Source)
		}
		if train, val, err = data.HoldOut(train, o.Val, size, outSize); err != nil {
			return nil, nil, usagef("%v", err)
		}
	}
	if !o.Normalize && len(o.Mean) == 0 && len(o.Std) == 0 {
		return train, val, nil
	}
	c := channels(spec.Input)
	stats := data.Stats(train.X, c, size)
	mean, std := o.Mean, o.Std
	if len(mean) == 0 {
		mean = floats(stats.Mean)
	}
	if len(std) == 0 {
		std = floats(stats.Std)
	}
	norm, err := data.NewNorm(mean, std, c)
	if err != nil {
		return nil, nil, usagef("%v", err)
	}
	norm.Apply(train.X, size)
	if err := checkNonFinite("the training set", train, size); err != nil {
		return nil, nil, err
	}
	if val != nil {
		norm.Apply(val.X, size)
		if err := checkNonFinite("the held-out set", val, size); err != nil {
			return nil, nil, err
		}
	}
	o.norm = norm
	o.normComputed = len(o.Mean) == 0 || len(o.Std) == 0
	return train, val, nil
}

// channels is the number of channels of samples shaped input: C of
// [C H W], 1 for a flat input.
func channels(input []int) int {
	if len(input) == 3 {
		return input[0]
	}
	return 1
}

func sizeOf(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

func floats(v []float32) data.Floats {
	f := make(data.Floats, len(v))
	for i, x := range v {
		f[i] = float64(x)
	}
	return f
}

// checkNonFinite returns an error naming the first sample of d that holds
// NaN or an infinity, which normalising can make of finite values (a
// --std of 1e-40).
func checkNonFinite(what string, d *Data, size int) error {
	if d == nil {
		return nil
	}
	for i, v := range d.X {
		if !finite(float64(v)) {
			return usagef("--mean and --std make sample %d of %s %v: want a normalisation that keeps values finite", i/size, what, v)
		}
	}
	return nil
}

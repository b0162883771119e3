#!/usr/bin/python3
"""Exports torchvision's ResNet-18, ResNet-50 and MobileNetV2 (random
weights, random batchnorm statistics) to ONNX, imports each with cnnc
import, runs it with cnnc run (the float64 interpreter, batch 1, 224x224)
and compares the output with PyTorch's in float64.

    go build -o /tmp/cnnc ./cmd/cnnc
    /usr/bin/python3 onnx/testdata/torchvision_check.py /tmp/cnnc [WORKDIR] [MODEL...]

It prints, per model, the import's time, whether the weights' names are
torchvision's state_dict keys, the interpreter's time, and the largest
difference from PyTorch, absolute and relative to the largest logit.
"""
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
import torchvision


def randomize(model):
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 1.5)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.1, 0.1)
    return model.eval()


def check(cnnc, work, name):
    torch.manual_seed(0)
    model = randomize(getattr(torchvision.models, name)())
    x = torch.randn(1, 3, 224, 224)
    onnx_path = os.path.join(work, name + ".onnx")
    torch.onnx.export(model, x, onnx_path, opset_version=13, input_names=["x"],
                      training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False)
    with torch.no_grad():
        want = model.double()(x.double()).numpy()
    np.save(os.path.join(work, name + "_x.npy"), x.numpy())
    cnn, weights = os.path.join(work, name + ".cnn"), os.path.join(work, name + ".npz")
    t0 = time.time()
    subprocess.run([cnnc, "import", "-o", cnn, "--weights-out", weights, onnx_path], check=True)
    t_import = time.time() - t0
    names = sorted(np.load(weights).files)
    same_names = names == sorted(model.state_dict().keys())
    out = os.path.join(work, name + "_y.npz")
    t0 = time.time()
    subprocess.run([cnnc, "run", "--weights", weights, "--input", os.path.join(work, name + "_x.npy"),
                    "--out", out, cnn], check=True)
    t_run = time.time() - t0
    got = np.load(out)["y"]
    diff = np.abs(got - want).max()
    scale = np.abs(want).max()
    print(f"{name}: import {t_import:.1f} s, state_dict names {'kept' if same_names else 'NOT kept'}, "
          f"interpreter {t_run:.0f} s, max |diff| {diff:.3g} (largest logit {scale:.3g}, relative {diff / scale:.3g}), "
          f"top-1 {int(got.argmax())} vs {int(want.argmax())}", flush=True)


def main():
    cnnc = sys.argv[1]
    work = sys.argv[2] if len(sys.argv) > 2 else tempfile.mkdtemp()
    models = sys.argv[3:] or ["resnet18", "resnet50", "mobilenet_v2"]
    for name in models:
        check(cnnc, work, name)


if __name__ == "__main__":
    main()

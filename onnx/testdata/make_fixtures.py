#!/usr/bin/python3
"""Exports the ONNX fixtures of cnnc import's tests.

Run from the repository root with Debian's packages (python3-torch 1.13,
python3-torchvision, python3-onnx 1.12):

    /usr/bin/python3 onnx/testdata/make_fixtures.py

For each small network it writes NAME.onnx (torch.onnx.export, opset 13
unless the case says otherwise) and NAME.npz holding the input x (float32,
a batch of 2) and y, PyTorch's output computed in float64 from the same
float32 weights; NAME.keys lists the state_dict keys when the import should
keep them. Between them the networks use every operator cnnc import maps.
unsupported.onnx holds operators it does not map, and external/ a model
whose weights are in an external data file.
"""
import os

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(0)


def randomize(model):
    # Random batchnorm statistics, so that exporting them matters.
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm2d, nn.BatchNorm1d)):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 1.5)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.5, 0.5)
    return model.eval()


def export(name, model, shape, opset=13, keep_bn=False, keys=False, dynamic=False, edit=None):
    model = randomize(model)
    x = torch.randn(2, *shape)
    path = os.path.join(HERE, name + ".onnx")
    kw = {}
    if keep_bn:
        kw = dict(training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False)
    if dynamic:
        kw["dynamic_axes"] = {"x": {0: "batch"}}
    torch.onnx.export(model, x[:1] if not dynamic else x, path, opset_version=opset,
                      input_names=["x"], **kw)
    if edit:
        m = onnx.load(path)
        edit(m)
        onnx.save(m, path)
    with torch.no_grad():
        y = model.double()(x.double()).numpy()
    np.savez(os.path.join(HERE, name + ".npz"), x=x.numpy(), y=y)
    if keys:
        with open(os.path.join(HERE, name + ".keys"), "w") as f:
            f.write("\n".join(model.state_dict().keys()) + "\n")
    print(name, os.path.getsize(path), "bytes")


class Convs(nn.Module):
    """Conv options, pools, the plain activations, Flatten + Linear, softmax."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.conv2 = nn.Conv2d(8, 8, 3, padding=2, dilation=2, groups=4, bias=False)
        self.conv3 = nn.Conv2d(8, 6, (3, 2), stride=(1, 2), padding=(1, 0))
        self.fc = nn.Linear(6 * 2 * 1, 5)

    def forward(self, x):
        x = F.leaky_relu(self.conv1(x), 0.2)
        x = torch.tanh(self.conv2(x))
        x = F.max_pool2d(x, 3, stride=2, padding=1)
        x = torch.sigmoid(self.conv3(x))
        x = F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=True)
        x = F.avg_pool2d(x, 2)
        x = torch.flatten(F.relu(x), 1)
        return torch.softmax(self.fc(x), 1)


def block(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU6(),
                         nn.Conv2d(cout, cout, 1), nn.Hardswish())


class BN(nn.Module):
    """Batchnorm (kept or folded by the exporter), relu6, hardswish, a global average pool."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(block(3, 8), block(8, 8), nn.AdaptiveAvgPool2d(1))
        self.bn = nn.BatchNorm1d(8, eps=1e-3)
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(8, 4))

    def forward(self, x):
        return self.classifier(self.bn(torch.flatten(self.features(x), 1)))


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        return self.relu(self.bn2(self.conv2(out)) + identity)


class ResNet(nn.Module):
    """Residual blocks with identity and conv shortcuts, repeats, a global max pool."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.layer1 = nn.Sequential(BasicBlock(8, 8, 1), BasicBlock(8, 8, 1), BasicBlock(8, 8, 1))
        self.layer2 = nn.Sequential(BasicBlock(8, 16, 2), BasicBlock(16, 16, 1))
        self.fc = nn.Linear(16, 3)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.layer2(self.layer1(x))
        return self.fc(torch.flatten(F.adaptive_max_pool2d(x, 1), 1))


class Inception(nn.Module):
    """Concat blocks (an identity branch, a nested residual), silu, gelu."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 4, 3, padding=1)
        self.b1 = nn.Conv2d(4, 4, 1)
        self.b2a = nn.Conv2d(4, 4, 3, padding=1)
        self.b2b = nn.Conv2d(4, 4, 3, padding=1)
        self.head = nn.Conv2d(12, 6, 1)
        self.fc = nn.Linear(6 * 4 * 4, 3)

    def forward(self, x):
        x = F.silu(self.stem(x))
        b2 = F.gelu(self.b2a(x))
        b2 = self.b2b(b2) + b2
        x = torch.cat([x, self.b1(x), b2], 1)
        x = F.max_pool2d(F.gelu(self.head(x)), 2)
        return self.fc(x.view(x.size(0), -1))


class MLP(nn.Module):
    """MatMul + Add as fc, a flat batchnorm, dropout kept in the graph."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.randn(3 * 4 * 4, 10) / 7)
        self.b = nn.Parameter(torch.randn(10))
        self.out = nn.Linear(10, 4)

    def forward(self, x):
        x = x.reshape(x.shape[0], -1)
        x = F.gelu(x @ self.w + self.b)
        return self.out(x)


def add_dropout(m):
    # PyTorch drops Dropout from an inference export; put one back between
    # the gelu and the last layer, ratio 0.25 as opset 13 gives it (an input).
    g = m.graph
    last = g.node[-1]
    src = last.input[0]
    g.initializer.append(numpy_helper.from_array(np.array(0.25, dtype=np.float32), "ratio"))
    g.node.insert(len(g.node) - 1, helper.make_node("Dropout", [src, "ratio"], ["dropped"], name="dropout"))
    last.input[0] = "dropped"


class Old(nn.Module):
    """Opset 9 and 11: Clip's bounds as attributes, Softmax over a flattened map, a dynamic batch."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)

    def forward(self, x):
        x = F.relu6(self.conv(x))
        return torch.softmax(x.view(x.size(0), -1), 1)


class LeNet(nn.Module):
    """Round-1 layers only, which the generated code runs too."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 5, padding=2)
        self.conv2 = nn.Conv2d(4, 6, 3)
        self.fc1 = nn.Linear(6 * 2 * 2, 10)
        self.fc2 = nn.Linear(10, 3)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.avg_pool2d(torch.tanh(self.conv2(x)), 2)
        x = torch.sigmoid(self.fc1(torch.flatten(x, 1)))
        return torch.softmax(self.fc2(x), 1)


class Unsupported(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)

    def forward(self, x):
        x = torch.abs(self.conv(F.pad(x, (1, 0, 1, 0))))
        x = F.elu(x) * 2
        return x.mean(1)


def main():
    export("convs", Convs(), (3, 16, 16), keys=True)
    export("lenet", LeNet(), (1, 12, 12), keys=True)
    export("bn_kept", BN(), (3, 8, 8), keep_bn=True, keys=True)
    export("bn_folded", BN(), (3, 8, 8))
    export("resnet", ResNet(), (3, 8, 8), keep_bn=True, keys=True)
    export("inception", Inception(), (3, 8, 8), keys=True)
    export("mlp", MLP(), (3, 4, 4), edit=add_dropout)
    export("opset9", Old(), (3, 6, 6), opset=9, dynamic=True)
    export("opset11", Old(), (3, 6, 6), opset=11, dynamic=True)
    export("opset14", BN(), (3, 8, 8), opset=14, keep_bn=True)  # HardSwish is one node from 14
    export("opset17", Inception(), (3, 8, 8), opset=17)
    export("unsupported", Unsupported(), (3, 6, 6))
    # A model whose weights live in an external file beside it.
    os.makedirs(os.path.join(HERE, "external"), exist_ok=True)
    m = onnx.load(os.path.join(HERE, "convs.onnx"))
    onnx.save_model(m, os.path.join(HERE, "external", "convs.onnx"), save_as_external_data=True,
                    all_tensors_to_one_file=True, location="convs.weights", size_threshold=0)


if __name__ == "__main__":
    main()

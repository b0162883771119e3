"""Build a float64 PyTorch module from a cnnreader.Program.

The module's state_dict keys are the names cnnc gives (cnnreader's rules):
every conv, batchnorm and fc module sits in a tree of plain nn.Modules at its
dotted name, so that `layer2.0.conv1` is model.layer2[0].conv1 as in
torchvision. The forward pass walks the program's ops, which refer to the
same module objects; stateless modules (activations, pools, dropout) live in
one ModuleList whose name cannot clash with a label, so train()/eval() and
forward hooks reach them without adding state_dict keys.
"""

import copy
import math

import torch
from torch import nn

import cnnreader

DTYPE = torch.float64
OPS = "(ops)"  # the attribute holding the stateless modules

_ACTIVATION = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu6": nn.ReLU6,
               "hardswish": nn.Hardswish, "silu": nn.SiLU, "gelu": nn.GELU}


def module(op):
    """The PyTorch module of one layer op."""
    kind, shape = op["kind"], op["input"]
    if kind == "conv":
        return nn.Conv2d(shape[0], op["filters"], op["window"], stride=op["stride"],
                         padding=op["pad"], dilation=op["dilation"], groups=op["groups"],
                         bias=op["bias"], dtype=DTYPE)
    if kind == "fc":
        return nn.Linear(op["fan_in"], op["out"], dtype=DTYPE)
    if kind == "batchnorm":
        cls = nn.BatchNorm2d if cnnreader.is_map(shape) else nn.BatchNorm1d
        return cls(shape[0], eps=op["eps"], momentum=op["momentum"], dtype=DTYPE)
    if kind == "pool":
        if op["mode"] == "max":
            return nn.MaxPool2d(op["window"], op["stride"], op["pad"])
        return nn.AvgPool2d(op["window"], op["stride"], op["pad"], count_include_pad=True)
    if kind == "gpool":
        return nn.AdaptiveMaxPool2d(1) if op["mode"] == "max" else nn.AdaptiveAvgPool2d(1)
    if kind == "leaky":
        return nn.LeakyReLU(op["slope"])
    if kind == "dropout":
        return nn.Dropout(op["p"])
    if kind == "softmax":
        return nn.Softmax(dim=1)
    return _ACTIVATION[kind]()


class Net(nn.Module):
    """The network of a Program; see the module docstring."""

    def __init__(self, prog):
        super().__init__()
        self.prog = prog
        self.add_module(OPS, nn.ModuleList())
        self.steps = self._place(prog.ops)
        self.stop = len(self.steps)

    def _place(self, ops):
        """Make each op's module, put it in the tree; return the steps."""
        steps = []
        for op in ops:
            if op["kind"] in ("residual", "concat"):
                steps.append((op["kind"], [self._place(b) for b in op["branches"]]))
                continue
            m = module(op)
            if op["state"]:
                self._attach(op["name"], m)
            else:
                getattr(self, OPS).append(m)
            flatten = op["kind"] in ("fc", "softmax") and cnnreader.is_map(op["input"])
            steps.append(("layer", (flatten, m)))
        return steps

    def _attach(self, name, m):
        parent = self
        *path, last = name.split(".")
        for seg in path:
            if seg not in parent._modules:
                parent.add_module(seg, nn.Module())
            parent = parent._modules[seg]
        parent.add_module(last, m)

    def forward(self, x):
        return _run(self.steps[:self.stop], x)

    def without_last(self):
        """The same network (same modules, same names) without its last op:
        the logits of a network that ends in softmax."""
        short = copy.copy(self)
        short.stop = self.stop - 1
        return short


def _run(steps, x):
    for kind, arg in steps:
        if kind == "layer":
            flatten, m = arg
            x = m(torch.flatten(x, 1) if flatten else x)
        elif kind == "residual":
            body, shortcut = arg
            x = _run(body, x) + _run(shortcut, x)
        else:
            x = torch.cat([_run(b, x) for b in arg], dim=1)
    return x


def build(prog):
    """A float64 Net for the program (parameters at PyTorch's defaults)."""
    return Net(prog)


def owner(model, name):
    """The module holding state_dict entry name."""
    m = model
    for seg in name.split(".")[:-1]:
        m = m._modules[seg]
    return m


def init_state(model):
    """Draw every parameter and buffer, in state_dict order, from the current
    RNG state.

    conv and fc weights: uniform in +-sqrt(6 / fan_in) (variance 2/fan_in,
    which keeps relu activations O(1)); their biases uniform in +-0.1.
    batchnorm: weight uniform in [0.5, 1.5), bias uniform in +-0.5,
    running_mean ~ N(0, 0.5^2), running_var uniform in [0.5, 2),
    num_batches_tracked uniform in {0, .., 99}.
    """
    with torch.no_grad():
        for name, t in model.state_dict(keep_vars=True).items():
            suffix = name.rpartition(".")[2]
            if isinstance(owner(model, name), nn.modules.batchnorm._BatchNorm):
                if suffix == "num_batches_tracked":
                    t.copy_(torch.randint(0, 100, ()))
                    continue
                low, high = {"weight": (0.5, 1.5), "bias": (-0.5, 0.5),
                             "running_var": (0.5, 2.0)}.get(suffix, (None, None))
                if low is None:
                    t.copy_(torch.randn(t.shape, dtype=DTYPE) * 0.5)
                else:
                    t.copy_(torch.rand(t.shape, dtype=DTYPE) * (high - low) + low)
            elif suffix == "weight":
                bound = math.sqrt(6.0 / math.prod(t.shape[1:]))
                t.copy_(torch.rand(t.shape, dtype=DTYPE) * 2 * bound - bound)
            else:
                bound = 0.1
                t.copy_(torch.rand(t.shape, dtype=DTYPE) * 2 * bound - bound)


def load(path):
    """Read a .cnn file and build its Net."""
    with open(path, encoding="utf-8") as f:
        return build(cnnreader.read(f.read()))

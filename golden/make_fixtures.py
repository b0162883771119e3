#!/usr/bin/python3
"""Make the PyTorch golden fixtures that cnnc's tests compare against.

For every directory golden/testdata/<case>/ or golden/graphdata/<case>/
holding a model.cnn, this script reads the .cnn file with a reader of its own
(cnnreader.py, independent of the Go front end), builds the same network in
PyTorch in float64 (cnntorch.py), draws weights, batchnorm statistics, an
input batch x and an output gradient dy from a fixed per-case seed, runs the
network forward in eval mode and backward with y.backward(dy), and writes
<case>/torch.npz. The graph cases (graphdata/, which the code generator does
not compile yet) also get train_mode.npz: the same pass in training mode,
with batch statistics, and the buffers it leaves. The training cases of
testdata/ (see TRAINING) also get train.npz: three steps of SGD with
momentum and weight decay.

Before writing anything the script checks its own numbers (fixturecheck.py):
every case's gradients against a central finite difference along a random
direction, a few cases against torch.autograd.gradcheck, the SGD updates and
the running statistics against a numpy re-implementation, and every
activation input and max-pool window for a comfortable margin from a kink or
tie (so that float32 engines cannot take the other branch).

The tests that read these fixtures never need PyTorch. See README.md for the
key conventions, tolerances and how to regenerate.

Usage:
    /usr/bin/python3 golden/make_fixtures.py            # (re)write fixtures
    /usr/bin/python3 golden/make_fixtures.py --check    # compare, write nothing
    /usr/bin/python3 golden/make_fixtures.py CASE ...   # only these cases
"""

import argparse
import collections
import pathlib
import sys

import numpy as np
import torch
from torch import nn
from torch.nn.utils.stateless import functional_call

import cnnreader
import cnntorch
from fixturecheck import (check_directional, check_gradcheck, check_margins,
                          check_running_stats, compare, npz_bytes, numpy_array)

HERE = pathlib.Path(__file__).resolve().parent
TESTDATA = HERE / "testdata"
GRAPHDATA = HERE / "graphdata"
DTYPE = torch.float64
BATCH = 3  # samples per fixture batch

# Case-specific fixed seeds for torch.manual_seed. Every case directory needs
# one; the values are arbitrary but must never change once committed.
SEEDS = {
    "example": 101,
    "conv_stride1": 102,
    "conv_stride3": 103,
    "conv_rect": 104,
    "conv_same": 105,
    "pool_max_pad": 106,
    "pool_max_overlap": 107,
    "pool_mean": 108,
    "pool_avg_pad": 109,
    "fc_after_conv": 110,
    "fc_stack": 111,
    "activations": 112,
    "activations_flat": 113,
    "classifier_softmax": 114,
    "softmax_conv": 115,
    "dropout": 116,
    "repeat_nested": 117,
    "lenet": 118,
    "vgg": 119,
    "sgd": 120,
    "sgd_mse": 121,
    "winograd": 122,
}

# Cases whose gradients are also checked with torch.autograd.gradcheck.
GRADCHECK_CASES = ("conv_rect", "pool_max_pad", "lenet", "conv_groups", "concat_identity")

# Training fixtures: case -> loss ("cross_entropy" on the logits before the
# final softmax, or "mse"), and the SGD hyperparameters shared by both.
TRAINING = {"sgd": "cross_entropy", "sgd_mse": "mse"}
TRAIN_STEPS = 3
TRAIN_BATCH = 4
SGD = {"lr": 0.1, "momentum": 0.9, "weight_decay": 1e-3}

# The graph cases under graphdata/ and their seeds (the same rules as SEEDS).
GRAPH_SEEDS = {
    "conv_groups": 201,
    "batchnorm": 202,
    "global_pool": 203,
    "activations_new": 204,
    "residual_basic": 205,
    "residual_down": 206,
    "bottleneck": 207,
    "inverted_residual": 208,
    "concat_identity": 209,
    "nested_repeat": 210,
    "labels": 211,
}

# Graph cases whose gradients are also checked with torch.autograd.gradcheck
# in training mode (through the batch statistics).
GRADCHECK_TRAIN_CASES = ("batchnorm", "residual_down")

# Cases whose input x is drawn from N(0, scale^2) rather than N(0, 1), so
# that activations reach their far kinks (relu6 at 6, hardswish at +-3).
X_SCALE = {"activations_new": 4.0}


def case_dir(case):
    return (GRAPHDATA if case in GRAPH_SEEDS else TESTDATA) / case


def load_case(case):
    """Parse a case's model.cnn and build its model with drawn weights.

    Returns (model, input shape (C, H, W), output shape), with the RNG left
    seeded right after the weights so that callers draw their data next.
    """
    seed = SEEDS.get(case, GRAPH_SEEDS.get(case))
    if seed is None:
        raise KeyError(f"no seed for case {case!r}: add one to SEEDS or GRAPH_SEEDS")
    prog = cnnreader.read((case_dir(case) / "model.cnn").read_text())
    model = cnntorch.build(prog)
    model.eval()
    torch.manual_seed(seed)
    cnntorch.init_state(model)
    return model, prog.input, prog.output


def load_data(case):
    """The case's model (eval mode) with its weights, and its x and dy."""
    model, (c, h, w), out_shape = load_case(case)
    x = torch.randn(BATCH, c, h, w, dtype=DTYPE) * X_SCALE.get(case, 1)
    dy = torch.randn((BATCH,) + out_shape, dtype=DTYPE)
    return model, x, dy


def run_backward(model, x, dy, case):
    """y = model(x), then y.backward(dy); check the gradients along a random
    direction (and with gradcheck for the cases that ask). Returns the
    arrays x, dy, y, dx, NAME.grad and the parameter gradients."""
    x = x.clone().requires_grad_()
    y = model(x)
    assert y.shape == dy.shape, (case, y.shape, dy.shape)
    y.backward(dy)
    grads = {n: p.grad.detach().clone() for n, p in model.named_parameters()}

    arrays = collections.OrderedDict()
    arrays["x"] = numpy_array(x)
    arrays["dy"] = numpy_array(dy)
    arrays["y"] = numpy_array(y)
    arrays["dx"] = numpy_array(x.grad)
    for name, g in grads.items():
        arrays[name + ".grad"] = numpy_array(g)
    return arrays, grads


def forward_fixture(case):
    """Compute the torch.npz arrays of one case (see README.md)."""
    model, x, dy = load_data(case)
    check_margins(model, x, case)
    arrays = collections.OrderedDict(
        (name, numpy_array(t)) for name, t in model.state_dict().items())
    passed, grads = run_backward(model, x, dy, case)
    arrays.update(passed)
    check_directional(model, x, dy, grads, torch.from_numpy(passed["dx"]), case)
    if case in GRADCHECK_CASES:
        check_gradcheck(model, x, case)
    return arrays


def train_mode_fixture(case):
    """Compute the train_mode.npz arrays of a graph case (see README.md): the
    pass of torch.npz (same weights, buffers, x and dy) in training mode, and
    every buffer after it."""
    model, x, dy = load_data(case)
    if any(isinstance(m, nn.Dropout) and m.p > 0 for m in model.modules()):
        raise ValueError(f"{case}: training-mode fixtures cannot hold dropout")
    model.train()
    check_margins(model, x, case)
    before = {n: b.detach().clone() for n, b in model.named_buffers()}
    arrays, grads = run_backward(model, x, dy, case)
    after = {n: b.detach().clone() for n, b in model.named_buffers()}
    with torch.no_grad():
        for n, b in model.named_buffers():
            b.copy_(before[n])
    check_directional(model, x, dy, grads, torch.from_numpy(arrays["dx"]), case)
    check_running_stats(model, x, before, after, case)
    if case in GRADCHECK_TRAIN_CASES:
        check_gradcheck(model, x, case)
    for name, b in after.items():
        arrays[name] = numpy_array(b)
    return arrays


def train_fixture(case):
    """Compute the train.npz arrays of a training case (see README.md)."""
    loss_kind = TRAINING[case]
    model, (c, h, w), out_shape = load_case(case)
    if any(isinstance(m, nn.Dropout) for m in model.modules()):
        raise ValueError(f"{case}: training fixtures cannot hold dropout")
    if loss_kind == "cross_entropy":
        if model.prog.ops[-1]["kind"] != "softmax":
            raise ValueError(f"{case}: cross-entropy needs a final softmax")
        # The logits: the same modules (so the same parameter names) without the softmax.
        net = model.without_last()
        loss_fn = nn.CrossEntropyLoss()
    else:
        net = model
        loss_fn = nn.MSELoss()
    classes = out_shape[0]

    arrays = collections.OrderedDict()
    for name, p in model.named_parameters():
        arrays[name] = numpy_array(p)
    for key, value in SGD.items():
        arrays[key] = np.array([value], dtype=np.float64)

    # The data comes from its own seed (the case's plus 1000), so that it
    # does not depend on what forward_fixture drew.
    torch.manual_seed(SEEDS[case] + 1000)
    batches = []
    for _ in range(TRAIN_STEPS):
        x = torch.randn(TRAIN_BATCH, c, h, w, dtype=DTYPE)
        if loss_kind == "cross_entropy":
            target = torch.randint(0, classes, (TRAIN_BATCH,), dtype=torch.int64)
        else:
            target = torch.rand(TRAIN_BATCH, classes, dtype=DTYPE) * 2 - 1
        batches.append((x, target))

    opt = torch.optim.SGD(model.parameters(), **SGD)
    losses = []
    names = [n for n, _ in model.named_parameters()]
    history = [{n: p.detach().clone() for n, p in model.named_parameters()}]
    grad_history = []
    for step, (x, target) in enumerate(batches, 1):
        check_margins(net, x, f"{case} step {step}")
        opt.zero_grad()
        loss = loss_fn(net(x), target)
        loss.backward()
        losses.append(loss.item())
        grad_history.append({n: p.grad.detach().clone() for n, p in model.named_parameters()})
        opt.step()
        history.append({n: p.detach().clone() for n, p in model.named_parameters()})
        arrays[f"step{step}.x"] = numpy_array(x)
        arrays[f"step{step}.y"] = numpy_array(target)
        for n in names:
            arrays[f"step{step}.{n}.grad"] = numpy_array(grad_history[-1][n])
        for n in names:
            arrays[f"step{step}.{n}"] = numpy_array(history[-1][n])
    arrays["losses"] = np.array(losses, dtype=np.float64)

    check_sgd(history, grad_history, case)
    check_loss(net, history[0], batches[0], losses[0], loss_kind, case)
    return arrays


def check_sgd(history, grad_history, case):
    """Replay the SGD updates in numpy from the recorded gradients.

    v <- g + wd*w on the first step, v <- momentum*v + (g + wd*w) after;
    w <- w - lr*v.
    """
    lr, mom, wd = SGD["lr"], SGD["momentum"], SGD["weight_decay"]
    w = {n: t.numpy() for n, t in history[0].items()}
    v = {}
    for step, grads in enumerate(grad_history, 1):
        for n in w:
            g = grads[n].numpy() + wd * w[n]
            v[n] = g if step == 1 else mom * v[n] + g
            w[n] = w[n] - lr * v[n]
            if not np.allclose(w[n], history[step][n].numpy(), rtol=0, atol=1e-14):
                raise AssertionError(f"{case}: SGD step {step} of {n} disagrees with numpy")


def check_loss(net, weights, batch, loss, loss_kind, case):
    """Recompute the first loss in numpy from the network's output."""
    x, target = batch
    with torch.no_grad():
        out = functional_call(net, weights, (x,)).numpy()
    t = target.numpy()
    if loss_kind == "cross_entropy":
        z = out - out.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        want = -logp[np.arange(len(t)), t].mean()
    else:
        want = ((out - t) ** 2).mean()
    if abs(want - loss) > 1e-12 * max(1.0, abs(want)):
        raise AssertionError(f"{case}: loss {loss} != numpy {want}")


def cases():
    """Every case directory under testdata and graphdata, sorted."""
    return (sorted(p.parent.name for p in TESTDATA.glob("*/model.cnn"))
            + sorted(p.parent.name for p in GRAPHDATA.glob("*/model.cnn")))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="recompute every fixture and compare with the files; write nothing")
    parser.add_argument("cases", nargs="*", help="only these cases (default: all)")
    args = parser.parse_args(argv)

    torch.set_num_threads(1)  # one summation order, so reruns are bit-identical
    torch.use_deterministic_algorithms(True)
    problems = []
    for case in args.cases or cases():
        outputs = {"torch.npz": forward_fixture(case)}
        if case in TRAINING:
            outputs["train.npz"] = train_fixture(case)
        for filename, arrays in outputs.items():
            path = case_dir(case) / filename
            if args.check:
                problems += compare(path, arrays)
            else:
                path.write_bytes(npz_bytes(arrays))
        if case in GRAPH_SEEDS:
            path = case_dir(case) / "train_mode.npz"
            arrays = train_mode_fixture(case)
            if args.check:
                problems += compare(path, arrays)
            else:
                path.write_bytes(npz_bytes(arrays))
        print(f"{case}: ok")
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

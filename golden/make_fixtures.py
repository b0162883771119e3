#!/usr/bin/python3
"""Make the PyTorch golden fixtures that cnnc's tests compare against.

For every directory golden/testdata/<case>/ holding a model.cnn, this script
reads the .cnn file with a small reader of its own (independent of the Go
front end), builds the same network in PyTorch in float64, draws weights, an
input batch x and an output gradient dy from a fixed per-case seed, runs the
network forward in eval mode and backward with y.backward(dy), and writes
golden/testdata/<case>/torch.npz. The training cases (see TRAINING) also get
train.npz: three steps of SGD with momentum and weight decay.

Before writing anything the script checks its own numbers: every case's
gradients against a central finite difference along a random direction, a
few cases against torch.autograd.gradcheck, the SGD updates against a numpy
re-implementation, and every relu/leaky input and max-pool window for a
comfortable margin from a kink or tie (so that float32 engines cannot take
the other branch).

The tests that read these fixtures never need PyTorch. See README.md for the
key conventions, tolerances and how to regenerate.

Usage:
    /usr/bin/python3 golden/make_fixtures.py            # (re)write fixtures
    /usr/bin/python3 golden/make_fixtures.py --check    # compare, write nothing
"""

import argparse
import collections
import io
import math
import pathlib
import re
import sys
import zipfile

import numpy as np
import torch
from torch import nn
from torch.nn.utils.stateless import functional_call

HERE = pathlib.Path(__file__).resolve().parent
TESTDATA = HERE / "testdata"
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
GRADCHECK_CASES = ("conv_rect", "pool_max_pad", "lenet")

# Training fixtures: case -> loss ("cross_entropy" on the logits before the
# final softmax, or "mse"), and the SGD hyperparameters shared by both.
TRAINING = {"sgd": "cross_entropy", "sgd_mse": "mse"}
TRAIN_STEPS = 3
TRAIN_BATCH = 4
SGD = {"lr": 0.1, "momentum": 0.9, "weight_decay": 1e-3}

# A relu/leaky input closer to 0 than this, or a max-pool window whose two
# largest values are closer than this, is rejected: a float32 engine could
# take the other branch there and disagree with the fixture's gradient.
MARGIN = 1e-5


# ---------------------------------------------------------------------------
# The .cnn reader.
# ---------------------------------------------------------------------------

_TOKEN = re.compile(r"(#[^\n]*|[ \t\r]+)|([{}\n;])|([^\s{};#]+)")


def tokenize(text):
    """Split .cnn text into words, "{", "}" and ";" (for ";" or newline)."""
    tokens = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise ValueError(f"unexpected character {text[pos]!r} at offset {pos}")
        pos = m.end()
        if m.group(2):
            tokens.append(";" if m.group(2) == "\n" else m.group(2))
        elif m.group(3):
            tokens.append(m.group(3))
    return tokens


def parse_block(tokens, i=0, depth=0):
    """Parse statements from tokens[i:] up to a closing "}" (or the end).

    Returns (statements, next index). A statement is a list of words, or the
    tuple ("repeat", count, body) with body a list of statements.
    """
    stmts = []
    while i < len(tokens):
        if tokens[i] == ";":
            i += 1
            continue
        if tokens[i] == "}":
            if depth == 0:
                raise ValueError('"}" outside a repeat block')
            return stmts, i + 1
        words = []
        while i < len(tokens) and tokens[i] not in (";", "{", "}"):
            words.append(tokens[i])
            i += 1
        if not words:
            raise ValueError('"{" without repeat')
        if words[0] == "repeat":
            if len(words) != 2 or i >= len(tokens) or tokens[i] != "{":
                raise ValueError(f"bad repeat header: {' '.join(words)}")
            body, i = parse_block(tokens, i + 1, depth + 1)
            stmts.append(("repeat", positive(words[1]), body))
        else:
            if i < len(tokens) and tokens[i] == "{":
                raise ValueError(f'"{{" after {words[0]}')
            stmts.append(words)
    if depth:
        raise ValueError("unclosed repeat block")
    return stmts, i


def expand(stmts):
    """Flatten repeat blocks: return the list of plain statements in order."""
    out = []
    for s in stmts:
        if isinstance(s, tuple):
            _, count, body = s
            for _ in range(count):
                out.extend(expand(body))
        else:
            out.append(s)
    return out


def positive(word):
    """Parse a whole number >= 1."""
    if not re.fullmatch(r"\d+", word) or int(word) < 1:
        raise ValueError(f"expected a whole number >= 1, got {word!r}")
    return int(word)


def sizes(word, n):
    """Parse "AxBxC" into n whole numbers."""
    parts = word.split("x")
    if len(parts) != n:
        raise ValueError(f"expected {n} numbers separated by x, got {word!r}")
    return [positive(p) for p in parts]


def pair(word, letter, minimum):
    """Parse an option "s2" / "s2x1" (or "p...") into (height, width)."""
    m = re.fullmatch(letter + r"(\d+)(?:x(\d+))?", word)
    if not m:
        raise ValueError(f"bad option {word!r}")
    a = int(m.group(1))
    b = int(m.group(2)) if m.group(2) is not None else a
    if min(a, b) < minimum:
        raise ValueError(f"option {word!r} out of range")
    return a, b


def options(words, window, allow_same):
    """Parse conv/pool options into (stride, padding); stride defaults to None."""
    stride, pad = None, (0, 0)
    i = 0
    while i < len(words):
        w = words[i]
        if w == "p" and allow_same and i + 1 < len(words) and words[i + 1] == "same":
            if window[0] % 2 == 0 or window[1] % 2 == 0:
                raise ValueError("p same needs an odd filter")
            pad = ((window[0] - 1) // 2, (window[1] - 1) // 2)
            i += 2
            continue
        if w.startswith("s"):
            stride = pair(w, "s", 1)
        elif w.startswith("p"):
            pad = pair(w, "p", 0)
        else:
            raise ValueError(f"unknown option {w!r}")
        i += 1
    return stride, pad


def number(word):
    """Parse a decimal number (slope or dropout probability)."""
    return float(word)


def parse_cnn(text):
    """Read .cnn text; return (input (C, H, W), list of layer dicts)."""
    stmts = expand(parse_block(tokenize(text))[0])
    if stmts and stmts[0][0] == "model":
        stmts = stmts[1:]
    if not stmts or stmts[0][0] != "input" or len(stmts[0]) != 2:
        raise ValueError("the first statement (after model) must be input HxWxC")
    h, w, c = sizes(stmts[0][1], 3)
    layers = []
    for words in stmts[1:]:
        kind, args = words[0], words[1:]
        if kind == "conv":
            fh, fw, k = sizes(args[0], 3)
            stride, pad = options(args[1:], (fh, fw), allow_same=True)
            layers.append(dict(kind="conv", window=(fh, fw), filters=k,
                               stride=stride or (1, 1), pad=pad))
        elif kind == "pool":
            if args[0] not in ("max", "mean", "avg"):
                raise ValueError(f"pool {args[0]!r}")
            fh, fw = sizes(args[1], 2)
            stride, pad = options(args[2:], (fh, fw), allow_same=False)
            layers.append(dict(kind="pool", mode="max" if args[0] == "max" else "mean",
                               window=(fh, fw), stride=stride or (fh, fw), pad=pad))
        elif kind == "fc":
            if len(args) != 1:
                raise ValueError("fc N")
            layers.append(dict(kind="fc", out=positive(args[0])))
        elif kind in ("relu", "sigmoid", "tanh", "softmax") and not args:
            layers.append(dict(kind=kind))
        elif kind == "leaky" and len(args) <= 1:
            layers.append(dict(kind="leaky", slope=number(args[0]) if args else 0.01))
        elif kind == "dropout" and len(args) == 1:
            layers.append(dict(kind="dropout", p=number(args[0])))
        else:
            raise ValueError(f"bad statement: {' '.join(words)}")
    return (c, h, w), layers


# ---------------------------------------------------------------------------
# The PyTorch model.
# ---------------------------------------------------------------------------

def out_size(size, window, stride, pad):
    """(W - F + 2P)/S + 1, which must be a whole number >= 1 (as in cnnc)."""
    num = size - window + 2 * pad
    if num < 0 or num % stride:
        raise ValueError(f"({size} - {window} + 2*{pad})/{stride} + 1 is not a whole number >= 1")
    return num // stride + 1


def build(input_shape, layers):
    """Build the float64 nn.Sequential for the layers.

    Convolutions and fully connected layers are named conv1, conv2, ...,
    fc1, ... so that state_dict keys are the cnnc parameter names; other
    modules are named <kind>_<layer index>. Returns (model, output shape),
    the shape being (C, H, W) or (F,) for one sample.
    """
    mods = collections.OrderedDict()
    shape = tuple(input_shape)
    count = collections.Counter()
    for i, layer in enumerate(layers, 1):
        kind = layer["kind"]
        if kind in ("conv", "pool"):
            if len(shape) != 3:
                raise ValueError(f"{kind} after the features were flattened")
            c, h, w = shape
            (fh, fw), (sh, sw), (ph, pw) = layer["window"], layer["stride"], layer["pad"]
            ho, wo = out_size(h, fh, sh, ph), out_size(w, fw, sw, pw)
        if kind == "conv":
            count["conv"] += 1
            mods[f"conv{count['conv']}"] = nn.Conv2d(
                c, layer["filters"], layer["window"], stride=layer["stride"],
                padding=layer["pad"], bias=True, dtype=DTYPE)
            shape = (layer["filters"], ho, wo)
        elif kind == "pool":
            if max(ph * 2 - fh, pw * 2 - fw) > 0:
                raise ValueError("pool padding exceeds half the window")
            if layer["mode"] == "max":
                mods[f"pool_{i}"] = nn.MaxPool2d(layer["window"], layer["stride"], layer["pad"])
            else:
                mods[f"pool_{i}"] = nn.AvgPool2d(layer["window"], layer["stride"], layer["pad"],
                                                 count_include_pad=True)
            shape = (c, ho, wo)
        elif kind == "fc":
            count["fc"] += 1
            mods[f"flatten_{i}"] = nn.Flatten()
            mods[f"fc{count['fc']}"] = nn.Linear(math.prod(shape), layer["out"], dtype=DTYPE)
            shape = (layer["out"],)
        elif kind == "softmax":
            mods[f"flatten_{i}"] = nn.Flatten()
            mods[f"softmax_{i}"] = nn.Softmax(dim=1)
            shape = (math.prod(shape),)
        elif kind == "dropout":
            mods[f"dropout_{i}"] = nn.Dropout(layer["p"])
        elif kind == "leaky":
            mods[f"leaky_{i}"] = nn.LeakyReLU(layer["slope"])
        else:
            mods[f"{kind}_{i}"] = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh}[kind]()
    return nn.Sequential(mods), shape


def init_params(model):
    """Draw every parameter, in state_dict order, from the current RNG state.

    Weights are uniform in +-sqrt(6 / fan_in) (variance 2/fan_in, which keeps
    relu activations O(1)); biases uniform in +-0.1.
    """
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith(".weight"):
                bound = math.sqrt(6.0 / math.prod(p.shape[1:]))
            else:
                bound = 0.1
            p.copy_(torch.rand(p.shape, dtype=DTYPE) * 2 * bound - bound)


def load_case(case):
    """Parse a case's model.cnn and build its model with drawn weights.

    Returns (model, input shape (C, H, W), output shape), with the RNG left
    seeded right after the weights so that callers draw their data next.
    """
    if case not in SEEDS:
        raise KeyError(f"no seed for case {case!r}: add one to SEEDS")
    input_shape, layers = parse_cnn((TESTDATA / case / "model.cnn").read_text())
    model, out_shape = build(input_shape, layers)
    model.eval()
    torch.manual_seed(SEEDS[case])
    init_params(model)
    return model, input_shape, out_shape


# ---------------------------------------------------------------------------
# Self-checks.
# ---------------------------------------------------------------------------

def as_pair(v):
    """A module's int-or-tuple size as a (height, width) tuple."""
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


def check_margins(model, x, case):
    """Assert no relu/leaky input is near 0 and no max-pool window near a tie.

    Windows whose two largest values are both exactly 0 (relu outputs) are
    allowed: whichever element a max pool picks, the relu before it passes
    no gradient there, so dx and the parameter gradients do not depend on it.
    """
    problems = []

    def kink_hook(module, inputs, _output):
        v = inputs[0].detach()
        if v.abs().min() < MARGIN:
            problems.append(f"{type(module).__name__} input {v.abs().min():.2e} from 0")

    def pool_hook(module, inputs, _output):
        v = inputs[0].detach()
        (fh, fw), (sh, sw), (ph, pw) = (as_pair(a) for a in (
            module.kernel_size, module.stride, module.padding))
        v = nn.functional.pad(v, (pw, pw, ph, ph), value=-math.inf)
        windows = v.unfold(2, fh, sh).unfold(3, fw, sw).flatten(start_dim=4)
        top = windows.topk(2, dim=-1).values
        gap = top[..., 0] - top[..., 1]
        bad = (gap < MARGIN) & ~((top[..., 0] == 0) & (top[..., 1] == 0))
        if bad.any():
            problems.append(f"max pool tie: gap {gap[bad].min():.2e}")

    hooks = []
    for m in model.modules():
        if isinstance(m, (nn.ReLU, nn.LeakyReLU)):
            hooks.append(m.register_forward_hook(kink_hook))
        elif isinstance(m, nn.MaxPool2d):
            hooks.append(m.register_forward_hook(pool_hook))
    with torch.no_grad():
        model(x)
    for h in hooks:
        h.remove()
    if problems:
        raise AssertionError(f"{case}: {'; '.join(problems)} (choose another seed)")


def check_directional(model, x, dy, grads, dx, case):
    """Compare the gradients with a central difference of sum(y * dy).

    Along a random direction v (over x and every parameter), the derivative
    of L = sum(model(x) * dy) must equal sum(grad * v). This uses no autograd.
    """
    gen = torch.Generator().manual_seed(12345)
    params = {n: p.detach() for n, p in model.named_parameters()}
    vx = torch.randn(x.shape, dtype=DTYPE, generator=gen)
    vp = {n: torch.randn(p.shape, dtype=DTYPE, generator=gen) for n, p in params.items()}

    def loss(t):
        moved = {n: p + t * vp[n] for n, p in params.items()}
        with torch.no_grad():
            return (functional_call(model, moved, (x + t * vx,)) * dy).sum().item()

    h = 1e-6
    numeric = (loss(h) - loss(-h)) / (2 * h)
    analytic = (dx * vx).sum().item() + sum((grads[n] * vp[n]).sum().item() for n in params)
    if abs(numeric - analytic) > 1e-6 * max(1.0, abs(analytic)):
        raise AssertionError(f"{case}: directional derivative {numeric} != {analytic}")


def check_gradcheck(model, x, case):
    """Run torch.autograd.gradcheck on the model as a function of x and weights."""
    names = [n for n, _ in model.named_parameters()]

    def f(x, *params):
        return functional_call(model, dict(zip(names, params)), (x,))

    inputs = [x.detach().clone().requires_grad_()]
    inputs += [p.detach().clone().requires_grad_() for _, p in model.named_parameters()]
    if not torch.autograd.gradcheck(f, tuple(inputs), eps=1e-6, atol=1e-7, rtol=1e-6):
        raise AssertionError(f"{case}: gradcheck failed")


# ---------------------------------------------------------------------------
# Fixtures.
# ---------------------------------------------------------------------------

def numpy_array(t):
    """A C-ordered numpy copy of a tensor."""
    return np.array(t.detach().numpy(), order="C", copy=True)


def forward_fixture(case):
    """Compute the torch.npz arrays of one case (see README.md)."""
    model, (c, h, w), out_shape = load_case(case)
    x = torch.randn(BATCH, c, h, w, dtype=DTYPE)
    dy = torch.randn((BATCH,) + out_shape, dtype=DTYPE)
    check_margins(model, x, case)

    x.requires_grad_()
    y = model(x)
    assert y.shape == dy.shape, (case, y.shape, dy.shape)
    y.backward(dy)
    grads = {n: p.grad.detach().clone() for n, p in model.named_parameters()}
    check_directional(model, x.detach(), dy, grads, x.grad, case)
    if case in GRADCHECK_CASES:
        check_gradcheck(model, x.detach(), case)

    arrays = collections.OrderedDict()
    for name, p in model.named_parameters():
        arrays[name] = numpy_array(p)
    arrays["x"] = numpy_array(x)
    arrays["dy"] = numpy_array(dy)
    arrays["y"] = numpy_array(y)
    arrays["dx"] = numpy_array(x.grad)
    for name, g in grads.items():
        arrays[name + ".grad"] = numpy_array(g)
    return arrays


def train_fixture(case):
    """Compute the train.npz arrays of a training case (see README.md)."""
    loss_kind = TRAINING[case]
    model, (c, h, w), out_shape = load_case(case)
    named = list(model.named_children())
    modules = [m for _, m in named]
    if any(isinstance(m, nn.Dropout) for m in modules):
        raise ValueError(f"{case}: training fixtures cannot hold dropout")
    if loss_kind == "cross_entropy":
        if not isinstance(modules[-1], nn.Softmax):
            raise ValueError(f"{case}: cross-entropy needs a final softmax")
        # The logits: the same modules (so the same parameter names) without the softmax.
        net = nn.Sequential(collections.OrderedDict(named[:-1]))
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


def npz_bytes(arrays):
    """Serialise arrays as an uncompressed .npz, byte for byte reproducible.

    This is the format numpy.savez writes (a ZIP_STORED archive of NAME.npy
    files in .npy format 1.0); it differs only in using a fixed timestamp, so
    that regenerating unchanged fixtures leaves them byte-identical in git.
    """
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, a in arrays.items():
            if a.dtype not in (np.float64, np.int64):
                raise TypeError(f"{name}: dtype {a.dtype}")
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            npy = io.BytesIO()
            np.lib.format.write_array(npy, np.ascontiguousarray(a), allow_pickle=False)
            zf.writestr(info, npy.getvalue())
    return buf.getvalue()


def compare(path, arrays):
    """Compare arrays with an existing .npz; return a list of differences."""
    if not path.exists():
        return [f"{path} is missing"]
    with np.load(path) as old:
        diffs = []
        if sorted(old.files) != sorted(arrays):
            diffs.append(f"{path}: keys differ")
        for name, a in arrays.items():
            if name in old.files and not np.array_equal(old[name], a):
                diffs.append(f"{path}: {name} differs by {np.abs(old[name] - a).max():.3e}")
        return diffs


def cases():
    """Every case directory under testdata, sorted."""
    return sorted(p.parent.name for p in TESTDATA.glob("*/model.cnn"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="recompute every fixture and compare with the files; write nothing")
    args = parser.parse_args(argv)

    torch.set_num_threads(1)  # one summation order, so reruns are bit-identical
    torch.use_deterministic_algorithms(True)
    problems = []
    for case in cases():
        outputs = {"torch.npz": forward_fixture(case)}
        if case in TRAINING:
            outputs["train.npz"] = train_fixture(case)
        for filename, arrays in outputs.items():
            path = TESTDATA / case / filename
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

"""The layers of the .cnn language for cnnreader.py: words to ops.

layer() reads one layer statement (conv, pool, fc, batchnorm, activations,
dropout, softmax) on an input shape and returns an op: a dict with the
layer's settings, its output shape, its parameters and buffers and its
multiply-adds. Shapes are (C, H, W) for a map and (F,) for flat features.
"""

import math
import re

from cnnsyntax import fail, positive

ACTIVATIONS = ("relu", "sigmoid", "tanh", "relu6", "hardswish", "silu", "gelu")


def sizes(word, n, line):
    """"AxBxC" as n whole numbers."""
    parts = word.split("x")
    if len(parts) != n:
        fail(line, f"expected {n} numbers separated by x, got {word!r}")
    return [positive(p, line) for p in parts]


def number(word, line):
    """A decimal number (slope, probability, eps, momentum)."""
    try:
        return float(word)
    except ValueError:
        fail(line, f"expected a number, got {word!r}")


def pair(word, letter, minimum, line):
    """An option "s2" / "s2x1" (or p..., d...) as (height, width)."""
    m = re.fullmatch(letter + r"(\d+)(?:x(\d+))?", word)
    if not m:
        fail(line, f"bad option {word!r}")
    a = int(m.group(1))
    b = int(m.group(2)) if m.group(2) is not None else a
    if min(a, b) < minimum:
        fail(line, f"option {word!r} out of range")
    return a, b


def options(words, line, conv):
    """Conv or pool options as a dict: stride (None if not given), pad (a pair
    or "same"), and for conv groups, dilation and bias."""
    opt = dict(stride=None, pad=(0, 0), groups=1, dilation=(1, 1), bias=True)
    i = 0
    while i < len(words):
        w = words[i]
        if w == "p" and conv and words[i + 1:i + 2] == ["same"]:
            opt["pad"] = "same"
            i += 1
        elif w == "nobias" and conv:
            opt["bias"] = False
        elif w[0] == "s":
            opt["stride"] = pair(w, "s", 1, line)
        elif w[0] == "p":
            opt["pad"] = pair(w, "p", 0, line)
        elif w[0] == "g" and conv:
            opt["groups"] = positive(w[1:], line)
        elif w[0] == "d" and conv:
            opt["dilation"] = pair(w, "d", 1, line)
        else:
            fail(line, f"unknown option {w!r}")
        i += 1
    return opt


def keywords(words, allowed, line):
    """`NAME VALUE` pairs such as `eps 1e-3 momentum 0.01` as a dict."""
    if len(words) % 2:
        fail(line, f"expected NAME VALUE pairs, got {' '.join(words)!r}")
    got = {}
    for name, value in zip(words[::2], words[1::2]):
        if name not in allowed or name in got:
            fail(line, f"unexpected {name!r}")
        got[name] = number(value, line)
    return got


# ---------------------------------------------------------------------------
# Shapes.
# ---------------------------------------------------------------------------

def out_size(size, window, stride, pad, dilation, line):
    """PyTorch's floor((W + 2P - D(F-1) - 1)/S) + 1, refused (as cnnc does)
    when the floor would drop real pixels: the r = (W + 2P - Feff) mod S
    unread rows must satisfy r - P <= max(0, S - Feff). For example W=56, F=3,
    S=2, P=1 gives 28 (r=1 is padding), and F=1, P=0 gives 28 too."""
    eff = dilation * (window - 1) + 1
    num = size + 2 * pad - eff
    if num < 0:
        fail(line, f"window {eff} is larger than the padded input {size + 2 * pad}")
    r = num % stride
    if r and r - pad > max(0, stride - eff):
        fail(line, f"({size} + 2*{pad} - {eff})/{stride} + 1 is not whole "
                   f"and {r - pad} real rows or columns would be ignored")
    return num // stride + 1


def show(shape):
    """A shape as cnnc prints it: HxWxC or F."""
    return f"{shape[1]}x{shape[2]}x{shape[0]}" if len(shape) == 3 else str(shape[0])


def is_map(shape):
    return len(shape) == 3


# ---------------------------------------------------------------------------
# Layers.
# ---------------------------------------------------------------------------

def layer(words, shape, line):
    """One layer statement on an input shape: an op dict with its kind,
    settings and output shape, its parameters/buffers as (suffix, shape,
    role) and its multiply-adds for one sample."""
    kind, args = words[0], words[1:]
    op = dict(kind=kind, line=line, text=" ".join(words), state=[], macs=0, input=shape)
    if kind == "conv":
        if not args:
            fail(line, "conv FhxFwxK")
        fh, fw, k = sizes(args[0], 3, line)
        opt = options(args[1:], line, conv=True)
        conv_shape(op, shape, (fh, fw), k, opt, line)
    elif kind == "pool" and args[1:] == ["global"]:
        if args[0] not in ("max", "mean", "avg") or not is_map(shape):
            fail(line, "pool max|avg|mean global on a map")
        op.update(kind="gpool", mode="max" if args[0] == "max" else "mean",
                  output=(shape[0], 1, 1))
    elif kind == "pool":
        if len(args) < 2 or args[0] not in ("max", "mean", "avg") or not is_map(shape):
            fail(line, "pool max|mean|avg FhxFw on a map")
        window = tuple(sizes(args[1], 2, line))
        opt = options(args[2:], line, conv=False)
        stride = opt["stride"] or window
        pad = opt["pad"]
        if max(2 * pad[0] - window[0], 2 * pad[1] - window[1]) > 0:
            fail(line, "pool padding exceeds half the window")
        ho = out_size(shape[1], window[0], stride[0], pad[0], 1, line)
        wo = out_size(shape[2], window[1], stride[1], pad[1], 1, line)
        op.update(mode="max" if args[0] == "max" else "mean", window=window,
                  stride=stride, pad=pad, output=(shape[0], ho, wo))
    elif kind == "fc":
        if len(args) != 1:
            fail(line, "fc N")
        n, fan_in = positive(args[0], line), math.prod(shape)
        op.update(out=n, fan_in=fan_in, output=(n,), macs=n * fan_in,
                  state=[("weight", (n, fan_in), "weight"), ("bias", (n,), "bias")])
    elif kind == "batchnorm":
        got = keywords(args, ("eps", "momentum"), line)
        c = shape[0]
        op.update(eps=got.get("eps", 1e-5), momentum=got.get("momentum", 0.1), output=shape,
                  state=[("weight", (c,), "scale"), ("bias", (c,), "bias"),
                         ("running_mean", (c,), "buffer"), ("running_var", (c,), "buffer"),
                         ("num_batches_tracked", (), "buffer")])
    elif kind in ACTIVATIONS and not args:
        op.update(output=shape)
    elif kind == "leaky" and len(args) <= 1:
        op.update(slope=number(args[0], line) if args else 0.01, output=shape)
    elif kind == "dropout" and len(args) == 1:
        p = number(args[0], line)
        if not 0 <= p < 1:
            fail(line, f"dropout probability {p} not in [0, 1)")
        op.update(p=p, output=shape)
    elif kind == "softmax" and not args:
        op.update(output=(math.prod(shape),))
    else:
        fail(line, f"bad statement: {' '.join(words)!r}")
    return op


def conv_shape(op, shape, window, k, opt, line):
    """Fill a conv op's settings, output shape, parameters and MACs."""
    if not is_map(shape):
        fail(line, f"conv on flat features {show(shape)}")
    c, h, w = shape
    g, (dh, dw) = opt["groups"], opt["dilation"]
    if c % g or k % g:
        fail(line, f"groups {g} must divide the input channels {c} and filters {k}")
    pad = opt["pad"]
    if pad == "same":
        if window[0] % 2 == 0 or window[1] % 2 == 0:
            fail(line, "p same needs an odd filter")
        pad = (dh * (window[0] - 1) // 2, dw * (window[1] - 1) // 2)
    stride = opt["stride"] or (1, 1)
    ho = out_size(h, window[0], stride[0], pad[0], dh, line)
    wo = out_size(w, window[1], stride[1], pad[1], dw, line)
    op.update(window=window, filters=k, stride=stride, pad=pad, groups=g, dilation=(dh, dw),
              bias=opt["bias"], output=(k, ho, wo),
              macs=ho * wo * k * (c // g) * window[0] * window[1])
    op["state"] = [("weight", (k, c // g) + tuple(window), "weight")]
    if opt["bias"]:
        op["state"].append(("bias", (k,), "bias"))


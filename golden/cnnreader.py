"""A reader of the .cnn language, independent of cnnc's Go front end.

It turns .cnn text into a program: a list of ops (plain dicts) with their
shapes and the PyTorch-style names of their parameters and buffers, following
the language reference in README.md and the naming rules it states:

- `LABEL: STATEMENT` names a layer SCOPE.LABEL (SCOPE: the enclosing scope);
  a labeled block (residual, concat, repeat or `LABEL: { ... }`) makes its
  label the scope of everything inside it. Body and shortcut of a residual,
  and every branch of a concat, share the block's scope.
- Copy i of `L: repeat N { ... }` has the scope L.i, counted from 0; when L
  ends in a number n, the copies are numbered from n instead (`layer1.1:
  repeat 2` gives layer1.1 and layer1.2).
- An unlabeled conv, batchnorm or fc is named convI, bnI or fcI, counting
  unlabeled layers of its kind from 1 within its scope (labeled layers do not
  count). Unlabeled blocks and repeat copies make no scope: they share the
  enclosing counters, so a file without labels keeps round 1's names.

Only the standard library is used here; cnntorch.py builds the PyTorch module.
"""

import collections
import math
import re

_TOKEN = re.compile(r"(#[^\n]*|[ \t\r]+)|([{}\n;:])|([^\s{};:#]+)")
_SEGMENT = r"(?:[A-Za-z_][A-Za-z0-9_]*|\d+)"
_LABEL = re.compile(_SEGMENT + r"(?:\." + _SEGMENT + r")*")

# Layers with parameters, and the prefix of their automatic names.
PREFIX = {"conv": "conv", "batchnorm": "bn", "fc": "fc"}
ACTIVATIONS = ("relu", "sigmoid", "tanh", "relu6", "hardswish", "silu", "gelu")


class CnnError(ValueError):
    """A malformed .cnn file; the message starts with the line number."""


def fail(line, msg):
    raise CnnError(f"line {line}: {msg}")


# ---------------------------------------------------------------------------
# Text to statements.
# ---------------------------------------------------------------------------

def tokenize(text):
    """Split .cnn text into (token, line) pairs: words, "{", "}", ":" and ";"
    (for ";" or a newline)."""
    tokens = []
    pos, line = 0, 1
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            fail(line, f"unexpected character {text[pos]!r}")
        pos = m.end()
        if m.group(2):
            tokens.append((";" if m.group(2) == "\n" else m.group(2), line))
            line += m.group(2) == "\n"
        elif m.group(3):
            tokens.append((m.group(3), line))
    return tokens


class Stmt:
    """One statement: a layer (kind "layer", words) or a block (kind
    "repeat", "residual", "concat" or "group", with bodies: a list of
    statement lists; count for repeat)."""

    def __init__(self, kind, line, label=None, words=None, bodies=None, count=None):
        self.kind, self.line, self.label = kind, line, label
        self.words, self.bodies, self.count = words, bodies, count


class _Parser:
    def __init__(self, tokens):
        self.toks = tokens
        self.i = 0

    def peek(self):
        return self.toks[self.i][0] if self.i < len(self.toks) else None

    def line(self):
        return self.toks[min(self.i, len(self.toks) - 1)][1] if self.toks else 1

    def expect(self, tok, what):
        if self.peek() != tok:
            fail(self.line(), f"expected {tok!r} {what}, got {self.peek()!r}")
        self.i += 1

    def block(self, depth):
        """Statements up to a closing "}" (consumed) or the end of the text."""
        stmts = []
        while True:
            tok = self.peek()
            if tok is None:
                if depth:
                    fail(self.line(), "unclosed block")
                return stmts
            if tok == ";":
                self.i += 1
            elif tok == "}":
                if not depth:
                    fail(self.line(), '"}" outside a block')
                self.i += 1
                return stmts
            else:
                stmts.append(self.statement(depth))

    def statement(self, depth):
        line = self.line()
        words = []
        while self.peek() not in (None, ";", "{", "}"):
            words.append(self.peek())
            self.i += 1
        label = None
        if len(words) >= 2 and words[1] == ":":
            label, words = words[0], words[2:]
            if not _LABEL.fullmatch(label):
                fail(line, f"bad label {label!r}")
        if ":" in words:
            fail(line, "a label is one dotted path followed by ':'")
        if self.peek() != "{":
            if not words:
                fail(line, f"label {label!r} without a statement")
            return Stmt("layer", line, label, words=words)
        head = words[0] if words else None
        if head == "repeat" and len(words) == 2:
            count = positive(words[1], line)
            return Stmt("repeat", line, label, bodies=[self.body(depth)], count=count)
        if words == ["residual"]:
            bodies = [self.body(depth)]
            if self.peek() == "shortcut":
                self.i += 1
                bodies.append(self.body(depth))
            self.end(line)
            return Stmt("residual", line, label, bodies=bodies)
        if words == ["concat"]:
            bodies = [self.body(depth)]
            while self.peek() == "{":
                bodies.append(self.body(depth))
            self.end(line)
            return Stmt("concat", line, label, bodies=bodies)
        if not words and label is not None:
            return Stmt("group", line, label, bodies=[self.body(depth)])
        fail(line, f"'{{' after {' '.join(words) or 'nothing'}")

    def body(self, depth):
        self.expect("{", "to open a block")
        return self.block(depth + 1)

    def end(self, line):
        if self.peek() not in (None, ";", "}"):
            fail(line, f"unexpected {self.peek()!r} after a block")


def parse(text):
    """Parse .cnn text into a list of Stmt."""
    return _Parser(tokenize(text)).block(0)


# ---------------------------------------------------------------------------
# Words.
# ---------------------------------------------------------------------------

def positive(word, line):
    """A whole number >= 1."""
    if not re.fullmatch(r"\d+", word) or int(word) < 1:
        fail(line, f"expected a whole number >= 1, got {word!r}")
    return int(word)


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


# ---------------------------------------------------------------------------
# Statements to a program.
# ---------------------------------------------------------------------------

def join(scope, name):
    return f"{scope}.{name}" if scope else name


def copy_scopes(label, count):
    """The scopes of the copies of `label: repeat count`: label.0, label.1, ...
    or, when label ends in a number n, the same path ending n, n+1, ..."""
    head, _, last = label.rpartition(".")
    if last.isdigit():
        return [join(head, str(int(last) + i)) for i in range(count)]
    return [join(label, str(i)) for i in range(count)]


class Program:
    """The lowered network: input shape, ops, output shape, and every
    parameter and buffer as name -> (shape, role, line), in source order."""

    def __init__(self, name, input_shape):
        self.name, self.input = name, input_shape
        self.state = collections.OrderedDict()
        self.ops, self.output = [], input_shape

    def params(self):
        """The number of learnable parameters."""
        return sum(math.prod(s) for s, role, _ in self.state.values() if role != "buffer")

    def macs(self):
        """Multiply-adds for one sample: convs and fcs."""
        def count(ops):
            n = 0
            for op in ops:
                n += op["macs"] + sum(count(b) for b in op.get("branches", ()))
            return n
        return count(self.ops)


def lower(prog, stmts, shape, scope, counters):
    """Append the ops of stmts to a list; return (ops, output shape)."""
    ops = []
    for s in stmts:
        if s.kind == "layer":
            if s.words[0] in ("model", "input"):
                fail(s.line, f"{s.words[0]} must come first")
            op = layer(s.words, shape, s.line)
            if op["state"]:
                if s.label is None:
                    prefix = PREFIX[op["kind"]]
                    counters[prefix] += 1
                    op["name"] = join(scope, f"{prefix}{counters[prefix]}")
                else:
                    op["name"] = join(scope, s.label)
                for suffix, tshape, role in op["state"]:
                    full = f"{op['name']}.{suffix}"
                    if full in prog.state:
                        fail(s.line, f"{full!r} is already defined at line {prog.state[full][2]}")
                    prog.state[full] = (tshape, role, s.line)
            ops.append(op)
            shape = op["output"]
            continue
        inner = join(scope, s.label) if s.label is not None else scope

        def fresh():
            return collections.Counter() if s.label is not None else counters

        if s.kind == "repeat":
            scopes = copy_scopes(inner, s.count) if s.label is not None else [scope] * s.count
            for sc in scopes:
                body, shape = lower(prog, s.bodies[0], shape, sc, fresh())
                ops += body
        elif s.kind == "group":
            body, shape = lower(prog, s.bodies[0], shape, inner, fresh())
            ops += body
        else:
            ops.append(merge(prog, s, shape, inner, fresh()))
            shape = ops[-1]["output"]
    return ops, shape


def merge(prog, s, shape, scope, counters):
    """A residual or concat op: its branches lowered on the same input."""
    branches, outs = [], []
    for body in s.bodies:
        ops, out = lower(prog, body, shape, scope, counters)
        branches.append(ops)
        outs.append(out)
    if s.kind == "residual":
        if len(branches) == 1:
            branches.append([])
            outs.append(shape)
        if outs[0] != outs[1]:
            fail(s.line, f"residual body gives {show(outs[0])}, shortcut {show(outs[1])}")
        out = outs[0]
    else:
        if any(len(o) != len(outs[0]) or o[1:] != outs[0][1:] for o in outs):
            fail(s.line, f"concat branches disagree: {', '.join(show(o) for o in outs)}")
        out = (sum(o[0] for o in outs),) + outs[0][1:]
    return dict(kind=s.kind, line=s.line, branches=branches, input=shape, output=out,
                state=[], macs=0)


def read(text):
    """Read .cnn text into a Program."""
    stmts = parse(text)
    name = None
    if stmts and stmts[0].kind == "layer" and stmts[0].words[0] == "model":
        name = stmts[0].words[1] if len(stmts[0].words) == 2 else fail(stmts[0].line, "model NAME")
        stmts = stmts[1:]
    if not stmts or stmts[0].kind != "layer" or stmts[0].words[0] != "input" \
            or len(stmts[0].words) != 2:
        fail(stmts[0].line if stmts else 1, "the first statement (after model) must be input HxWxC")
    h, w, c = sizes(stmts[0].words[1], 3, stmts[0].line)
    prog = Program(name, (c, h, w))
    prog.ops, prog.output = lower(prog, stmts[1:], (c, h, w), "", collections.Counter())
    return prog

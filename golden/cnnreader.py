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

cnnsyntax.py parses the text into statements, cnnlayers.py reads each layer
statement; this file lowers the statements to a program and names it. Only
the standard library is used; cnntorch.py builds the PyTorch module.
"""

import collections
import math

from cnnlayers import is_map, layer, show, sizes  # noqa: F401 (is_map: for cnntorch)
from cnnsyntax import CnnError, fail, parse  # noqa: F401 (CnnError: for callers)

# Layers with parameters, and the prefix of their automatic names.
PREFIX = {"conv": "conv", "batchnorm": "bn", "fc": "fc"}


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


"""A .cnn model cut just before one of its relus (torchvision_kinks.py).

`cut_model(text, k)` is the text of the model up to the input of its k-th
relu or relu6 (from 0, in the order a forward pass meets them): its output
y is that relu's input, and its parameters and buffers are a prefix of the
model's, under the same names. Repeats are written out (a labeled repeat as
labeled groups with cnnreader's copy names, an unlabeled one inlined); a
cut inside a residual's body keeps that body as it was (as a group under
the residual's label, or inlined when it has none), since nothing is added
before the body ends. Cuts inside a shortcut or a concat are not supported.
Only the standard library is used.
"""

import cnnreader
import cnnsyntax


def _is_kink(s):
    return s.kind == "layer" and s.words[0] in ("relu", "relu6")


def _layer(s):
    return (f"{s.label}: " if s.label else "") + " ".join(s.words)


def expand(stmts):
    """The statements with every repeat written out (see the module
    docstring); both forms keep cnnreader's names."""
    out = []
    for s in stmts:
        if s.kind == "repeat":
            body = expand(s.bodies[0])
            if s.label is None:
                out += body * s.count
            else:
                out += [cnnsyntax.Stmt("group", s.line, lab, bodies=[body])
                        for lab in cnnreader.copy_scopes(s.label, s.count)]
        elif s.kind == "layer":
            out.append(s)
        else:
            out.append(cnnsyntax.Stmt(s.kind, s.line, s.label, bodies=[expand(b) for b in s.bodies]))
    return out


def _count(stmts):
    return sum(_count([t for b in s.bodies for t in b]) if s.bodies else _is_kink(s)
               for s in stmts)


def cut(stmts, k):
    """(lines, None) for the statements up to the k-th kink (from 0) when it
    lies in them, else (all their lines, k minus the kinks they hold)."""
    lines = []
    for s in stmts:
        if s.kind == "layer":
            if _is_kink(s):
                if k == 0:
                    return lines, None
                k -= 1
            lines.append(_layer(s))
            continue
        if s.kind == "concat" and _count([s]) > k:
            raise ValueError(f"line {s.line}: a cut inside a concat is not supported")
        whole = []
        for i, body in enumerate(s.bodies):
            part, k = cut(body, k)
            if k is None:
                if i > 0:
                    raise ValueError(f"line {s.line}: a cut inside a shortcut is not supported")
                return lines + ([f"{s.label}: {{", *part, "}"] if s.label else part), None
            whole.append(part)
        head = f"{s.label}: " if s.label else ""
        if s.kind == "group":
            lines += [f"{head}{{", *whole[0], "}"]
            continue
        lines.append(f"{head}{s.kind} {{")
        for i, part in enumerate(whole):
            lines += part
            last = i == len(whole) - 1
            lines.append("}" if last else "} shortcut {" if s.kind == "residual" else "} {")
    return lines, k


def _split(text):
    """The model and input statements, and the rest written out."""
    stmts = cnnsyntax.parse(text)
    n = 2 if stmts and stmts[0].kind == "layer" and stmts[0].words[0] == "model" else 1
    return stmts[:n], expand(stmts[n:])


def kinks(text):
    """The number of relus and relu6s a forward pass of the model meets."""
    return _count(_split(text)[1])


def cut_model(text, k):
    """The .cnn text of the model cut before its k-th kink (from 0)."""
    head, body = _split(text)
    lines, left = cut(body, k)
    if left is not None:
        raise ValueError(f"the model has {kinks(text)} kinks, no kink {k}")
    return "\n".join([_layer(s) for s in head] + lines) + "\n"

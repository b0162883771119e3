"""The syntax of the .cnn language for cnnreader.py: text to statements.

tokenize splits the text into words and punctuation; parse builds the
statement tree: layers (a list of words) and blocks (repeat, residual with an
optional shortcut, concat with its branches, and labeled groups), each with
its optional label and its line number for errors.
"""

import re

_TOKEN = re.compile(r"(#[^\n]*|[ \t\r]+)|([{}\n;:])|([^\s{};:#]+)")
_SEGMENT = r"(?:[A-Za-z_][A-Za-z0-9_]*|\d+)"
_LABEL = re.compile(_SEGMENT + r"(?:\." + _SEGMENT + r")*")


class CnnError(ValueError):
    """A malformed .cnn file; the message starts with the line number."""


def fail(line, msg):
    raise CnnError(f"line {line}: {msg}")


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


def positive(word, line):
    """A whole number >= 1."""
    if not re.fullmatch(r"\d+", word) or int(word) < 1:
        fail(line, f"expected a whole number >= 1, got {word!r}")
    return int(word)


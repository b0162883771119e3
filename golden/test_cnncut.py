#!/usr/bin/python3
"""Unit tests of cnncut (no torch needed):

    cd golden && /usr/bin/python3 -m unittest test_cnncut
"""

import pathlib
import unittest

import cnncut
import cnnreader

MODELS = pathlib.Path(__file__).resolve().parent.parent / "models"


def kink_inputs(ops):
    """The input shapes of the relus and relu6s of a lowered program, in
    the order a forward pass meets them (a residual's body, then its
    shortcut)."""
    shapes = []
    for op in ops:
        if op["kind"] in ("relu", "relu6"):
            shapes.append(op["input"])
        for b in op.get("branches", ()):
            shapes += kink_inputs(b)
    return shapes


class Cut(unittest.TestCase):
    def test_block(self):
        src = """model m
input 8x8x4
conv 3x3x4 p1
relu
b.1: repeat 2 {
  residual { conv 3x3x4 p1 nobias; batchnorm; relu; conv 3x3x4 p1 } shortcut { proj: conv 1x1x4 }
  relu
}
"""
        self.assertEqual(cnncut.kinks(src), 5)
        self.assertEqual(cnncut.cut_model(src, 0), "model m\ninput 8x8x4\nconv 3x3x4 p1\n")
        # In a residual's body: the body so far, in the copy's scope.
        self.assertEqual(cnncut.cut_model(src, 3).splitlines()[-4:],
                         ["b.2: {", "conv 3x3x4 p1 nobias", "batchnorm", "}"])
        # Before the relu after the add: the whole residual.
        self.assertEqual(cnncut.cut_model(src, 2).splitlines()[-10:], [
            "b.1: {", "residual {", "conv 3x3x4 p1 nobias", "batchnorm", "relu",
            "conv 3x3x4 p1", "} shortcut {", "proj: conv 1x1x4", "}", "}"])
        with self.assertRaises(ValueError):
            cnncut.cut_model(src, 5)

    def test_bundled_models(self):
        """Every cut of the bundled models reads, outputs the input shape of
        its relu, and names a prefix of the model's parameters and buffers."""
        for name, n in (("resnet18", 17), ("resnet50", 49), ("mobilenetv2", 35)):
            src = (MODELS / f"{name}.cnn").read_text()
            full = cnnreader.read(src)
            shapes = kink_inputs(full.ops)
            self.assertEqual(cnncut.kinks(src), n, name)
            self.assertEqual(len(shapes), n, name)
            state = list(full.state)
            for k in range(n):
                cut = cnnreader.read(cnncut.cut_model(src, k))
                self.assertEqual(cut.output, shapes[k], f"{name} cut {k}")
                self.assertEqual(list(cut.state), state[:len(cut.state)], f"{name} cut {k}")


if __name__ == "__main__":
    unittest.main()

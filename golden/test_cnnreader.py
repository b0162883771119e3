#!/usr/bin/python3
"""Unit tests of cnnreader's names and shapes (no torch needed):

    cd golden && /usr/bin/python3 -m unittest test_cnnreader
"""

import unittest

import cnnreader


def names(src):
    return list(cnnreader.read(src).state)


class Names(unittest.TestCase):
    def test_round_one_names(self):
        src = "input 8x8x3\nrepeat 2 { conv 3x3x4 p1; relu }\nbatchnorm\nfc 10\nfc 2"
        self.assertEqual(names(src), [
            "conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias",
            "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var",
            "bn1.num_batches_tracked", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"])

    def test_language_example(self):
        src = """input 56x56x64
layer2.0: residual {
  conv 3x3x128 s2 p1 nobias
  batchnorm
  relu
  conv 3x3x128 p1 nobias
  batchnorm
} shortcut {
  downsample.0: conv 1x1x128 s2 nobias
  downsample.1: batchnorm
}
relu
layer2.1: repeat 1 {
  residual { conv 3x3x128 p1 nobias; batchnorm; relu; conv 3x3x128 p1 nobias; batchnorm }
  relu
}
"""
        got = [n for n in names(src) if n.endswith("weight")]
        self.assertEqual(got, [
            "layer2.0.conv1.weight", "layer2.0.bn1.weight", "layer2.0.conv2.weight",
            "layer2.0.bn2.weight", "layer2.0.downsample.0.weight", "layer2.0.downsample.1.weight",
            "layer2.1.conv1.weight", "layer2.1.bn1.weight", "layer2.1.conv2.weight",
            "layer2.1.bn2.weight"])
        self.assertEqual(cnnreader.read(src).output, (128, 28, 28))

    def test_repeat_numbering(self):
        self.assertEqual(names("input 4x4x2\nblk: repeat 2 { fc: fc 3 }"),
                         ["blk.0.fc.weight", "blk.0.fc.bias", "blk.1.fc.weight", "blk.1.fc.bias"])
        got = names("input 4x4x2\na.b.3: repeat 2 { conv 1x1x2 nobias }")
        self.assertEqual(got, ["a.b.3.conv1.weight", "a.b.4.conv1.weight"])

    def test_scopes_restart_counters_and_labels_do_not_count(self):
        src = ("input 4x4x2\nconv 1x1x2 nobias\nstem: conv 1x1x2 nobias\nconv 1x1x2 nobias\n"
               "g: { conv 1x1x2 nobias; concat { } { conv 1x1x2 nobias } }\n"
               "residual { conv 1x1x4 nobias }")
        self.assertEqual(names(src), ["conv1.weight", "stem.weight", "conv2.weight",
                                      "g.conv1.weight", "g.conv2.weight", "conv3.weight"])

    def test_collision(self):
        with self.assertRaisesRegex(cnnreader.CnnError, "line 3: 'a.weight' is already defined at line 2"):
            cnnreader.read("input 2x2x1\na: conv 1x1x1\na: conv 1x1x1")


class Shapes(unittest.TestCase):
    def test_floor_rule(self):
        # 56x56: 3x3 s2 p1 and 1x1 s2 both floor 28.5 to 28.
        self.assertEqual(cnnreader.read("input 56x56x1\nconv 3x3x1 s2 p1").output, (1, 28, 28))
        self.assertEqual(cnnreader.read("input 56x56x1\nconv 1x1x1 s2").output, (1, 28, 28))
        # 3x3 s2 p0 on 56 would skip a real column: refused.
        with self.assertRaisesRegex(cnnreader.CnnError, "1 real rows or columns"):
            cnnreader.read("input 56x56x1\nconv 3x3x1 s2")

    def test_groups_dilation_concat(self):
        prog = cnnreader.read("input 9x9x4\nconv 3x3x8 g2 d2 p same\n"
                              "concat { } { pool max 3x3 s1 p1 } { conv 1x1x2 }\npool max global")
        self.assertEqual(prog.output, (18, 1, 1))
        self.assertEqual(prog.state["conv1.weight"][0], (8, 2, 3, 3))
        with self.assertRaisesRegex(cnnreader.CnnError, "groups 3 must divide"):
            cnnreader.read("input 9x9x4\nconv 3x3x6 g3")
        with self.assertRaisesRegex(cnnreader.CnnError, "residual body gives 4x4x8, shortcut 8x8x4"):
            cnnreader.read("input 8x8x4\nresidual { conv 3x3x8 s2 p1 }")


if __name__ == "__main__":
    unittest.main()

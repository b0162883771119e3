"""Tests of compare.py's per-layer classification and the generated target
tables. Not run by `go test ./...`; run them with

    /usr/bin/python3 -m unittest discover -s bench -p 'test_*.py'
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import layers  # noqa: E402
import layers_report  # noqa: E402
import recover  # noqa: E402
import targets  # noqa: E402

PEAK = {"fma_gflops": {"avx2": {"1": {"median": 100.0}}, "avx512": {"1": {"median": 110.0}}},
        "read_gbs": {"1": {"median": 20.0}}, "read_mib": 1024}


def layer(name, kind, macs=0, ms=1.0, batch_ms=0.0, in_b=0, out_b=0, param_b=0, wino=False):
    return {"name": name, "kind": kind, "macs": macs, "forward_ms": ms, "batch_forward_ms": batch_ms,
            "in_bytes": in_b, "out_bytes": out_b, "param_bytes": param_b, "winograd": wino}


class Classify(unittest.TestCase):
    def test_kinds(self):
        for kind, batch, want in [("conv3x3", 1, "conv3x3"), ("conv1x1", 8, "conv1x1"), ("depthwise", 1, "depthwise"),
                                  ("conv", 1, "conv"), ("fc", 1, "fc1"), ("fc", 8, "fc8"), ("fc", 64, "fc8"),
                                  ("fc", 4, "fc"), ("conv1x1+depthwise+conv1x1", 1, "fused"), ("maxpool", 1, "other"),
                                  ("", 1, "other")]:
            self.assertEqual(layers.classify({"kind": kind}, batch), want, (kind, batch))

    def test_peaks_follow_the_kernel_path(self):
        self.assertEqual(layers.peaks(PEAK, "avx512")["fma"], 110.0)
        self.assertEqual(layers.peaks(PEAK, "asm-avx2")["fma"], 100.0)
        self.assertEqual(layers.peaks(PEAK, "avx512")["read"], 20.0)

    def test_figures_and_targets(self):
        # 3x3 conv: 40e6 MACs in 1 ms = 80 GFLOP/s = 80% of 100: met (75%).
        # fc at batch 1: 15 MB in 1 ms = 15 GB/s = 75% of 20: not met (80%).
        # depthwise: 1 ms moving 7 + 7 + 1 MB = 15 GB/s = 75%: met (70%).
        # fc at batch 8 (batch time 2 ms): 8 * 8e6 MACs * 2 / 2 ms = 64 GFLOP/s: not met (70%).
        cfg1 = {"batch": 1, "rounds": [[layer("c (inference)", "conv3x3", macs=40e6, wino=True),
                                        layer("f", "fc", macs=1, in_b=0, out_b=0, param_b=15e6),
                                        layer("d", "depthwise", macs=1, in_b=7e6, out_b=7e6, param_b=1e6),
                                        layer("p", "maxpool", ms=0.5)]]}
        cfg8 = {"batch": 8, "rounds": [[layer("f", "fc", macs=8e6, batch_ms=2.0)]]}
        pk = layers.peaks(PEAK, "asm-avx2")
        rs = layers.rows(cfg1, pk)
        self.assertEqual([r["name"] for r in rs], ["c", "f", "d", "p"])
        self.assertAlmostEqual(rs[0]["pct"][0], 80.0)
        self.assertEqual([r["met"] for r in rs], [True, False, True, None])
        self.assertAlmostEqual(rs[1]["figure"], 15.0)
        self.assertAlmostEqual(rs[2]["pct"][0], 75.0)
        r8 = layers.rows(cfg8, pk)[0]
        self.assertEqual(r8["kind"], "fc8")
        self.assertAlmostEqual(r8["figure"], 64.0)
        self.assertFalse(r8["met"])
        s = layers.summary([cfg1, cfg8], pk)
        self.assertEqual((s["conv3x3"]["met"], s["conv3x3"]["layers"]), (1, 1))
        self.assertEqual((s["fc8"]["met"], s["fc8"]["layers"]), (0, 1))
        self.assertAlmostEqual(s["fc8"]["ms"], 2.0)

    def test_spread_over_rounds(self):
        cfg = {"batch": 1, "rounds": [[layer("c", "conv3x3", macs=40e6, ms=m)] for m in (1.0, 2.0, 0.8)]}
        r = layers.rows(cfg, layers.peaks(PEAK, "avx2"))[0]
        self.assertEqual(r["ms"], [1.0, 0.8, 2.0])
        self.assertAlmostEqual(r["pct"][1], 40.0)  # the slowest round
        self.assertAlmostEqual(r["pct"][2], 100.0)  # the fastest

    def test_section_states_winograd(self):
        lr = {"peak": PEAK, "path": "avx2", "started": "now", "commit": "abc", "rounds": 1, "runs": 2,
              "configs": [{"model": "vgg16", "batch": 1, "forward_ms": [1.0],
                           "rounds": [[layer("c", "conv3x3", macs=40e6, wino=True)]]}]}
        text = "\n".join(layers_report.section(lr, {"vgg16": "VGG-16"}))
        self.assertIn("| c | 3x3 conv, *Winograd* (direct-conv flops) |", text)
        self.assertIn("| 3x3 conv | FMA peak | ≥ 75% of the FMA peak | 1 of 1 | 100% |", text)
        self.assertIn("<svg", layers_report.svg(layers.rows(lr["configs"][0], layers.peaks(PEAK, "avx2")), "t",
                                                layers.peaks(PEAK, "avx2")))


class Recover(unittest.TestCase):
    def test_round_trip(self):
        """bench/recover.py reads the per-layer section back: the section it
        writes from the recovered figures is the same."""
        lr = {"peak": PEAK, "path": "avx512", "started": "2026-12-03 20:00 UTC", "commit": "abc1234", "rounds": 3,
              "runs": 5, "minutes": 12, "loadavg": [1.5, 2.5], "configs": [
                  {"model": "alexnet", "batch": 8, "forward_ms": [10.0, 11.0, 12.0], "rounds": [
                      [layer("conv1+relu1", "conv", macs=1e8, batch_ms=20 + r), layer("maxpool1", "maxpool", batch_ms=1),
                       layer("fc1", "fc", macs=3e7, batch_ms=5)] for r in range(3)]},
                  {"model": "mobilenetv2", "batch": 1, "forward_ms": [8.0], "rounds": [
                      [layer("dw (inference)", "depthwise", macs=1e6, ms=0.1, in_b=1e6, out_b=1e6, param_b=1e4),
                       layer("b (inference)", "conv3x3", macs=1e7, ms=0.2, wino=True),
                       layer("f (inference)", "fc", macs=1e6, ms=0.3, param_b=4e6)]]}]}
        names = {"alexnet": "AlexNet", "mobilenetv2": "MobileNetV2"}
        text = layers_report.section(lr, names)
        back = recover.recover_layers(text)
        self.assertEqual(layers_report.section(back, names), text)


class Targets(unittest.TestCase):
    def test_cells(self):
        self.assertEqual(targets.cell([0.86, 0.78, 0.9], 1.0), "0.86 ✓")
        self.assertEqual(targets.cell([0.86, 0.78, 1.21], 1.0), "0.86 ✓ (not every round: up to 1.21)")
        self.assertEqual(targets.cell([1.16, 0.94, 1.89], 1.0), "1.16 ✗")
        self.assertEqual(targets.cell(None, 1.0), "–")

    def test_section_counts(self):
        rows = [{"model": "lenet5", "batch": 1, "threads": 1, "r_ort": [0.7, 0.6, 0.8], "r_torch_f": [0.3, 0.2, 0.4],
                 "r_torch_t": [0.9, 0.8, 1.0]},
                {"model": "lenet5", "batch": 64, "threads": 1, "r_ort": [1.5, 1.4, 1.6], "r_torch_f": [0.5, 0.4, 0.7]}]
        text = "\n".join(targets.section({"rows": rows, "train": True}, {"lenet5": "LeNet-5"}, lambda r: "LeNet-5"))
        self.assertIn("| forward / ONNX Runtime ≤ 1.0 | 1 of 2 | 1 | 0 | 1 |", text)
        self.assertIn("| training step / PyTorch ≤ 0.6 | 0 of 2 | 1 | 1 | – |", text)
        self.assertIn("| LeNet-5 | 64 | 1 | 1.50 ✗ | 0.50 ✓ (not every round: up to 0.70) | – |", text)
        text = "\n".join(targets.section({"rows": rows}, {"lenet5": "LeNet-5"}, lambda r: "LeNet-5"))
        self.assertNotIn("training", text)  # --no-train


if __name__ == "__main__":
    unittest.main()

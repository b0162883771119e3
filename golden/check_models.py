#!/usr/bin/python3
"""Check the bundled models against torchvision, with cnnreader (not cnnc).

For each pair below, the module that golden/cnnreader.py and cnntorch.py
build from models/NAME.cnn must have exactly torchvision's state_dict: the
same keys in the same order, the same shapes and dtypes. Then torchvision's
module gets random weights and random batchnorm statistics, the reader's
module loads that state_dict by name, and both run in float64 on one random
input, in inference mode and in training mode (y, dx, every parameter
gradient of sum(y * dy), every buffer after the pass). Dropout is set to 0
in both for the training pass. The reader's parameter and multiply-add
counts are printed next to the figures cnnc summary must give.

This checks the reader, which make_fixtures.py and torchvision_check.py
rely on, and the names in models/*.cnn. Run by hand where torch is
installed:

    /usr/bin/python3 golden/check_models.py [NAME ...]
"""

import pathlib
import sys

import torch
import torchvision
from torch import nn

import cnnreader
import cnntorch

# The bundled models live in models/ (and are checked by Go tests too).
ROOT = pathlib.Path(__file__).resolve().parent.parent
MODELS = ROOT / "models"

# name -> (torchvision constructor, input shape (C, H, W), parameters, G multiply-adds)
PAIRS = {
    "resnet18": (torchvision.models.resnet18, (3, 224, 224), 11_689_512, 1.814),
    "resnet50": (torchvision.models.resnet50, (3, 224, 224), 25_557_032, 4.089),
    "mobilenetv2": (torchvision.models.mobilenet_v2, (3, 224, 224), 3_504_872, 0.301),
    "densenet_tiny": (lambda: torchvision.models.DenseNet(
        growth_rate=12, block_config=(2, 2), num_init_features=16, bn_size=4, num_classes=10),
        (3, 32, 32), 29_722, None),
}
BATCH = 2


def randomize(model, seed):
    """Random weights (cnntorch.init_state) and batchnorm statistics."""
    torch.manual_seed(seed)
    cnntorch.init_state(model)


def no_dropout(model):
    for m in model.modules():
        if isinstance(m, nn.Dropout):
            m.p = 0.0


def run(model, x, dy, train):
    """y, dx, parameter gradients and the state after one pass."""
    model.train(train)
    model.zero_grad()
    x = x.clone().requires_grad_()
    y = model(x)
    y.backward(dy)
    grads = {n: p.grad.clone() for n, p in model.named_parameters()}
    return y.detach(), x.grad, grads, {k: v.clone() for k, v in model.state_dict().items()}


def max_err(a, b):
    return (a.double() - b.double()).abs().max().item() if a.numel() else 0.0


def check(name):
    """Compare one model; return a list of problems (empty when it matches)."""
    make, (c, h, w), want_params, want_gmacs = PAIRS[name]
    prog = cnnreader.read((MODELS / f"{name}.cnn").read_text())
    ours = cnntorch.build(prog)
    ref = make().to(torch.float64)
    problems = []

    theirs_sd, ours_sd = ref.state_dict(), ours.state_dict()
    if list(theirs_sd) != list(ours_sd):
        missing = [k for k in theirs_sd if k not in ours_sd]
        extra = [k for k in ours_sd if k not in theirs_sd]
        problems.append(f"keys differ: missing {missing[:5]}, extra {extra[:5]}"
                        if missing or extra else "keys in a different order")
    for k, v in theirs_sd.items():
        if k in ours_sd and (ours_sd[k].shape != v.shape or ours_sd[k].dtype != v.dtype):
            problems.append(f"{k}: {tuple(ours_sd[k].shape)} {ours_sd[k].dtype}, "
                            f"torchvision {tuple(v.shape)} {v.dtype}")
    gmacs = prog.macs() / 1e9
    print(f"{name}: {len(theirs_sd)} state_dict entries; {prog.params():,} parameters, "
          f"{gmacs:.3f} G multiply-adds (cnnc summary must give "
          f"{want_params:,}{'' if want_gmacs is None else f' and {want_gmacs} G'})")
    if prog.params() != want_params or (want_gmacs is not None and round(gmacs, 3) != want_gmacs):
        problems.append("parameter or multiply-add count differs")
    if problems:
        return problems

    randomize(ref, 1)
    ours.load_state_dict(ref.state_dict())
    torch.manual_seed(2)
    x = torch.randn(BATCH, c, h, w, dtype=torch.float64)
    dy = torch.randn(BATCH, prog.output[0], dtype=torch.float64)
    no_dropout(ref)
    no_dropout(ours)
    start = {k: v.clone() for k, v in ref.state_dict().items()}
    for mode, train in (("inference", False), ("training", True)):
        ref.load_state_dict(start)
        ours.load_state_dict(start)
        a, b = run(ref, x, dy, train), run(ours, x, dy, train)
        errs = {"y": max_err(a[0], b[0]), "dx": max_err(a[1], b[1])}
        errs["grads"] = max(max_err(a[2][k], b[2][k]) for k in a[2])
        errs["state"] = max(max_err(a[3][k], b[3][k]) for k in a[3])
        scale = max(1.0, a[0].abs().max().item())
        print(f"  {mode}: max |y| {a[0].abs().max().item():.3g}; max abs error "
              + ", ".join(f"{k} {v:.2e}" for k, v in errs.items()))
        if max(errs.values()) > 1e-9 * scale:
            problems.append(f"{mode}: outputs differ ({errs})")
    return problems


def main(argv):
    torch.set_num_threads(1)
    failed = False
    for name in argv or list(PAIRS):
        problems = check(name)
        for p in problems:
            print(f"  FAIL {p}")
        print(f"  {name}: {'FAIL' if problems else 'ok'}")
        failed |= bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

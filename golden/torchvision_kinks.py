#!/usr/bin/python3
"""Where torchvision_check.py's float32 errors come from: the relu kinks.

A float32 pass and a float64 pass of the same network take different sides
of a relu (or relu6) wherever an input lies within rounding of the kink.
Such a flip barely moves the forward values, but it switches a gradient path
on or off, and in training mode batchnorm's backward spreads that change
over every value of the channel before it: one flip can move the gradients
of every layer before it by 1e-3 relative. PyTorch's own float32 pass flips
different (or no) inputs, so "10 x PyTorch's float32 error" measures luck,
not accuracy, wherever one of the two passes flips and the other does not.

For each model and mode this script measures, with the gen engine:

1. Every relu's input, as cnnc computes it: `cnnc run` of the model cut just
   before that relu (so its output y is the relu's input) against PyTorch's
   float64 and float32 inputs of the same relu: the largest error relative
   to max|ref|, and how many inputs each float32 pass puts on the other side
   of a kink from float64 (with the smallest |float64 input| among them).
2. Every output tensor (y, dx, every gradient, every buffer after the pass)
   against a float64 pass that takes the same side of every kink as the
   float32 pass under test: PyTorch in float64 with each relu's mask (relu6:
   below 0, between, above 6) forced to the float32 pass's. cnnc is measured
   against the float64 pass with cnnc's masks (from step 1), PyTorch float32
   against the float64 pass with its own. Both errors are then errors of
   arithmetic alone, and the same bound applies to them:

       max |cnnc - ref_cnnc| <= max(1e-4 * max(1, max |ref|), 10 * err32)

   with err32 = max |PyTorch32 - ref_torch32| (a tensor is "ok"). Every
   tensor's line also gives the issue's figure (against the plain float64
   pass, as torchvision_check.py measures it), first.

   Step 2 runs in training mode only. In inference mode the generated code
   computes y with batchnorm folded into the convs, but a backward pass runs
   the forward again unfolded (gen/graph.go) and takes its relu masks from
   that second pass, whose values no output of `cnnc run` shows: step 1's
   cut models give the masks of the first. Inference mode prints step 1 and
   the issue's figure.

Max pooling (ResNet's stem) has a kink too, a tie between two window values;
its index is not forced, and step 2 would show it as an error.

    /usr/bin/python3 golden/torchvision_kinks.py [--models resnet18,...]
        [--modes inference,training] [--batch 2] [--keep DIR]

It runs one `cnnc run` a relu (ResNet-18 17, ResNet-50 49, MobileNetV2 35)
and one of the whole model; the same weights, input and output gradient as
torchvision_check.py (its prepare). Exit status 1 if a tensor fails step 2.
"""

import argparse
import pathlib
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import torch
from torch import nn

import cnncut
import cnnreader
import torchvision_check as tc

KINKS = (nn.ReLU, nn.ReLU6)


# ---------------------------------------------------------------------------
# PyTorch passes: the kinks' inputs, and masks forced.
# ---------------------------------------------------------------------------

def region(v, six):
    """0 below the kink, 1 on the identity, 2 above 6 (relu6)."""
    r = (v > 0).to(torch.int8)
    if six:
        r += (v >= 6).to(torch.int8)
    return r


def kinks(model):
    ms = [m for m in model.modules() if isinstance(m, KINKS)]
    for m in ms:
        m.inplace = False  # a hook must see the input, not the output
    return ms


def pass_with(model, state, x, dy, train, dtype, masks=None):
    """tc.reference's pass, also returning every kink's input (in call
    order, with whether it is a relu6); with masks, kink i passes its input where masks[i] is 1, 6
    where it is 2, and 0 elsewhere, whatever the input's sign."""
    seen, hooks = [], []
    for m in kinks(model):
        def pre(mod, inp):
            seen.append((inp[0].detach().to(torch.float64, copy=True), isinstance(mod, nn.ReLU6)))

        def force(mod, inp, out):
            r = masks[len(seen) - 1].to(inp[0].device)
            top = torch.full_like(inp[0], 6.0 if isinstance(mod, nn.ReLU6) else 0.0)
            return torch.where(r == 1, inp[0], torch.where(r == 2, top, torch.zeros_like(top)))
        hooks.append(m.register_forward_pre_hook(pre))
        if masks is not None:
            hooks.append(m.register_forward_hook(force))
    try:
        out = tc.reference(model, state, x, dy, train, dtype)
    finally:
        for h in hooks:
            h.remove()
    return out, seen


# ---------------------------------------------------------------------------
# cnnc's kink inputs.
# ---------------------------------------------------------------------------

def cnnc_kink_input(cnnc, text, k, work, train):
    """cnnc's (gen) input of kink k, from the model cut before it."""
    src = text if isinstance(text, str) else text.read_text()
    body = cnncut.cut_model(src, k)
    names = list(cnnreader.read(body).state)
    model_file = work / f"cut{k}.cnn"
    model_file.write_text(body)
    with np.load(work / "weights.npz") as f:
        np.savez(work / f"cut{k}.npz", **{n: f[n] for n in names})
    out = work / f"cut{k}_out.npz"
    args = [cnnc, "run", "--engine", "gen", "--weights", str(work / f"cut{k}.npz"),
            "--input", str(work / "x.npy"), "--out", str(out)]
    r = subprocess.run(args + (["--train"] if train else []) + [str(model_file)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"cnnc run on the model cut before kink {k}: {r.stderr.strip()}")
    with np.load(out) as f:
        return torch.from_numpy(f["y"]).double()


def flips(got, want, six):
    """How many values of got lie on another side of a kink than want, and
    the smallest |want| among them (distance to its kink)."""
    diff = region(got, six) != region(want, six)
    n = int(diff.sum())
    if not n:
        return 0, float("nan")
    dist = torch.minimum(want.abs(), (want - 6).abs()) if six else want.abs()
    return n, dist[diff].min().item()


def check(name, mode, cnnc, work, batch):
    model, state, x, dy, infer_file, train_file = tc.prepare(name, work, batch)
    train = mode == "training"
    text = (train_file if train else infer_file).read_text()
    ref64, in64 = pass_with(model, state, x, dy, train, torch.float64)
    ref32, in32 = pass_with(model, state, x, dy, train, torch.float32)
    n = cnncut.kinks(text)
    if len(in64) != n:
        raise RuntimeError(f"{name}: PyTorch runs {len(in64)} kinks, the .cnn file has {n}")
    print(f"== {name}, {mode}: {n} kinks")
    got, err = tc.cnnc_run(cnnc, train_file if train else infer_file, work, "gen", train, 3600)
    if err:
        raise RuntimeError(err)
    print("   kink  shape               max err/max|ref|: cnnc  torch32   flips: cnnc (min |ref|)  torch32 (min |ref|)")
    cmasks, worst = [], [0.0, 0.0]
    tflips = [0, 0]
    for k in range(n):
        mine = cnnc_kink_input(cnnc, text, k, work, train)
        (want, s), (t32, _) = in64[k], in32[k]
        big = max(want.abs().max().item(), 1e-300)
        ec, et = (mine - want).abs().max().item() / big, (t32 - want).abs().max().item() / big
        worst = [max(worst[0], ec), max(worst[1], et)]
        fc, dc = flips(mine, want, s)
        ft, dt = flips(t32, want, s)
        tflips = [tflips[0] + fc, tflips[1] + ft]
        print(f"   {k:4}  {str(tuple(want.shape)):18}  {ec:9.2e} {et:9.2e}   "
              f"{fc:5} ({dc:8.1e})  {ft:5} ({dt:8.1e})")
        cmasks.append(region(mine, s))
    print(f"   worst relative error of a kink input: cnnc {worst[0]:.2e}, PyTorch float32 {worst[1]:.2e}; "
          f"inputs on the other side of a kink: cnnc {tflips[0]}, PyTorch float32 {tflips[1]}")
    if not train:
        # An inference-mode backward in the generated code runs the forward
        # again, unfolded (gen/graph.go), and reads its relu masks from
        # that pass, not from the one that gave y; no output of cnnc run
        # shows that pass's values, so cnnc's masks are not known.
        compare_same_kinks(got, ref64, None, ref32, None)
        return [], (0.0, 0.0)
    tmasks = [region(v, s) for v, s in in32]
    ref_c, _ = pass_with(model, state, x, dy, train, torch.float64, cmasks)
    ref_t, _ = pass_with(model, state, x, dy, train, torch.float64, tmasks)
    return compare_same_kinks(got, ref64, ref_c, ref32, ref_t)


def compare_same_kinks(got, ref64, ref_c, ref32, ref_t):
    """Step 2's table: the issue's figure (cnnc and PyTorch float32 against
    the plain float64 pass) next to the same-kink one; return the names that
    fail each criterion and the worst same-kink errors relative to
    max(1, max|ref|), cnnc's and PyTorch float32's."""
    failed, plain_failed, worst, ratio = [], [], (0.0, 0.0), (0.0, "")
    same = ref_c is not None
    print("   tensor: plain float64: cnnc, PyTorch float32, tolerance"
          + (" | same kinks: cnnc, PyTorch float32, tolerance" if same else ""))
    for name, want in ref64.items():
        if not want.is_floating_point() or not want.numel():
            continue
        have = torch.from_numpy(np.asarray(got[name])).double()
        big = max(1.0, want.abs().max().item())
        plain = (have - want).abs().max().item()
        plain32 = (ref32[name] - want).abs().max().item()
        plain_tol = max(1e-4 * big, 10 * plain32)
        line = f"      {name}: {plain:.2e} {plain32:.2e} {plain_tol:.2e} {'ok' if plain <= plain_tol else 'FAIL'}"
        if plain > plain_tol:
            plain_failed.append(name)
        if same:
            ec = (have - ref_c[name]).abs().max().item()
            et = (ref32[name] - ref_t[name]).abs().max().item()
            tol = max(1e-4 * big, 10 * et)
            worst = (max(worst[0], ec / big), max(worst[1], et / big))
            if ec / max(et, 1e-12 * big) > ratio[0]:
                ratio = (ec / max(et, 1e-12 * big), name)
            line += f" | {ec:.2e} {et:.2e} {tol:.2e} {'ok' if ec <= tol else 'FAIL'}"
            if ec > tol:
                failed.append(name)
        print(line)
    print(f"   the issue's bound against the plain float64 pass: {len(plain_failed)} tensors fail"
          f"{' (' + ', '.join(plain_failed[:4]) + (' ...' if len(plain_failed) > 4 else '') + ')' if plain_failed else ''}")
    if not same:
        print("   (inference mode: no same-kink figure, see the module docstring)")
        return failed, worst
    print(f"   the same bound with the same kinks: {len(failed)} tensors fail"
          f"{' (' + ', '.join(failed[:4]) + ')' if failed else ''}; worst relative error "
          f"cnnc {worst[0]:.1e}, PyTorch float32 {worst[1]:.1e}; cnnc's error at most "
          f"{ratio[0]:.1f} x PyTorch float32's ({ratio[1]})")
    return failed, worst


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--models", default=",".join(tc.MODELS))
    p.add_argument("--modes", default="inference,training")
    p.add_argument("--batch", type=int, default=2)
    p.add_argument("--keep", metavar="DIR")
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    work = pathlib.Path(args.keep or tempfile.mkdtemp(prefix="torchvision_kinks."))
    work.mkdir(parents=True, exist_ok=True)
    bad = False
    try:
        cnnc = tc.build_cnnc(work)
        for name in args.models.split(","):
            for mode in args.modes.split(","):
                mdir = work / name
                mdir.mkdir(exist_ok=True)
                failed, _ = check(name, mode, cnnc, mdir, args.batch)
                bad = bad or bool(failed)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Compare `cnnc run` with PyTorch on the full torchvision ResNet-18, ResNet-50
and MobileNetV2.

For each model: torchvision's module in float64 gets random weights and
random batchnorm statistics; its state_dict is saved with numpy.savez
(num_batches_tracked included), with an input batch X.npy and an output
gradient DY.npy. Then, for each engine (interp, gen) and mode:

    inference:  cnnc run --engine E --weights W.npz --input X.npy --dy DY.npy --out OUT.npz M.cnn
    training:   the same with --train

and every tensor in OUT.npz is compared with PyTorch's float64 pass: y, dx,
NAME.grad for every parameter, and in training mode every buffer after the
pass (running_mean, running_var, num_batches_tracked). A tensor passes when

    max |cnnc - ref| <= max(1e-4 * max(1, max |ref|), 10 * err32)

where err32 is PyTorch's own float32 error for that tensor (the same pass in
float32 against float64). num_batches_tracked must be exact. For the gen
engine (float32) this bound can fail without any arithmetic being worse
than PyTorch's: where a relu input lies within rounding of 0, cnnc's
float32 pass may take the other side of the kink from float64 while
PyTorch's float32 pass happens not to, and the gradient then changes by a
whole path (spread over a channel by training-mode batchnorm).
torchvision_kinks.py measures that, with a bound on errors taken on the
same side of every kink; golden/README.md has both figures. For the
training pass MobileNetV2's dropout is set to 0 on both sides (cnnc gets a
copy of the model file with `dropout 0`): PyTorch's dropout mask cannot be
reproduced.

The summary gives, per model, engine and mode, the worst relative error
(max |cnnc - ref| / max(1, max |ref|) of a float tensor, the largest over
them: relative to 1 rather than to a tensor that is zero but for rounding,
such as the bias gradient of a batchnorm whose output a conv and a
training-mode batchnorm follow) and the seconds cnnc took.

The batchnorm statistics are random but calibrated: each running mean and
variance is the statistic of a separate random batch, perturbed (mean by
0.1 standard deviations, variance by a factor in [0.8, 1.25)), so that the
activations stay O(1) through 50 layers in inference mode.

Everything that fails is reported per model, engine and mode, and the
script goes on; it exits 1 if anything failed. It needs torch and
torchvision, and runs by hand (tests never run it):

    /usr/bin/python3 golden/torchvision_check.py [--models resnet18,...]
        [--engines interp,gen] [--modes inference,training] [--batch 2]
        [--keep DIR] [--timeout SECONDS]
"""

import argparse
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
from torch import nn

import check_models
import cnntorch

ROOT = check_models.ROOT
MODELS = ("resnet18", "resnet50", "mobilenetv2")


def randomize(model, seed, shape):
    """Random weights (cnntorch.init_state), then calibrated random batchnorm
    statistics (see the module docstring)."""
    torch.manual_seed(seed)
    cnntorch.init_state(model)
    bns = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    saved = [(m.momentum, m.num_batches_tracked.clone()) for m in bns]
    for m in bns:
        m.momentum = 1.0  # running stats := this batch's statistics
    model.train()
    with torch.no_grad():
        model(torch.randn((4,) + shape, dtype=torch.float64))
        for m, (momentum, count) in zip(bns, saved):
            m.momentum = momentum
            m.num_batches_tracked.copy_(count)
            std = m.running_var.sqrt()
            m.running_mean.add_(0.1 * std * torch.randn(std.shape, dtype=torch.float64))
            m.running_var.mul_(0.8 + 0.45 * torch.rand(std.shape, dtype=torch.float64))
    model.eval()


def reference(model, state, x, dy, train, dtype):
    """One pass of model (loaded with state, cast to dtype): the tensors
    cnnc run writes, by name, in float64."""
    model = model.to(dtype)
    model.load_state_dict(state)
    model.train(train)
    model.zero_grad()
    x = x.detach().to(dtype).clone().requires_grad_()
    y = model(x)
    y.backward(dy.to(dtype))
    out = {"y": y, "dx": x.grad}
    out.update((f"{n}.grad", p.grad) for n, p in model.named_parameters())
    if train:
        out.update(model.named_buffers())
    # Copies: the next call's model.to() and zero_grad() change these in place.
    return {k: v.detach().to(torch.float64 if v.is_floating_point() else v.dtype, copy=True)
            for k, v in out.items()}


def cnnc_run(cnnc, model_file, work, engine, train, timeout):
    """Run cnnc; return (OUT.npz arrays, None) or (None, what failed)."""
    out = work / f"out_{engine}_{'train' if train else 'infer'}.npz"
    args = [cnnc, "run", "--engine", engine, "--weights", str(work / "weights.npz"),
            "--input", str(work / "x.npy"), "--dy", str(work / "dy.npy"), "--out", str(out)]
    if train:
        args.append("--train")
    args.append(str(model_file))
    try:
        r = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, f"timed out after {timeout} s"
    if r.returncode != 0:
        lines = (r.stderr or r.stdout).strip().splitlines()
        more = f" (and {len(lines) - 3} more lines)" if len(lines) > 3 else ""
        return None, f"exit status {r.returncode}: " + " | ".join(lines[:3]) + more
    with np.load(out) as f:
        return {k: f[k] for k in f.files}, None


def compare(got, ref64, ref32):
    """Print one line per tensor; return the names that failed and the worst
    relative error, max |cnnc - ref| / max(1, max |ref|), over the float
    tensors (and the tensor's name)."""
    failed = []
    worst = (0.0, "")
    for name, want in ref64.items():
        if name not in got:
            print(f"      {name}: MISSING from OUT.npz")
            failed.append(name)
            continue
        have = torch.from_numpy(np.asarray(got[name]))
        if have.shape != want.shape:
            print(f"      {name}: shape {tuple(have.shape)}, want {tuple(want.shape)}  FAIL")
            failed.append(name)
            continue
        if not want.is_floating_point():
            ok = torch.equal(have.long(), want)
            print(f"      {name}: {have.item()} want {want.item()}  {'ok' if ok else 'FAIL'}")
        else:
            big = want.abs().max().item() if want.numel() else 0.0
            err = (have.double() - want).abs().max().item() if want.numel() else 0.0
            err32 = (ref32[name] - want).abs().max().item() if want.numel() else 0.0
            tol = max(1e-4 * max(1.0, big), 10 * err32)
            ok = err <= tol
            if err / max(1.0, big) > worst[0]:
                worst = (err / max(1.0, big), name)
            print(f"      {name}: max abs error {err:.3e}  (tolerance {tol:.3e}; "
                  f"float32 PyTorch {err32:.3e}; max|ref| {big:.3g})  {'ok' if ok else 'FAIL'}")
        if not ok:
            failed.append(name)
    extra = sorted(set(got) - set(ref64))
    if extra:
        print(f"      (OUT.npz also holds {', '.join(extra[:5])}{' ...' if len(extra) > 5 else ''})")
    return failed, worst


def prepare(name, work, batch):
    """Make the model's weights, x and dy in work/; return (module, state, x,
    dy, model file for inference, model file for training)."""
    make, shape, _, _ = check_models.PAIRS[name]
    model = make().to(torch.float64)
    randomize(model, 1, shape)
    state = {k: v.clone() for k, v in model.state_dict().items()}
    np.savez(work / "weights.npz", **{k: v.numpy() for k, v in state.items()})
    torch.manual_seed(2)
    x = torch.randn((batch,) + shape, dtype=torch.float64)
    dy = torch.randn(batch, 1000, dtype=torch.float64)
    np.save(work / "x.npy", x.numpy())
    np.save(work / "dy.npy", dy.numpy())
    source = check_models.MODELS / f"{name}.cnn"
    train_file = source
    if any(isinstance(m, nn.Dropout) for m in model.modules()):
        for m in model.modules():
            if isinstance(m, nn.Dropout):
                m.p = 0.0
        text = re.sub(r"\bdropout\s+[0-9.eE+-]+", "dropout 0", source.read_text())
        train_file = work / f"{name}_nodropout.cnn"
        train_file.write_text(text)
    return model, state, x, dy, source, train_file


def build_cnnc(work):
    """go build the cnnc binary into work/; return its path."""
    exe = work / "cnnc"
    subprocess.run(["go", "build", "-o", str(exe), "./cmd/cnnc"], cwd=ROOT, check=True)
    return str(exe)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--models", default=",".join(MODELS))
    p.add_argument("--engines", default="interp,gen")
    p.add_argument("--modes", default="inference,training")
    p.add_argument("--batch", type=int, default=2, help="samples in the batch (default 2)")
    p.add_argument("--keep", metavar="DIR", help="keep the weights, inputs and outputs in DIR")
    p.add_argument("--timeout", type=float, default=3600, help="seconds per cnnc run")
    args = p.parse_args(argv)
    torch.set_num_threads(1)

    work = pathlib.Path(args.keep or tempfile.mkdtemp(prefix="torchvision_check."))
    work.mkdir(parents=True, exist_ok=True)
    cnnc = build_cnnc(work)
    help_run = subprocess.run([cnnc, "help", "run"], capture_output=True, text=True).stdout
    results = []
    try:
        for name in args.models.split(","):
            print(f"== {name}")
            mdir = work / name
            mdir.mkdir(exist_ok=True)
            model, state, x, dy, infer_file, train_file = prepare(name, mdir, args.batch)
            for mode in args.modes.split(","):
                train = mode == "training"
                if train and "--train" not in help_run:
                    for engine in args.engines.split(","):
                        results.append((name, engine, mode, "not run: cnnc run has no --train yet"))
                    print(f"  {mode}: cnnc run has no --train yet")
                    continue
                ref64 = reference(model, state, x, dy, train, torch.float64)
                ref32 = reference(model, state, x, dy, train, torch.float32)
                for engine in args.engines.split(","):
                    start = time.time()
                    got, err = cnnc_run(cnnc, train_file if train else infer_file, mdir,
                                        engine, train, args.timeout)
                    took = time.time() - start
                    print(f"  {mode}, --engine {engine} ({took:.0f} s):")
                    if err:
                        print(f"      FAILED to run: {err}")
                        results.append((name, engine, mode, "cnnc failed: " + err.split(" | ")[0]))
                        continue
                    failed, worst = compare(got, ref64, ref32)
                    results.append((name, engine, mode, ("pass" if not failed else
                                    f"FAIL: {len(failed)} of {len(ref64)} tensors ({', '.join(failed[:3])}...)")
                                    + f"; worst relative error {worst[0]:.1e} ({worst[1]}); {took:.0f} s"))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    print("\n== summary")
    for name, engine, mode, result in results:
        print(f"  {name:12} {engine:7} {mode:10} {result}")
    return 0 if all(r[3].startswith("pass") for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Writes optim.npz, the fixtures of runtime's optimiser and schedule tests,
made by PyTorch 1.13's own torch.optim and torch.optim.lr_scheduler.

Run from runtime/testdata with the system Python (NumPy 1.24, PyTorch 1.13):

    /usr/bin/python3 make_optim_fixtures.py

PyTorch's CPU kernels fuse the multiply-adds of Adam's update on a CPU with
AVX2 and FMA (torch.__config__.show(): "CPU capability usage: AVX2"), and
runtime.AdamStep computes what they compute there: run this on such a CPU.

Optimisers (entries "NAME.*" for each case below): one float32 parameter
tensor of N values (w0, normal values of mixed scales with some exact zeros)
updated for T steps from given gradients (g, [T, N]: mixed scales, some
exact zeros, one step of all zeros) with the learning rate of each step
(lr, [T], float64: a schedule changing it between steps, as a scheduler
does); w, [T, N], holds the parameter after each step, m and v the final
exp_avg and exp_avg_sq, and hyper [beta1, beta2, eps, weight_decay,
decoupled] the rest of the hyperparameters.

Schedules (entries "sched.NAME", float64 [E]): the learning rate in use
during each of E epochs, read from the optimiser's param_group before the
epoch, with scheduler.step() called once after each epoch, as PyTorch's
documentation steps them. The base learning rate is 0.1 (0.05 for cosine2).
"""
import warnings

import numpy as np
import torch

warnings.filterwarnings("ignore")  # scheduler.step(0) inside SequentialLR

N, T = 203, 25
out = {}


def inputs(seed):
    rng = np.random.default_rng(seed)
    scale = 10.0 ** rng.integers(-4, 2, size=N)
    w0 = (rng.standard_normal(N) * scale).astype(np.float32)
    w0[::29] = 0
    g = (rng.standard_normal((T, N)) * 10.0 ** rng.integers(-6, 1, size=(T, N))).astype(np.float32)
    g[:, ::23] = 0
    g[7] = 0
    lr_factor = 0.5 * (1 + np.cos(np.pi * np.arange(T) / T)) + 0.05
    return w0, g, lr_factor


def optimiser_case(name, cls, lr, seed, **kw):
    w0, g, lr_factor = inputs(seed)
    p = torch.nn.Parameter(torch.from_numpy(w0.copy()))
    opt = cls([p], lr=lr, **kw)
    lrs, ws = [], []
    for t in range(T):
        opt.param_groups[0]["lr"] = lr * lr_factor[t]
        lrs.append(opt.param_groups[0]["lr"])
        p.grad = torch.from_numpy(g[t].copy())
        opt.step()
        ws.append(p.detach().numpy().copy())
    state = opt.state[p]
    group = opt.param_groups[0]
    beta1, beta2 = group["betas"]
    out[name + ".w0"] = w0
    out[name + ".g"] = g
    out[name + ".lr"] = np.array(lrs, dtype=np.float64)
    out[name + ".w"] = np.stack(ws)
    out[name + ".m"] = state["exp_avg"].numpy().copy()
    out[name + ".v"] = state["exp_avg_sq"].numpy().copy()
    out[name + ".hyper"] = np.array([beta1, beta2, group["eps"], group["weight_decay"],
                                     1.0 if cls is torch.optim.AdamW else 0.0], dtype=np.float64)
    assert state["step"].item() == T


optimiser_case("adam", torch.optim.Adam, 1e-3, 1)
optimiser_case("adam_wd", torch.optim.Adam, 0.01, 2, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)
optimiser_case("adamw", torch.optim.AdamW, 1e-3, 3)
optimiser_case("adamw_wd", torch.optim.AdamW, 0.05, 4, betas=(0.5, 0.9), eps=1e-4, weight_decay=0.3)


def schedule(name, make, epochs, lr=0.1):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=lr)
    sched = make(opt)
    lrs = []
    for _ in range(epochs):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    out["sched." + name] = np.array(lrs, dtype=np.float64)


S = torch.optim.lr_scheduler
schedule("step", lambda o: S.StepLR(o, step_size=3, gamma=0.5), 12)
schedule("cosine", lambda o: S.CosineAnnealingLR(o, T_max=10), 25)
schedule("cosine2", lambda o: S.CosineAnnealingLR(o, T_max=7, eta_min=1e-4), 9, lr=0.05)
schedule("warmup", lambda o: S.LinearLR(o, total_iters=4), 7)
schedule("warmup_cosine", lambda o: S.SequentialLR(o, [
    S.LinearLR(o, total_iters=3), S.CosineAnnealingLR(o, T_max=10)], milestones=[3]), 14)
schedule("warmup_step", lambda o: S.SequentialLR(o, [
    S.LinearLR(o, start_factor=0.01, total_iters=2), S.StepLR(o, step_size=2, gamma=0.1)], milestones=[2]), 9)
schedule("warmup_cosine_min", lambda o: S.SequentialLR(o, [
    S.LinearLR(o, start_factor=0.25, total_iters=1), S.CosineAnnealingLR(o, T_max=3, eta_min=0.001)], milestones=[1]), 4)

np.savez("optim.npz", **out)

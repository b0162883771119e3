"""Self-checks and file helpers shared by the fixture scripts.

The checks assert what a fixture relies on before it is written: that the
gradients are right (a finite difference along a random direction, and
torch.autograd.gradcheck for a few cases), that no activation input sits near
a kink and no max-pool window near a tie (so that a float32 engine cannot
take the other branch), and that the running statistics a training-mode pass
leaves are the documented update of the batch statistics.
"""

import contextlib
import io
import math
import zipfile

import numpy as np
import torch
from torch import nn
from torch.nn.utils.stateless import functional_call

DTYPE = torch.float64

# An activation input closer to a kink than this, or a max-pool window whose
# two largest values are closer than this, is rejected.
MARGIN = 1e-5

# The kinks of each piecewise activation: relu and leaky at 0, relu6 at 0 and
# 6, hardswish at -3 and 3.
KINKS = ((nn.ReLU, (0.0,)), (nn.LeakyReLU, (0.0,)), (nn.ReLU6, (0.0, 6.0)),
         (nn.Hardswish, (-3.0, 3.0)))


def as_pair(v):
    """A module's int-or-tuple size as a (height, width) tuple."""
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


def buffers(model):
    """Clones of the model's buffers, by name (for passes that must not
    change them)."""
    return {n: b.detach().clone() for n, b in model.named_buffers()}


@contextlib.contextmanager
def kept_state(model):
    """Restore every buffer after the block (a training-mode pass updates the
    running statistics)."""
    saved = buffers(model)
    try:
        yield
    finally:
        with torch.no_grad():
            for n, b in model.named_buffers():
                b.copy_(saved[n])


def _top_two_gap(windows):
    """The gap between the two largest values of each window (last axis),
    and whether both are exactly 0 (relu outputs: no gradient either way)."""
    top = windows.topk(2, dim=-1).values
    gap = top[..., 0] - top[..., 1]
    return gap, (top[..., 0] == 0) & (top[..., 1] == 0)


def check_margins(model, x, case):
    """Assert no activation input is near a kink and no max-pool window (or
    global max pool) near a tie, for a pass in the model's current mode.

    Windows whose two largest values are both exactly 0 (relu outputs) are
    allowed: whichever element a max pool picks, the relu before it passes
    no gradient there, so dx and the parameter gradients do not depend on it.
    """
    problems = []

    def kink_hook(kinks):
        def hook(module, inputs, _output):
            v = inputs[0].detach()
            for k in kinks:
                d = (v - k).abs().min()
                if d < MARGIN:
                    problems.append(f"{type(module).__name__} input {d:.2e} from {k}")
        return hook

    def pool_hook(module, inputs, _output):
        v = inputs[0].detach()
        if isinstance(module, nn.AdaptiveMaxPool2d):
            windows = v.flatten(start_dim=2)
        else:
            (fh, fw), (sh, sw), (ph, pw) = (as_pair(a) for a in (
                module.kernel_size, module.stride, module.padding))
            v = nn.functional.pad(v, (pw, pw, ph, ph), value=-math.inf)
            windows = v.unfold(2, fh, sh).unfold(3, fw, sw).flatten(start_dim=4)
        gap, zeros = _top_two_gap(windows)
        bad = (gap < MARGIN) & ~zeros
        if bad.any():
            problems.append(f"max pool tie: gap {gap[bad].min():.2e}")

    hooks = []
    for m in model.modules():
        for cls, kinks in KINKS:
            if type(m) is cls:
                hooks.append(m.register_forward_hook(kink_hook(kinks)))
        if isinstance(m, (nn.MaxPool2d, nn.AdaptiveMaxPool2d)):
            hooks.append(m.register_forward_hook(pool_hook))
    with torch.no_grad(), kept_state(model):
        model(x)
    for h in hooks:
        h.remove()
    if problems:
        raise AssertionError(f"{case}: {'; '.join(problems)} (choose another seed)")


def check_directional(model, x, dy, grads, dx, case):
    """Compare the gradients with a central difference of sum(y * dy).

    Along a random direction v (over x and every parameter), the derivative
    of L = sum(model(x) * dy) must equal sum(grad * v). This uses no autograd.
    The pass runs in the model's current mode on copies of its buffers.
    """
    gen = torch.Generator().manual_seed(12345)
    params = {n: p.detach() for n, p in model.named_parameters()}
    vx = torch.randn(x.shape, dtype=DTYPE, generator=gen)
    vp = {n: torch.randn(p.shape, dtype=DTYPE, generator=gen) for n, p in params.items()}

    def loss(t):
        moved = {n: p + t * vp[n] for n, p in params.items()}
        moved.update(buffers(model))
        with torch.no_grad():
            return (functional_call(model, moved, (x + t * vx,)) * dy).sum().item()

    h = 1e-6
    numeric = (loss(h) - loss(-h)) / (2 * h)
    analytic = (dx * vx).sum().item() + sum((grads[n] * vp[n]).sum().item() for n in params)
    if abs(numeric - analytic) > 1e-6 * max(1.0, abs(analytic)):
        raise AssertionError(f"{case}: directional derivative {numeric} != {analytic}")


def check_gradcheck(model, x, case):
    """Run torch.autograd.gradcheck on the model as a function of x and
    weights, in its current mode, on copies of its buffers."""
    names = [n for n, _ in model.named_parameters()]

    def f(x, *params):
        state = dict(zip(names, params))
        state.update(buffers(model))
        return functional_call(model, state, (x,))

    inputs = [x.detach().clone().requires_grad_()]
    inputs += [p.detach().clone().requires_grad_() for _, p in model.named_parameters()]
    if not torch.autograd.gradcheck(f, tuple(inputs), eps=1e-6, atol=1e-7, rtol=1e-6):
        raise AssertionError(f"{case}: gradcheck failed")


def check_running_stats(model, x, before, after, case):
    """Replay a training-mode pass's batchnorm buffer updates in numpy.

    For a batchnorm whose input is z (N, C[, H, W]) with batch mean m and
    unbiased variance u over N·H·W values per channel:
    running_mean <- (1 - momentum)·running_mean + momentum·m, running_var
    likewise with u, num_batches_tracked <- num_batches_tracked + 1.
    """
    seen = {}
    hooks = []
    for name, m in model.named_modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            def hook(module, inputs, _output, name=name):
                seen[name] = (module, inputs[0].detach().numpy())
            hooks.append(m.register_forward_hook(hook))
    with torch.no_grad(), kept_state(model):
        model(x)
    for h in hooks:
        h.remove()
    for name, (m, z) in seen.items():
        axes = (0,) + tuple(range(2, z.ndim))
        mean, var = z.mean(axis=axes), z.var(axis=axes, ddof=1)
        mom = m.momentum
        want = {"running_mean": (1 - mom) * before[name + ".running_mean"].numpy() + mom * mean,
                "running_var": (1 - mom) * before[name + ".running_var"].numpy() + mom * var}
        for key, w in want.items():
            got = after[f"{name}.{key}"].numpy()
            if not np.allclose(got, w, rtol=1e-12, atol=1e-12):
                raise AssertionError(f"{case}: {name}.{key} disagrees with numpy")
        n = f"{name}.num_batches_tracked"
        if after[n].item() != before[n].item() + 1:
            raise AssertionError(f"{case}: {n} was not incremented")


# ---------------------------------------------------------------------------
# Files.
# ---------------------------------------------------------------------------

def numpy_array(t):
    """A C-ordered numpy copy of a tensor."""
    return np.array(t.detach().numpy(), order="C", copy=True)


def npz_bytes(arrays):
    """Serialise arrays as an uncompressed .npz, byte for byte reproducible.

    This is the format numpy.savez writes (a ZIP_STORED archive of NAME.npy
    files in .npy format 1.0); it differs only in using a fixed timestamp, so
    that regenerating unchanged fixtures leaves them byte-identical in git.
    """
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, a in arrays.items():
            if a.dtype not in (np.float64, np.int64):
                raise TypeError(f"{name}: dtype {a.dtype}")
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            npy = io.BytesIO()
            # (np.asarray, not np.ascontiguousarray, which makes a 0-d array 1-d.)
            np.lib.format.write_array(npy, np.asarray(a, order="C"), allow_pickle=False)
            zf.writestr(info, npy.getvalue())
    return buf.getvalue()


def compare(path, arrays):
    """Compare arrays with an existing .npz; return a list of differences."""
    if not path.exists():
        return [f"{path} is missing"]
    with np.load(path) as old:
        diffs = []
        if sorted(old.files) != sorted(arrays):
            diffs.append(f"{path}: keys differ")
        for name, a in arrays.items():
            if name in old.files and not np.array_equal(old[name], a):
                diffs.append(f"{path}: {name} differs by {np.abs(old[name] - a).max():.3e}")
        return diffs

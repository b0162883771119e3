"""The three contenders of bench/compare.py, each timed in a process of its
own: ONNX Runtime (onnxruntime-node, through bench/ort.js), PyTorch (this
file run as a worker by /usr/bin/python3) and cnnc bench.

Every function returns None for a contender that cannot run here, after
saying why once on stderr (missing() lists the reasons).
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
ONNX_DIR = os.path.join(HERE, ".onnx")
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable

_missing = {}


def missing():
    """{contender: why it was skipped}."""
    return dict(_missing)


def _skip(who, why):
    if who not in _missing:
        _missing[who] = why
        print(f"{who}: skipped: {why}", file=sys.stderr)


def _worker(args, timeout):
    """Runs this file as a worker; its JSON answer, or None on failure."""
    cmd = [PYTHON, os.path.abspath(__file__)] + [str(a) for a in args]
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=timeout)
    if p.returncode != 0:
        return None, p.stderr.strip().splitlines()[-1:] or ["exit status %d" % p.returncode]
    return json.loads(p.stdout), None


def torch_version():
    out, err = _worker(["version"], 120)
    if out is None:
        _skip("PyTorch", f"{PYTHON} cannot import torch ({err[0] if err else '?'})")
    return out


def time_torch(model, batch, threads, runs, train):
    """{"forward_ms", "train_ms"} of PyTorch, or None."""
    if "PyTorch" in _missing:
        return None
    out, err = _worker(["torch", model, batch, threads, runs, int(train)], 3600)
    if out is None:
        _skip("PyTorch", f"the worker failed: {err[0] if err else '?'}")
    return out


def time_torch_steps(path, batch, threads, runs, optim):
    """{"train_ms", "train_cpu_ms"} of PyTorch training the network of the .cnn file path
    with optim on cross-entropy (or squared error), or None."""
    if "PyTorch" in _missing:
        return None
    out, err = _worker(["steps", path, batch, threads, runs, optim], 3600)
    if out is None:
        _skip("PyTorch", f"the worker failed: {err[0] if err else '?'}")
    return out


def export_onnx(model):
    """The path of MODEL's ONNX file (opset 13, random weights, a dynamic
    batch), exported once through PyTorch; None when that cannot be done."""
    if "PyTorch" in _missing:
        _skip("ONNX Runtime", "no PyTorch to export the models with")
        return None
    src = os.path.join(ROOT, "models", model + ".cnn")
    dst = os.path.join(ONNX_DIR, model + ".onnx")
    if os.path.exists(dst) and os.path.getmtime(dst) > os.path.getmtime(src):
        return dst
    os.makedirs(ONNX_DIR, exist_ok=True)
    out, err = _worker(["export", model, dst], 600)
    if out is None:
        print(f"ONNX export of {model} failed: {err}", file=sys.stderr)
        return None
    return dst


def ort_ready():
    """Whether node and onnxruntime-node are installed; says why not."""
    if shutil.which("node") is None:
        _skip("ONNX Runtime", "node is not installed (Debian: apt-get install nodejs)")
        return False
    if not os.path.isdir(os.path.join(HERE, "node_modules", "onnxruntime-node")):
        _skip("ONNX Runtime", "onnxruntime-node is not installed: run `ONNXRUNTIME_NODE_INSTALL=skip npm ci` in bench/")
        return False
    return True


def time_ort(model, shape, batch, threads, runs):
    """{"forward_ms", "version"} of ONNX Runtime, or None."""
    if "ONNX Runtime" in _missing or not ort_ready():
        return None
    path = export_onnx(model)
    if path is None:
        return None
    env = dict(os.environ, ORT_INPUT_SHAPE=json.dumps(list(shape)))
    p = subprocess.run(["node", os.path.join(HERE, "ort.js"), path, str(batch), str(threads), str(runs)],
                       capture_output=True, text=True, env=env, timeout=3600)
    if p.returncode != 0:
        print(f"ONNX Runtime on {model}: {p.stderr.strip()}", file=sys.stderr)
        return None
    return json.loads(p.stdout)


def build_cnnc():
    exe = os.path.join(HERE, ".cnnc")
    subprocess.run(["go", "build", "-o", exe, "./cmd/cnnc"], check=True, cwd=ROOT)
    return exe


def time_cnnc(exe, model, batch, threads, runs, train, backward=False, kernels="", optim=""):
    """cnnc bench's JSON, {"unsupported": message} when cnnc cannot build
    the model's generated code yet, or None on another failure. model is a
    bundled model's name or a .cnn file's path."""
    path = model if model.endswith(".cnn") else f"models/{model}.cnn"
    cmd = [exe, "bench", "--format", "json", "--runs", str(runs), "--batch", str(batch), "--threads", str(threads)]
    if train:
        cmd.append("--train")
    if backward:
        cmd.append("--backward")
    if kernels:
        cmd += ["--kernels", kernels]
    if optim:
        cmd += ["--optim", optim]
    p = subprocess.run(cmd + [path], capture_output=True, text=True, cwd=ROOT, timeout=3600)
    if p.returncode == 0:
        return json.loads(p.stdout)
    msg = p.stderr.strip().splitlines()[-1] if p.stderr.strip() else f"exit status {p.returncode}"
    if "does not support" in msg:
        return {"unsupported": msg}
    print(f"cnnc bench on {model}: {msg}", file=sys.stderr)
    return None


# --- the PyTorch worker ----------------------------------------------------

def _net(model):
    sys.path.insert(0, os.path.join(ROOT, "golden"))
    import cnntorch  # noqa: E402 (golden/'s reader of .cnn files)
    path = model if model.endswith(".cnn") else os.path.join(ROOT, "models", model + ".cnn")
    return cnntorch.load(path).float()


def _fold(steps):
    """Folds each batchnorm that follows a conv into it, as ONNX Runtime and
    cnnc do for inference: the conv gets the folded weights, the bn step
    becomes an identity."""
    import torch
    from torch.nn.utils.fusion import fuse_conv_bn_eval
    for i, (kind, arg) in enumerate(steps):
        if kind != "layer":
            for branch in arg:
                _fold(branch)
            continue
        if i == 0 or steps[i - 1][0] != "layer":
            continue
        (pflat, prev), (flat, m) = steps[i - 1][1], arg
        if isinstance(prev, torch.nn.Conv2d) and isinstance(m, torch.nn.BatchNorm2d):
            fused = fuse_conv_bn_eval(prev, m)
            prev.weight, prev.bias = fused.weight, fused.bias
            steps[i] = ("layer", (flat, torch.nn.Identity()))


def _median_ms(f, runs):
    f()  # warm-up
    ts = []
    for _ in range(runs):
        t = time.perf_counter()
        f()
        ts.append((time.perf_counter() - t) * 1e3)
    return statistics.median(ts)


def _torch_worker(model, batch, threads, runs, train):
    import torch
    torch.set_num_threads(threads)
    net = _net(model)
    x = torch.randn(batch, *net.prog.input)
    out = {}
    if train:
        net.train()
        opt = torch.optim.SGD(net.parameters(), lr=1e-4, momentum=0.9)
        dy = torch.randn(batch, *net.prog.output)

        def step():
            opt.zero_grad(set_to_none=False)
            net(x).backward(dy)
            opt.step()
        out["train_ms"] = _median_ms(step, runs)
    net.eval()
    _fold(net.steps)
    with torch.no_grad():
        out["forward_ms"] = _median_ms(lambda: net(x), runs)
    return out


def _torch_steps(path, batch, threads, runs, optim):
    """Training steps as a PyTorch loop takes them, without data loading:
    zeroed gradients, forward in training mode, the loss (cross-entropy on
    the logits before a final softmax, as cnnc train; else squared error),
    backward, a step of optim with the rates of cnnc bench --optim."""
    import torch
    torch.set_num_threads(threads)
    net = _net(path)
    x = torch.randn(batch, *net.prog.input)
    if net.prog.ops[-1]["kind"] == "softmax":
        logits, loss_fn = net.without_last(), torch.nn.CrossEntropyLoss()
        target = torch.randint(0, net.prog.output[0], (batch,))
    else:
        logits, loss_fn = net, torch.nn.MSELoss()
        target = torch.randn(batch, *net.prog.output)
    net.train()
    opt = {"sgd": lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9), "adam": lambda p: torch.optim.Adam(p, lr=1e-3),
           "adamw": lambda p: torch.optim.AdamW(p, lr=1e-3)}[optim](net.parameters())

    def step():
        opt.zero_grad(set_to_none=False)
        loss_fn(logits(x), target).backward()
        opt.step()
    cpu = []

    def timed():
        c = time.process_time()
        step()
        cpu.append((time.process_time() - c) * 1e3)
    return {"train_ms": _median_ms(timed, runs), "train_cpu_ms": statistics.median(cpu[1:])}


def _export(model, dst):
    import warnings
    import torch
    warnings.filterwarnings("ignore")
    net = _net(model).eval()
    x = torch.randn(1, *net.prog.input)
    tmp = dst + ".tmp"
    torch.onnx.export(net, x, tmp, opset_version=13, input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {0: "n"}, "y": {0: "n"}})
    os.replace(tmp, dst)
    return {"path": dst}


if __name__ == "__main__":
    what = sys.argv[1]
    if what == "version":
        import torch
        print(json.dumps({"torch": torch.__version__}))
    elif what == "torch":
        m, b, t, r, tr = sys.argv[2:7]
        print(json.dumps(_torch_worker(m, int(b), int(t), int(r), tr == "1")))
    elif what == "steps":
        p, b, t, r, o = sys.argv[2:7]
        print(json.dumps(_torch_steps(p, int(b), int(t), int(r), o)))
    elif what == "export":
        print(json.dumps(_export(sys.argv[2], sys.argv[3])))

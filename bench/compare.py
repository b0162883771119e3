#!/usr/bin/python3
"""Time every bundled model in ONNX Runtime, PyTorch and cnnc, side by side.

Usage (from the repository's root):

    (cd bench && ONNXRUNTIME_NODE_INSTALL=skip npm ci)   # ONNX Runtime, once
    /usr/bin/python3 bench/compare.py [--models lenet5,vgg16] [--threads 1,2]
        [--batches small|large|both] [--rounds 3] [--runs 5] [--no-train] [--quick]
    /usr/bin/python3 bench/compare.py --layers [--models vgg16,...] [--rounds 3] [--runs 5]
    /usr/bin/python3 bench/compare.py --report

For each configuration (model, batch, threads) it runs the contenders
ROUNDS times, one after another in a rotating order, each in a process of
its own: ONNX Runtime (onnxruntime-node 1.30, CPU, graph optimisations on)
on the model exported by torch.onnx.export (opset 13, random weights),
PyTorch (Debian's python3-torch, float32, eval mode, batchnorm folded into
the convs) and `cnnc bench`. Each process reports the median of RUNS passes
after a warm-up (fewer at the large batches); the figure of a contender is
the median over rounds, with the lowest and highest round; a ratio is taken
in each round from adjacent measurements, then its median over rounds. A
training step (zeroed gradients, forward and backward in training mode, an
SGD step) is timed in PyTorch and cnnc; ONNX Runtime does not train.

Batches: 1 and 64 for the small models (LeNet-5, digits), 1 and 8 for the
224x224 ones. Before the models it measures the machine's peak (bench/peak:
FMA GFLOP/s and streaming-read GB/s). A contender that cannot run here
(node or torch missing, a model cnnc's generator does not take yet) is
reported as such and the rest measured. It writes docs/BENCHMARKS.md (the
part after its "notes" marker is kept), docs/layers.svg and the raw figures
in bench/results.json; --report rewrites the report from that file.

After the models (on one thread, unless --no-layers or --append) it measures each layer
of cnnc's forward pass against the peak (bench/peak, measured again first)
and issue 17's per-layer targets (see bench/layers.py), on the
configurations of layers.CONFIGS among the models and batches asked for.
--layers runs that part alone, adding to bench/results.json (rebuilt from
the report when missing) and replacing the section's earlier figures (they
are all set against one run's peak).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import contenders as ct  # noqa: E402
import layers  # noqa: E402
import recover  # noqa: E402
import report  # noqa: E402
import throughput  # noqa: E402

MODELS = ["lenet5", "digits", "alexnet", "vgg16", "vgg19", "resnet18", "resnet50", "mobilenetv2"]
RESULTS = os.path.join(ct.HERE, "results.json")


def input_shape(model):
    """(C, H, W) of a model's input, from its .cnn file's input statement."""
    with open(os.path.join(ct.ROOT, "models", model + ".cnn")) as f:
        for line in f:
            w = line.split("#")[0].split()
            if len(w) == 2 and w[0] == "input":
                dims = [int(d) for d in w[1].split("x")]
                return (dims[2], dims[0], dims[1]) if len(dims) == 3 else (dims[0],)
    raise SystemExit(f"models/{model}.cnn: no input statement")


def batches(model, which):
    large = 64 if input_shape(model)[-1] <= 64 else 8
    return {"small": [1], "large": [large], "both": [1, large]}[which]


def spread(values):
    return [statistics.median(values), min(values), max(values)] if values else None


def peak(rounds):
    out = subprocess.run(["go", "run", "./bench/peak", "-format", "json", "-rounds", str(rounds)],
                         capture_output=True, text=True, cwd=ct.ROOT)
    return json.loads(out.stdout) if out.returncode == 0 else None


def measure(model, batch, threads, args, rounds_log):
    """One configuration, args.rounds rounds; its row of the report."""
    shape = input_shape(model)
    runs = args.runs if batch == 1 else max(3, args.runs // 2)
    got = {k: [] for k in ("ort", "torch_f", "torch_t", "cnnc_f", "cnnc_t", "r_ort", "r_torch_f", "r_torch_t")}
    row = {"model": model, "batch": batch, "threads": threads, "runs": runs, "commit": args.commit}
    layers = None
    profile = model == "vgg16" and batch == 1 and threads == 1

    def ort():
        return ct.time_ort(model, shape, batch, threads, runs)

    def torch():
        return ct.time_torch(model, batch, threads, runs, args.train)

    def cnnc():
        if row.get("cnnc_unsupported"):
            return None
        return ct.time_cnnc(args.cnnc, model, batch, threads, runs, args.train, backward=profile, kernels=args.kernels)
    order = [("ort", ort), ("torch", torch), ("cnnc", cnnc)]
    for r in range(args.rounds):
        print(f"{model} batch {batch} threads {threads}: round {r + 1}/{args.rounds}", file=sys.stderr)
        res = {}
        for name, f in order[r % 3:] + order[:r % 3]:
            res[name] = f()
        o, t, c = res["ort"], res["torch"], res["cnnc"]
        if c and "unsupported" in c:
            row["cnnc_unsupported"] = c["unsupported"]
            c = None
        if o:
            got["ort"].append(o["forward_ms"])
            row["ort_version"] = o["version"]
        if t:
            got["torch_f"].append(t["forward_ms"])
            if "train_ms" in t:
                got["torch_t"].append(t["train_ms"])
        if c:
            row["path"] = c["path"]
            got["cnnc_f"].append(c["forward_ms"])
            if c.get("train_step_ms"):
                got["cnnc_t"].append(c["train_step_ms"])
            if profile:
                layers = layers or []
                layers.append(c["layers"])
        if c and o:
            got["r_ort"].append(c["forward_ms"] / o["forward_ms"])
        if c and t:
            got["r_torch_f"].append(c["forward_ms"] / t["forward_ms"])
            if c.get("train_step_ms") and "train_ms" in t:
                got["r_torch_t"].append(c["train_step_ms"] / t["train_ms"])
        rounds_log.append({"model": model, "batch": batch, "threads": threads, "round": r, "loadavg": os.getloadavg()[0],
                           "ort": o and o["forward_ms"], "torch": t, "cnnc_f": c and c["forward_ms"],
                           "cnnc_t": c and c.get("train_step_ms")})
        if not (o or t or c):
            break
    for k, v in got.items():
        row[k] = spread(v)
    if layers:
        row["layers"] = median_layers(layers)
    print(json.dumps({k: v for k, v in row.items() if k != "layers"}), file=sys.stderr)
    return row


def median_layers(rounds):
    """Each layer's figures as the median over the rounds."""
    out = []
    for i, l in enumerate(rounds[-1]):
        m = dict(l)
        for key, v in l.items():
            if isinstance(v, float):
                m[key] = statistics.median(r[i].get(key, 0.0) for r in rounds if i < len(r))
        out.append(m)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default=None, help="comma-separated (default: all; with --layers, all of its configurations)")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--batches", default="both", choices=["small", "large", "both"])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--peak-rounds", type=int, default=5)
    ap.add_argument("--kernels", default="", help="cnnc's kernel path (default: cnnc bench's, the best the CPU has)")
    ap.add_argument("--no-train", dest="train", action="store_false", help="forward passes only")
    ap.add_argument("--quick", action="store_true", help="LeNet-5 and VGG-16 at batch 1, one round")
    ap.add_argument("--throughput", metavar="FILE.cnn",
                    help="measure training throughput (images/s) of this network in cnnc and PyTorch instead, "
                         f"adding it to {RESULTS}")
    ap.add_argument("--batch", type=int, default=128, help="the batch of --throughput")
    ap.add_argument("--optims", default="sgd,adam", help="the optimisers of --throughput")
    ap.add_argument("--layers", action="store_true",
                    help="measure each layer on one thread against the peak (VGG-16 b1, AlexNet b1 and b8, ResNet-50 b8, "
                         f"MobileNetV2 b1; --models picks some), adding to {RESULTS} (rebuilt from the report if missing)")
    ap.add_argument("--no-layers", dest="with_layers", action="store_false",
                    help="leave out the per-layer run that follows the models (that --layers runs alone)")
    ap.add_argument("--report", action="store_true", help=f"only rewrite the report from {RESULTS}")
    ap.add_argument("--append", action="store_true",
                    help=f"add to {RESULTS} (replacing the configurations measured again; peak kept with --peak-rounds 0)")
    args = ap.parse_args()
    if args.report:
        try:
            with open(RESULTS) as f:
                res = json.load(f)
        except OSError:
            raise SystemExit(f"{RESULTS}: not found: run bench/recover.py to rebuild it from docs/BENCHMARKS.md")
        report.write(res)
        return
    if args.throughput:
        return measure_throughput(args)
    if args.quick:
        args.models, args.batches, args.rounds, args.with_layers = "lenet5,vgg16", "small", 1, False
    models = [m.strip() for m in (args.models or ",".join(MODELS)).split(",") if m.strip()]
    for m in models:
        if m not in MODELS:
            raise SystemExit(f"unknown model {m!r} (want some of {', '.join(MODELS)})")
    if args.layers:
        return measure_layers(args, [c for c in layers.CONFIGS if c[0] in models])
    threads = [int(t) for t in args.threads.split(",")]

    started = time.time()
    results = {"started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(started)),
               "loadavg_start": os.getloadavg(), "rounds": args.rounds, "runs": args.runs,
               "train": args.train, "machine": report.machine(), "rows": [], "log": []}
    results["versions"] = {"torch": (ct.torch_version() or {}).get("torch")}
    configs = [(m, b, t) for m in models for b in batches(m, args.batches) for t in threads]
    if args.append:
        with open(RESULTS) as f:
            old = json.load(f)
        results.update(started=old["started"], loadavg_start=old["loadavg_start"], log=old["log"], peak=old.get("peak"),
                       rows=[r for r in old["rows"] if (r["model"], r["batch"], r["threads"]) not in configs])
        results["rounds"] = max(args.rounds, old["rounds"])
        if str(old["runs"]) != str(args.runs):
            results["runs"] = f"{min(args.runs, int(str(old['runs']).split('–')[0]))}–{max(args.runs, int(str(old['runs']).split('–')[-1]))}"
        results["minutes_before"] = old.get("minutes", 0)  # which counts the runs before it too
        for k in ("throughput", "throughput_load", "throughput_log", "layer_runs"):
            if k in old:
                results[k] = old[k]
        results["train"] = args.train or old.get("train", False)  # --no-train keeps the training table's other rows
    args.cnnc = ct.build_cnnc()
    args.commit = results["machine"]["commit"]
    if args.peak_rounds > 0 or not results.get("peak"):
        print("peak: FMA and streaming read", file=sys.stderr)
        results["peak"] = peak(max(1, args.peak_rounds))
    for model, batch, t in configs:
        results["rows"].append(measure(model, batch, t, args, results["log"]))
        results["missing"] = ct.missing()
        results["loadavg_end"] = os.getloadavg()
        results["minutes"] = (time.time() - started) / 60 + results.get("minutes_before", 0)
        with open(RESULTS, "w") as f:
            json.dump(results, f, indent=1)
    want = [c for c in layers.CONFIGS if c[0] in models and c[1] in batches(c[0], args.batches)]
    if args.with_layers and not args.append and 1 in threads and want:  # --append keeps the section as it was
        layers.measure(args, results, want)
        results["minutes"] = (time.time() - started) / 60 + results.get("minutes_before", 0)
        with open(RESULTS, "w") as f:
            json.dump(results, f, indent=1)
    report.write(results)


def measure_layers(args, want):
    """compare.py --layers: the per-layer section's figures of the
    configurations want, added to results.json (rebuilt from
    docs/BENCHMARKS.md when missing)."""
    try:
        with open(RESULTS) as f:
            results = json.load(f)
    except OSError:
        with open(os.path.join(ct.ROOT, "docs", "BENCHMARKS.md")) as f:
            results = recover.recover(f.read())
        print(f"{RESULTS}: not found: rebuilt from docs/BENCHMARKS.md", file=sys.stderr)
    args.cnnc = ct.build_cnnc()
    args.commit = report.machine()["commit"]
    layers.measure(args, results, want)
    with open(RESULTS, "w") as f:
        json.dump(results, f, indent=1)
    report.write(results)


def measure_throughput(args):
    """compare.py --throughput: the rows of the training throughput table,
    added to results.json (replacing those measured again)."""
    path = os.path.abspath(args.throughput)
    threads = [int(t) for t in args.threads.split(",")]
    optims = [o.strip() for o in args.optims.split(",") if o.strip()]
    try:
        with open(RESULTS) as f:
            results = json.load(f)
    except OSError:
        raise SystemExit(f"{RESULTS}: not found: measure the models first (or run bench/recover.py)")
    args.cnnc = ct.build_cnnc()
    args.commit = report.machine()["commit"]
    configs = [(os.path.relpath(path, ct.ROOT), args.batch, t, o) for o in optims for t in threads]
    rows = [r for r in results.get("throughput", []) if (r["file"], r["batch"], r["threads"], r["optim"]) not in configs]
    started, load0 = time.time(), os.getloadavg()[0]
    for _, b, t, o in configs:
        rows.append(throughput.measure(path, b, t, o, args, results.setdefault("throughput_log", [])))
        results["throughput"] = rows
        results["throughput_load"] = [load0, os.getloadavg()[0]]
        with open(RESULTS, "w") as f:
            json.dump(results, f, indent=1)
    results["minutes"] = results.get("minutes", 0) + (time.time() - started) / 60
    with open(RESULTS, "w") as f:
        json.dump(results, f, indent=1)
    report.write(results)


if __name__ == "__main__":
    main()

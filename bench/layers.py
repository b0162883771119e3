"""compare.py --layers: each layer of cnnc's forward pass on one thread
against the machine's peak and issue 17's per-layer targets.

It runs `cnnc bench --format json --threads 1` on the configurations of
CONFIGS, ROUNDS times in turn (round-robin, so that all see the same
machine conditions), after measuring the peak (bench/peak, one thread) in
the same run. Each layer is classified by what cnnc bench says of it
(classify) and judged against the peak of its kind: GFLOP/s (2 flops a
multiply-add of the direct convolution, whatever the algorithm) against
the FMA peak of the kernel path's loop, or GB/s (bytes a layer must move:
the inputs and outputs of its samples and its parameters) against the
streaming read. The figures go to results.json's "layer_runs"; the
report's section comes from section() and the pictures from plots().
"""

import json
import os
import statistics
import subprocess
import sys
import time

import contenders as ct

# (model, batch): VGG-16's 3x3 convs and fc at batch 1, AlexNet's direct
# convs and fc at batch 1 and 8, ResNet-50's 1x1 and 3x3 convs at batch 8,
# MobileNetV2's 1x1 and depthwise convs.
CONFIGS = [("vgg16", 1), ("alexnet", 1), ("alexnet", 8), ("resnet50", 8), ("mobilenetv2", 1)]

# Kind: (label, peak it is judged against, issue 17's target as a fraction of it).
KINDS = {
    "conv3x3": ("3x3 conv", "fma", 0.75),
    "conv1x1": ("1x1 conv", "fma", 0.70),
    "depthwise": ("depthwise conv", "read", 0.70),
    "conv": ("other conv", "fma", None),
    "fc1": ("fc, batch 1", "read", 0.80),
    "fc8": ("fc, batch ≥ 8", "fma", 0.70),
    "fc": ("fc, batch 2–7", "fma", None),
    "fused": ("fused convs", "fma", None),
    "other": ("pool, other", None, None),
}


def classify(layer, batch):
    """The KINDS key of a layer of cnnc bench's JSON at batch."""
    k = layer.get("kind", "")
    if "+" in k:
        return "fused"
    if k in ("conv3x3", "conv1x1", "depthwise", "conv"):
        return k
    if k == "fc":
        return "fc1" if batch == 1 else "fc8" if batch >= 8 else "fc"
    return "other"


def layer_ms(layer, batch):
    """The layer's forward time at batch: one sample's profile at batch 1,
    else its share of the whole batch's forward pass."""
    return layer.get("forward_ms", 0.0) if batch == 1 else layer.get("batch_forward_ms", 0.0)


def figure(layer, batch, kind, ms):
    """GFLOP/s (FMA kinds) or GB/s (read kinds) of the layer in ms, or None."""
    peak = KINDS[kind][1]
    if not ms or not peak:
        return None
    if peak == "fma":
        return 2 * layer.get("macs", 0) * batch / (ms * 1e6) or None
    moved = batch * (layer.get("in_bytes", 0) + layer.get("out_bytes", 0)) + layer.get("param_bytes", 0)
    return moved / (ms * 1e6) or None


def peaks(pk, path):
    """{"fma": one core's FMA GFLOP/s (the loop of cnnc's kernel path),
    "read": one core's streaming read GB/s} from bench/peak's JSON."""
    fma = pk["fma_gflops"]
    loop = "avx512" if path == "avx512" and "avx512" in fma else "avx2"
    return {"fma": fma[loop]["1"]["median"], "read": pk["read_gbs"]["1"]["median"], "loop": loop}


def rows(cfg, pk):
    """The layers of one configuration over its rounds: name, kind, ms
    (median, low, high), figure and percent of peak (median, and those of
    the slowest and fastest round), target, met."""
    if "recovered_rows" in cfg:  # bench/recover.py's, as the report printed them
        return cfg["recovered_rows"]
    batch, rounds = cfg["batch"], [r for r in cfg["rounds"] if r]
    if not rounds:
        return []
    out = []
    for i, l in enumerate(rounds[-1]):
        kind = classify(l, batch)
        mss = [layer_ms(r[i], batch) for r in rounds if i < len(r) and r[i]["name"] == l["name"]]
        m = statistics.median(mss)
        row = {"name": l["name"].split(" (")[0], "kind": kind, "winograd": l.get("winograd", False),
               "ms": [m, min(mss), max(mss)], "figure": None, "pct": None, "target": KINDS[kind][2], "met": None}
        f = figure(l, batch, kind, m)
        if f:
            p = pk[KINDS[kind][1]]
            lo, hi = figure(l, batch, kind, max(mss)), figure(l, batch, kind, min(mss))
            row.update(figure=f, pct=[100 * f / p, 100 * lo / p, 100 * hi / p])
            if row["target"] is not None:
                row["met"] = f >= row["target"] * p
        out.append(row)
    return out


def summary(configs, pk):
    """Per kind: layers, layers meeting the target, the time of all and of
    those meeting it, and the aggregate % of peak (all their work over all
    their time: the time-weighted mean of their percentages)."""
    out = {}
    for cfg in configs:
        for r in rows(cfg, pk):
            s = out.setdefault(r["kind"], {"layers": 0, "met": 0, "ms": 0.0, "ms_met": 0.0, "work": 0.0})
            s["layers"] += 1
            s["ms"] += r["ms"][0]
            if r["met"]:
                s["met"] += 1
                s["ms_met"] += r["ms"][0]
            if r["pct"]:
                s["work"] += r["pct"][0] * r["ms"][0]
    for s in out.values():
        s["pct"] = s["work"] / s["ms"] if s["ms"] and s["work"] else None
    return out


def measure(args, results, want):
    """Runs the per-layer configurations want (some of CONFIGS), setting
    results["layer_runs"] (the figures of an earlier run are dropped: the
    section's figures are set against one run's peak)."""
    started, load0 = time.time(), os.getloadavg()[0]
    print("peak: FMA and streaming read, one thread", file=sys.stderr)
    out = subprocess.run(["go", "run", "./bench/peak", "-format", "json", "-threads", "1",
                          "-rounds", str(max(1, args.peak_rounds))], capture_output=True, text=True, cwd=ct.ROOT)
    if out.returncode != 0:
        raise SystemExit(f"bench/peak failed: {out.stderr.strip()}")
    lr = {"started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(started)), "rounds": args.rounds,
          "runs": args.runs, "peak": json.loads(out.stdout), "commit": args.commit, "configs": []}
    lr["configs"] = [{"model": m, "batch": b, "threads": 1, "rounds": [], "forward_ms": []} for m, b in want]
    for r in range(args.rounds):
        for cfg in lr["configs"]:
            print(f"layers: {cfg['model']} batch {cfg['batch']}: round {r + 1}/{args.rounds}", file=sys.stderr)
            c = ct.time_cnnc(args.cnnc, cfg["model"], cfg["batch"], 1, args.runs, False, kernels=args.kernels)
            if not c or "unsupported" in c:
                cfg["error"] = (c or {}).get("unsupported", "cnnc bench failed")
                continue
            lr["path"] = c["path"]
            cfg["rounds"].append(c["layers"])
            cfg["forward_ms"].append(c["forward_ms"])
    lr["loadavg"] = [load0, os.getloadavg()[0]]
    lr["minutes"] = (time.time() - started) / 60
    results["layer_runs"] = lr

"""docs/BENCHMARKS.md and docs/layers.svg from bench/compare.py's results."""

import os
import platform
import subprocess

from contenders import ROOT
import layers_report
import targets
import throughput

NOTES = "<!-- notes: compare.py keeps what follows this line -->"
NAMES = {"lenet5": "LeNet-5", "digits": "digits", "alexnet": "AlexNet", "vgg16": "VGG-16", "vgg19": "VGG-19",
         "resnet18": "ResNet-18", "resnet50": "ResNet-50", "mobilenetv2": "MobileNetV2"}


def _run(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT).stdout.strip()
    except OSError:
        return ""


def _age(commit):
    """The number of commits up to commit (older: fewer); unknown commits last."""
    n = _run(["git", "rev-list", "--count", commit])
    return int(n) if n.isdigit() else 1 << 30


def machine():
    """The CPU, its vector extensions, cores, OS and tool versions."""
    info = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                k, _, v = line.partition(":")
                k, v = k.strip(), v.strip()
                if k in ("model name", "cpu family", "model", "flags") and k not in info:
                    info[k] = v
    except OSError:
        pass
    flags = info.pop("flags", "").split()
    info["vector"] = "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else "no AVX2"
    info["cores"] = os.cpu_count()
    info["os"] = f"{platform.system()} {platform.release()}"
    info["go"] = _run(["go", "version"])
    info["node"] = _run(["node", "--version"])
    info["commit"] = _run(["git", "rev-parse", "--short", "HEAD"])
    return info


def fmt(s, digits=None):
    if not s:
        return "–"
    if isinstance(s, dict):  # bench/peak's figures
        s = (s["median"], s["min"], s["max"])
    m, lo, hi = s
    d = digits if digits is not None else (2 if m < 10 else 1 if m < 100 else 0)
    return f"{m:.{d}f} ({lo:.{d}f}–{hi:.{d}f})"


def ratio(s):
    if not s:
        return "–"
    m, lo, hi = s
    return f"**{m:.2f}** ({lo:.2f}–{hi:.2f})"


def write(res):
    path = os.path.join(ROOT, "docs", "BENCHMARKS.md")
    try:
        with open(path) as f:
            kept = f.read().split(NOTES, 1)[1]
    except (OSError, IndexError):
        kept = "\n"
    order = list(NAMES)
    m = res["machine"]
    rows = sorted(res["rows"], key=lambda r: (order.index(r["model"]), r["batch"], r["threads"]))
    ort_v = next((r["ort_version"] for r in rows if r.get("ort_version")), None)
    paths = sorted({r["path"] for r in rows if r.get("path")})
    la0, la1 = res["loadavg_start"][0], res.get("loadavg_end", res["loadavg_start"])[0]
    commits = {}
    for r in rows + res.get("throughput", []):
        commits[r.get("commit", m["commit"])] = commits.get(r.get("commit", m["commit"]), 0) + 1
    main_commit = max(commits, key=commits.get) if commits else m["commit"]
    # Older commits get fewer marks, so that a mark keeps its meaning (in
    # the notes) when rows of a later commit are added.
    others = sorted((c for c in commits if c != main_commit), key=_age)
    marks = {c: "‡" * (i + 1) for i, c in enumerate(others)}

    def name(r):
        return NAMES[r["model"]] + marks.get(r.get("commit", main_commit), "")
    lines = [
        "# Benchmarks: cnnc against ONNX Runtime and PyTorch",
        "",
        "Measured by `/usr/bin/python3 bench/compare.py` (in this repository) on",
        f"{res['started']}, at commit {main_commit}" +
        (" (" + "; ".join(f"rows marked {v}: at commit {c}" for c, v in marks.items()) + ")" if marks else "") +
        f", in {res.get('minutes', 0):.0f} minutes:",
        "",
        f"- CPU: {m.get('model name', '?')} (family {m.get('cpu family', '?')}, model {m.get('model', '?')}), "
        f"{m['cores']} cores, {m['vector']}; {m['os']}",
        f"- {m['go']}; cnnc's kernel path: {', '.join(paths) or '–'} (`cnnc bench` builds with GOEXPERIMENT=simd)",
        f"- ONNX Runtime {ort_v or '–'} (onnxruntime-node, CPU, graph optimisations on, sequential), node {m['node'] or '–'}",
        f"- PyTorch {res['versions'].get('torch') or '–'} (Debian's python3-torch, oneDNN), float32, eval mode, "
        "batchnorm folded into the convs for the forward pass",
        f"- load average {la0:.1f} at the start, {la1:.1f} at the end: the machine was shared with other "
        "work, so absolute times drift; the ratios, taken within each round from adjacent measurements, are what to compare",
        "",
        f"Each figure is the median over {res['rounds']} rounds (lowest–highest round in brackets) of the median",
        f"of {res['runs']} timed passes after a warm-up (fewer at the large batches), in milliseconds. The",
        "contenders run one after another in each round, in a rotating order, each in a process of its own.",
        "A ratio below 1: cnnc is faster.",
        "",
    ]
    for who, why in sorted(res.get("missing", {}).items()):
        lines += [f"Not measured: {who}: {why}.", ""]
    pk = res.get("peak")
    if pk:
        lines += ["## The machine's peak (`go run ./bench/peak`)", "",
                  "| measure | 1 thread | 2 threads |", "|---|---|---|"]
        for loop, byt in pk["fma_gflops"].items():
            lines.append(f"| FMA {loop}, GFLOP/s | {fmt(byt.get('1'), 1)} | {fmt(byt.get('2'), 1)} |")
        rd = pk["read_gbs"]
        lines += [f"| streaming read of {pk['read_mib']} MiB, GB/s | {fmt(rd.get('1'), 1)} | {fmt(rd.get('2'), 1)} |", ""]
    lines += ["## Forward", "",
              "| model | batch | threads | ONNX Runtime | PyTorch | cnnc | cnnc / ORT | cnnc / PyTorch |",
              "|---|---|---|---|---|---|---|---|"]
    unsupported = {}
    for r in rows:
        c = fmt(r.get("cnnc_f"))
        if r.get("cnnc_unsupported"):
            c = "not yet †"
            unsupported[r["model"]] = r["cnnc_unsupported"]
        lines.append(f"| {name(r)} | {r['batch']} | {r['threads']} | {fmt(r.get('ort'))} | {fmt(r.get('torch_f'))} | "
                     f"{c} | {ratio(r.get('r_ort'))} | {ratio(r.get('r_torch_f'))} |")
    by_msg = {}
    for k, v in unsupported.items():
        by_msg.setdefault(v.split(": ", 2)[-1], []).append(NAMES[k])
    for msg, names in by_msg.items():
        lines += ["", f"† {', '.join(names)}: `cnnc bench` says “{msg}”: the graph code generator has not landed; "
                  "ONNX Runtime and PyTorch are measured alone."]
    if res.get("train"):
        lines += ["", "## Training step", "",
                  "Zeroed gradients, forward and backward in training mode, an SGD step with momentum.", "",
                  "| model | batch | threads | PyTorch | cnnc | cnnc / PyTorch |", "|---|---|---|---|---|---|"]
        for r in rows:
            c = "not yet †" if r.get("cnnc_unsupported") else fmt(r.get("cnnc_t"))
            lines.append(f"| {name(r)} | {r['batch']} | {r['threads']} | {fmt(r.get('torch_t'))} | {c} | "
                         f"{ratio(r.get('r_torch_t'))} |")
    lines += throughput.section(res.get("throughput", []), fmt, ratio,
                                lambda r: marks.get(r.get("commit", main_commit), ""), res.get("throughput_load"))
    if rows:
        lines += targets.section(res, NAMES, name)
    lrow = next((r for r in rows if r.get("layers")), None)
    peak1 = _peak1(pk)
    if lrow and peak1:
        lines += layer_table(lrow["layers"], peak1)
        if not lrow.get("layers_recovered"):  # recovered: rounded as the report printed them
            write_plot(lrow["layers"], peak1)
    lr = res.get("layer_runs")
    if lr and lr.get("configs"):
        lines += layers_report.section(lr, NAMES)
        if not lr.get("recovered"):
            layers_report.plots(lr, NAMES)
    lines += ["", NOTES]
    with open(path, "w") as f:
        f.write("\n".join(lines) + kept)


def _peak1(pk):
    """One core's FMA peak: the AVX2 loop's median (AVX-512 runs at the same
    rate of flops on Zen 4's 256-bit units)."""
    if not pk:
        return None
    return pk["fma_gflops"].get("avx2", {}).get("1", {}).get("median")


def layer_table(layers, peak):
    out = ["", "## VGG-16 layer by layer (cnnc, batch 1, one thread)", "",
           f"Against one core's measured FMA peak, {peak:.0f} GFLOP/s (picture: `layers.svg`). GFLOP/s count",
           "the direct convolution's flops (2 a multiply-add) whatever the algorithm: convs run as Winograd",
           "do fewer multiplications and can pass 100%. Backward does twice the forward's work (once for",
           "the first layer, whose input gradient is not computed).", "",
           "| layer | forward ms | GFLOP/s | % of peak | backward ms | GFLOP/s | % of peak |", "|---|---|---|---|---|---|---|"]
    for l in layers:
        if not l.get("macs"):
            out.append(f"| {l['name']} | {l['forward_ms']:.2f} | | | {l.get('backward_ms', 0):.2f} | | |")
            continue
        fg, bg = l.get("forward_gflops", 0), l.get("backward_gflops", 0)
        # Figures recovered from a report keep the percentages it printed.
        fp, bp = l.get("forward_pct", 100 * fg / peak), l.get("backward_pct", 100 * bg / peak)
        out.append(f"| {l['name']} | {l['forward_ms']:.2f} | {fg:.1f} | {fp:.0f}% | "
                   f"{l.get('backward_ms', 0):.2f} | {bg:.1f} | {bp:.0f}% |")
    return out


def write_plot(layers, peak):
    """A bar chart of forward and backward GFLOP/s per layer, with the peak."""
    ls = [l for l in layers if l.get("macs")]
    w, h, left, top, bottom = 900, 420, 60, 40, 110
    bw = (w - left - 20) / len(ls)
    ymax = max([peak] + [l.get(k, 0) for l in ls for k in ("forward_gflops", "backward_gflops")]) * 1.1
    step = 20 if ymax < 160 else 40

    def y(v):
        return top + (h - top - bottom) * (1 - v / ymax)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="11">',
           f'<rect width="{w}" height="{h}" fill="white"/>',
           f'<text x="{w / 2}" y="20" text-anchor="middle" font-size="14">VGG-16, one core: GFLOP/s of each layer '
           '(the direct conv’s flops) against the measured FMA peak</text>']
    for g in range(0, int(ymax) + 1, step):
        out.append(f'<line x1="{left}" x2="{w - 20}" y1="{y(g):.1f}" y2="{y(g):.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{left - 6}" y="{y(g) + 4:.1f}" text-anchor="end">{g}</text>')
    out.append(f'<line x1="{left}" x2="{w - 20}" y1="{y(peak):.1f}" y2="{y(peak):.1f}" stroke="#c00" stroke-dasharray="4 3"/>')
    out.append(f'<text x="{w - 22}" y="{y(peak) - 4:.1f}" text-anchor="end" fill="#c00">peak ≈ {peak:.0f}</text>')
    for i, l in enumerate(ls):
        x0 = left + i * bw
        for j, (key, colour) in enumerate((("forward_gflops", "#3b6ea8"), ("backward_gflops", "#e39b2d"))):
            v = l.get(key, 0)
            out.append(f'<rect x="{x0 + 3 + j * (bw - 6) / 2:.1f}" y="{y(v):.1f}" width="{(bw - 6) / 2:.1f}" '
                       f'height="{y(0) - y(v):.1f}" fill="{colour}"/>')
        out.append(f'<text transform="translate({x0 + bw / 2:.1f},{y(0) + 8:.1f}) rotate(60)">{l["name"]}</text>')
    out.append(f'<rect x="{left + 10}" y="{top}" width="10" height="10" fill="#3b6ea8"/>'
               f'<text x="{left + 24}" y="{top + 9}">forward</text>')
    out.append(f'<rect x="{left + 80}" y="{top}" width="10" height="10" fill="#e39b2d"/>'
               f'<text x="{left + 94}" y="{top + 9}">backward</text>')
    out.append('</svg>')
    with open(os.path.join(ROOT, "docs", "layers.svg"), "w") as f:
        f.write("\n".join(out) + "\n")

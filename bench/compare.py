#!/usr/bin/python3
"""Time VGG-16 and VGG-19 in PyTorch and with cnnc bench, side by side.

Usage (from the repository's root, with Debian's python3-torch installed):

    /usr/bin/python3 bench/compare.py [--runs 7] [--rounds 3] [--quick]

For each configuration (model, batch, threads) it alternates PyTorch and
cnnc, ROUNDS times, each time taking the median of RUNS timed passes after a
warm-up, so that both see the same machine conditions; the figure reported
for each is the median over rounds, with the spread (min–max) of those round
medians. Each engine runs in a process of its own, one at a time. It writes docs/BENCHMARKS.md and docs/layers.svg (per-layer GFLOP/s
of cnnc's kernels against the core's peak) and prints progress to stderr.

Then, in as many rounds, it runs the kernel benchmarks behind the issue's
other targets with go test -bench: the interpreter's conv against the
portable kernels' (with and without gonum's assembly), and fc1 at batch 1
against a plain streaming read.

PyTorch runs in float32 with its default CPU backend (oneDNN), in eval mode,
on the network built from the same .cnn file by golden/make_fixtures.py's
reader. cnnc runs the generated code built with GOEXPERIMENT=simd.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "golden"))
import make_fixtures as mf  # noqa: E402  (the fixture generator's .cnn reader)

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
PEAK_GFLOPS = 118.0  # one Zen 4 core: 16 float32 lanes x 2 flops x ~3.7 GHz (../shared/PERF.md)


def torch_model(path):
    """The PyTorch network of a .cnn file, float32, eval mode."""
    with open(path) as f:
        input_shape, layers = mf.parse_cnn(f.read())
    model, _ = mf.build(input_shape, layers)
    return model.float().eval(), input_shape


def time_torch(path, batch, threads, runs, backward):
    """Median seconds of forward (and forward+backward) passes in PyTorch,
    measured in a process of its own: PyTorch's thread pool keeps spinning
    for a while after its work, and must not steal cnnc's core."""
    cmd = [sys.executable, os.path.abspath(__file__), "--torch-worker", path,
           str(batch), str(threads), str(runs), "1" if backward else "0"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT).stdout
    f, fb = json.loads(out)
    return f, fb


def torch_worker(path, batch, threads, runs, backward):
    """The body of time_torch, run in its own process."""
    model, input_shape = torch_model(os.path.join(ROOT, path))
    torch.set_num_threads(threads)
    x = torch.randn(batch, *input_shape)
    fwd, fb = [], []
    with torch.no_grad():
        model(x)
        for _ in range(runs):
            t = time.perf_counter()
            model(x)
            fwd.append(time.perf_counter() - t)
    if backward:
        # The parameters' gradients and every intermediate one, but not the
        # input's: what cnnc bench's forward+backward computes too.
        y = model(x)
        dy = torch.randn_like(y)
        y.backward(dy)
        for _ in range(runs):
            model.zero_grad(set_to_none=False)
            t = time.perf_counter()
            y = model(x)
            y.backward(dy)
            fb.append(time.perf_counter() - t)
    return statistics.median(fwd), (statistics.median(fb) if backward else None)


def time_cnnc(cnnc, path, batch, threads, runs, backward):
    """cnnc bench's JSON for one configuration."""
    cmd = [cnnc, "bench", "--format", "json", "--runs", str(runs), "--batch", str(batch), "--threads", str(threads)]
    if backward:
        cmd.append("--backward")
    out = subprocess.run(cmd + [path], check=True, capture_output=True, text=True, cwd=ROOT).stdout
    return json.loads(out)


def spread(values):
    return statistics.median(values), min(values), max(values)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--torch-worker":
        path, batch, threads, runs, backward = sys.argv[2:7]
        print(json.dumps(torch_worker(path, int(batch), int(threads), int(runs), backward == "1")))
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="VGG-16 batch 1 only")
    ap.add_argument("--kernels-only", action="store_true",
                    help="only the kernel benchmarks: their section of docs/BENCHMARKS.md is replaced, the rest kept")
    args = ap.parse_args()

    cnnc = os.path.join(ROOT, "bench", ".cnnc")
    subprocess.run(["go", "build", "-o", cnnc, "./cmd/cnnc"], check=True, cwd=ROOT)

    configs = []
    for model in (["vgg16"] if args.quick else ["vgg16", "vgg19"]):
        for batch in ([1] if args.quick else [1, 8]):
            for threads in [1, 2]:
                configs.append((model, batch, threads))

    if args.kernels_only:
        configs = []
    rows, layers = [], None
    for model, batch, threads in configs:
        path = f"models/{model}.cnn"
        # Batch 8 with backward takes long in both engines: fewer runs.
        runs = args.runs if batch == 1 else max(3, args.runs // 2)
        tf, tfb, cf, cfb, cres, round_layers = [], [], [], [], None, []
        for r in range(args.rounds):
            print(f"{model} batch {batch} threads {threads}: round {r + 1}/{args.rounds}", file=sys.stderr)
            f, fb = time_torch(path, batch, threads, runs, True)
            tf.append(f * 1e3)
            tfb.append(fb * 1e3)
            res = time_cnnc(cnnc, path, batch, threads, runs, True)
            cf.append(res["forward_ms"])
            cfb.append(res["forward_backward_ms"])
            cres = res
            round_layers.append(res["layers"])
        rows.append(dict(model=model, batch=batch, threads=threads, path=cres["path"],
                         torch_f=spread(tf), torch_fb=spread(tfb), cnnc_f=spread(cf), cnnc_fb=spread(cfb),
                         ratio_f=spread([c / t for c, t in zip(cf, tf)]),
                         ratio_fb=spread([c / t for c, t in zip(cfb, tfb)]),
                         allocs=cres["allocs_per_run"]))
        if model == "vgg16" and batch == 1 and threads == 1:
            layers = median_layers(round_layers)
        print(json.dumps(rows[-1]), file=sys.stderr)

    kernels = kernel_figures(args.rounds)
    write_report(rows, layers, kernels, args)
    if layers:
        write_plot(layers)


# The conv layers runtime's BenchmarkConv times for the portable kernels, and
# those the interpreter's BenchmarkConv times too (its speed hardly depends
# on the layer).
PORTABLE_LAYERS = ["224x224x64-64", "56x56x64-64", "28x28x256-256", "28x28x512-512", "14x14x512-512"]
INTERP_LAYERS = ["56x56x64-64", "28x28x256-256", "14x14x512-512"]


def go_bench(pkg, pattern, benchtime, tags=None, env=None):
    """One run of go test -bench: {benchmark name: its first custom metric}."""
    cmd = ["go", "test", "-run", "^$", "-bench", pattern, "-benchtime", benchtime]
    if tags:
        cmd += ["-tags", tags]
    out = subprocess.run(cmd + [pkg], check=True, capture_output=True, text=True, cwd=ROOT,
                         env=dict(os.environ, **(env or {}))).stdout
    res = {}
    for line in out.splitlines():
        f = line.split()
        if line.startswith("Benchmark") and len(f) >= 6:
            name = f[0].rsplit("-", 1)[0]  # without the -GOMAXPROCS suffix
            res.setdefault(name, float(f[4]))  # the first of a name (BenchmarkConv has two 56x56x64)
    return res


def kernel_figures(rounds):
    """The kernel benchmarks of the issue's other targets, ROUNDS rounds that
    alternate the engines: the float64 interpreter, the portable kernels with
    gonum's assembly (-tags purego) and without any (-tags purego,noasm), and
    fc1 at batch 1 against a plain streaming read (GOEXPERIMENT=simd)."""
    layers = "|".join(PORTABLE_LAYERS)
    conv = f"Conv/({layers})/(forward|winograd|weightgrad|winogradgrad)$"
    runs = {"interp": [], "purego": [], "noasm": [], "fc": []}
    for r in range(rounds):
        print(f"kernels: round {r + 1}/{rounds}", file=sys.stderr)
        runs["interp"].append(go_bench("./interp", "Conv", "2x"))
        runs["purego"].append(go_bench("./runtime", conv, "10x", tags="purego"))
        runs["noasm"].append(go_bench("./runtime", conv, "10x", tags="purego,noasm"))
        runs["fc"].append(go_bench("./runtime", "^Benchmark(FC|StreamRead)$", "10x", env={"GOEXPERIMENT": "simd"}))
    def med(kind, name):
        return spread([r[name] for r in runs[kind] if name in r])
    out = {"interp": {l: med("interp", f"BenchmarkConv/{l}/forward") for l in INTERP_LAYERS}, "layers": {}}
    for l in PORTABLE_LAYERS:
        out["layers"][l] = {f"{kind}_{op}": med(kind, f"BenchmarkConv/{l}/{op}")
                            for kind in ("purego", "noasm")
                            for op in ("forward", "winograd", "weightgrad", "winogradgrad")}
    out["fc"], out["stream"] = med("fc", "BenchmarkFC"), med("fc", "BenchmarkStreamRead")
    return out


def median_layers(rounds):
    """Each layer's timings as the median over the rounds of each round's median."""
    layers = []
    for i, l in enumerate(rounds[-1]):
        m = dict(l)
        for key, v in l.items():
            if isinstance(v, float):
                m[key] = statistics.median(r[i].get(key, 0.0) for r in rounds)
        layers.append(m)
    return layers


def fmt(s):
    m, lo, hi = s
    return f"{m:.0f} ({lo:.0f}–{hi:.0f})"


def write_report(rows, layers, kernels, args):
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    go = subprocess.run(["go", "version"], capture_output=True, text=True).stdout.strip()
    path = os.path.join(ROOT, "docs", "BENCHMARKS.md")
    if not rows:
        # --kernels-only: keep the report's PyTorch part, replace the rest.
        try:
            with open(path) as f:
                old = f.read()
        except OSError:
            old = ""
        keep = old.split(KERNELS_HEADING)[0].rstrip("\n").split("\n") if old else ["# Benchmarks"]
        lines = keep + [""] + kernel_report(kernels, args)
        with open(path, "w") as f:
            f.write("\n".join(lines))
        return
    lines = [
        "# Benchmarks: cnnc against PyTorch",
        "",
        "Measured by `/usr/bin/python3 bench/compare.py` (the script is in this repository),",
        f"at commit {commit()},",
        f"on {cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()};",
        f"{go}, GOEXPERIMENT=simd; PyTorch {torch.__version__} (Debian's python3-torch, oneDNN), float32.",
        f"Each figure is the median, over {args.rounds} rounds that alternate the two engines, of",
        f"the median of {args.runs} timed passes (fewer at batch 8) after a warm-up; the range",
        "in brackets is the lowest and highest round median. Times in milliseconds.",
        "The ratio is cnnc / PyTorch (below 1: cnnc is faster), taken in each round from the two",
        "engines' adjacent measurements, then the median over rounds (range in brackets): the",
        "machine is shared and its speed drifts by tens of percent over minutes, so ratios",
        "measured side by side are what to compare, not absolute times across runs.",
        "",
        "| model | batch | threads | PyTorch forward | cnnc forward | ratio | PyTorch fwd+bwd | cnnc fwd+bwd | ratio |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    def ratio(s):
        m, lo, hi = s
        return f"**{m:.2f}** ({lo:.2f}–{hi:.2f})"
    for r in rows:
        lines.append(f"| {r['model']} | {r['batch']} | {r['threads']} | {fmt(r['torch_f'])} | {fmt(r['cnnc_f'])} | "
                     f"{ratio(r['ratio_f'])} | {fmt(r['torch_fb'])} | {fmt(r['cnnc_fb'])} | {ratio(r['ratio_fb'])} |")
    allocs = ", ".join(sorted({f"{r['allocs']:.2g}" for r in rows}))
    lines += ["", f"cnnc's kernels: {rows[0]['path']}; allocations per pass: {allocs}.", ""]
    if layers:
        lines += [
            "## VGG-16 layer by layer (cnnc, batch 1, one thread)",
            "",
            f"Each figure is the median over the {args.rounds} rounds of the round's median.",
            f"GFLOP/s count 2 flops a multiply-add; backward does twice the forward's work (once for the",
            f"first layer, whose input gradient is not computed). The",
            f"peak of one core is about {PEAK_GFLOPS:.0f} GFLOP/s (../shared/PERF.md). Picture: `layers.svg`.",
            "The flops are those of the direct convolution, the work the layer stands for: convs",
            "that run as Winograd's F(2×2, 3×3) (every one here but conv1) do 16 multiplications where",
            "the direct sum does 36, so they can show more than 100% of the peak; their % of peak is",
            "the speed of the layer against a direct conv at the peak.",
            "",
            "| layer | forward ms | forward GFLOP/s | % of peak | backward ms | backward GFLOP/s | % of peak |",
            "|---|---|---|---|---|---|---|",
        ]
        for l in layers:
            if not l.get("macs"):
                continue
            fg, bg = l.get("forward_gflops", 0), l.get("backward_gflops", 0)
            lines.append(f"| {l['name']} | {l['forward_ms']:.2f} | {fg:.1f} | {100 * fg / PEAK_GFLOPS:.0f}% | "
                         f"{l.get('backward_ms', 0):.2f} | {bg:.1f} | {100 * bg / PEAK_GFLOPS:.0f}% |")
        lines.append("")
    lines += kernel_report(kernels, args)
    with open(path, "w") as f:
        f.write("\n".join(lines))


def commit():
    """The checked-out commit, marked when the tree has changes."""
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", ".",
                            ":!docs/BENCHMARKS.md", ":!docs/layers.svg"],  # the report itself
                           capture_output=True, text=True, cwd=ROOT).stdout.strip()
    return head + (" with uncommitted changes" if dirty else "")


KERNELS_HEADING = "## The other targets, by the kernel benchmarks"


def kernel_report(k, args):
    """The report's section on the kernel benchmarks."""
    interp = statistics.median(m for m, _, _ in k["interp"].values())
    def g(s):
        m, lo, hi = s
        return f"{m:.1f} ({lo:.1f}–{hi:.1f})"
    def x(s, base):
        return f"**{s[0] / base:.0f}×**"
    lines = [
        KERNELS_HEADING,
        "",
        f"Measured at commit {commit()}: `go test -bench` runs alternated over {args.rounds} rounds;",
        "medians over the rounds, range in",
        "brackets. GFLOP/s of one core, counting the direct convolution's flops (2 a multiply-add)",
        "whatever the algorithm.",
        "",
        "### The portable path against the interpreter",
        "",
        "The float64 reference interpreter (`go test -bench Conv ./interp`): " +
        ", ".join(f"{l} {s[0]:.2f} ({s[1]:.2f}–{s[2]:.2f})" for l, s in k["interp"].items()) +
        f" GFLOP/s; {interp:.2f} in the middle, against which the layers it does not time are set.",
        "",
        "The portable kernels (`go test -tags purego -bench Conv ./runtime`): no assembly of cnnc's;",
        "gonum's `Sgemm`, whose inner loops are SSE assembly on amd64, runs the products. `direct` is",
        "im2col + gonum's `Sgemm`, the issue's baseline; `Winograd` is F(4×4, 3×3), which the",
        "generated code uses for every 3×3 stride-1 conv with 32 or more input channels.",
        "",
    ]
    def table(kind):
        rows = ["| layer | direct forward | Winograd forward | × interpreter | direct weight gradient | Winograd weight gradient | × interpreter |",
                "|---|---|---|---|---|---|---|"]
        for l, f in k["layers"].items():
            base = k["interp"][l][0] if l in k["interp"] else interp
            rows.append(f"| {l} | {g(f[kind + '_forward'])} | {g(f[kind + '_winograd'])} | {x(f[kind + '_winograd'], base)} | "
                        f"{g(f[kind + '_weightgrad'])} | {g(f[kind + '_winogradgrad'])} | {x(f[kind + '_winogradgrad'], base)} |")
        return rows
    lines += table("purego") + [
        "",
        "Without any assembly (`-tags purego,noasm`: gonum's inner loops in Go too, as on platforms",
        "other than amd64), the products run in the runtime's own Go loop (`gemmGo`):",
        "",
    ] + table("noasm")
    fc, st = k["fc"], k["stream"]
    lines += [
        "",
        "### fc at batch 1 against the memory's bandwidth",
        "",
        f"VGG's fc1 (25088 → 4096, 411 MB of weights), `BenchmarkFC` with GOEXPERIMENT=simd: {g(fc)} GB/s",
        f"read; a plain streaming read of as many bytes (`BenchmarkStreamRead`): {g(st)} GB/s;",
        f"**{100 * fc[0] / st[0]:.0f}%**.",
        "",
    ]
    return lines


def write_plot(layers):
    """A bar chart of forward and backward GFLOP/s per layer, with the peak."""
    ls = [l for l in layers if l.get("macs")]
    w, h, left, top, bottom = 900, 420, 60, 40, 110
    bw = (w - left - 20) / len(ls)
    # Winograd layers can pass the peak (their flops are the direct conv's).
    ymax = max([PEAK_GFLOPS] + [l.get(k, 0) for l in ls for k in ("forward_gflops", "backward_gflops")]) * 1.1
    step = 20 if ymax < 160 else 40
    def y(v):
        return top + (h - top - bottom) * (1 - v / ymax)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="11">',
           f'<rect width="{w}" height="{h}" fill="white"/>',
           f'<text x="{w / 2}" y="20" text-anchor="middle" font-size="14">VGG-16, one core: GFLOP/s of each layer, counting the direct conv’s flops (cnnc, AVX-512)</text>']
    for g in range(0, int(ymax) + 1, step):
        out.append(f'<line x1="{left}" x2="{w - 20}" y1="{y(g):.1f}" y2="{y(g):.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{left - 6}" y="{y(g) + 4:.1f}" text-anchor="end">{g}</text>')
    out.append(f'<line x1="{left}" x2="{w - 20}" y1="{y(PEAK_GFLOPS):.1f}" y2="{y(PEAK_GFLOPS):.1f}" stroke="#c00" stroke-dasharray="4 3"/>')
    out.append(f'<text x="{w - 22}" y="{y(PEAK_GFLOPS) - 4:.1f}" text-anchor="end" fill="#c00">peak ≈ {PEAK_GFLOPS:.0f}</text>')
    for i, l in enumerate(ls):
        x0 = left + i * bw
        for j, (key, colour) in enumerate((("forward_gflops", "#3b6ea8"), ("backward_gflops", "#e39b2d"))):
            v = l.get(key, 0)
            out.append(f'<rect x="{x0 + 3 + j * (bw - 6) / 2:.1f}" y="{y(v):.1f}" width="{(bw - 6) / 2:.1f}" '
                       f'height="{y(0) - y(v):.1f}" fill="{colour}"/>')
        out.append(f'<text transform="translate({x0 + bw / 2:.1f},{y(0) + 8:.1f}) rotate(60)">{l["name"]}</text>')
    out.append(f'<rect x="{left + 10}" y="{top}" width="10" height="10" fill="#3b6ea8"/><text x="{left + 24}" y="{top + 9}">forward</text>')
    out.append(f'<rect x="{left + 80}" y="{top}" width="10" height="10" fill="#e39b2d"/><text x="{left + 94}" y="{top + 9}">backward</text>')
    out.append('</svg>')
    with open(os.path.join(ROOT, "docs", "layers.svg"), "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()

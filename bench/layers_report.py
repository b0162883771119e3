"""The report's per-layer section (compare.py --layers) and its pictures,
docs/layers-MODEL-bBATCH.svg: each layer's percent of its peak, with its
target."""

import os

from contenders import ROOT
from layers import KINDS, peaks, rows, summary

COLOURS = {"conv3x3": "#3b6ea8", "conv1x1": "#2e9e6a", "depthwise": "#8c5fb8", "conv": "#e39b2d",
           "fc1": "#c0504d", "fc8": "#c0504d", "fc": "#c0504d", "fused": "#7f7f7f"}


def _cfg_name(names, cfg):
    return f"{names[cfg['model']]}, batch {cfg['batch']}"


def _svg_name(cfg):
    return f"layers-{cfg['model']}-b{cfg['batch']}.svg"


def _pct(p):
    return f"{p[0]:.0f}% ({p[1]:.0f}–{p[2]:.0f})" if p else ""


def target_text(kind):
    label, peak, t = KINDS[kind]
    if t is None:
        return "–"
    return f"≥ {100 * t:.0f}% of the {'FMA peak' if peak == 'fma' else 'read'}"


def section(lr, names):
    """The report's lines for results["layer_runs"]; names maps a model to
    its display name."""
    pk = peaks(lr["peak"], lr.get("path", ""))
    la = lr.get("loadavg", [0, 0])
    out = ["", "## Layer by layer against the peak (cnnc forward, one thread)", "",
           f"Measured by `/usr/bin/python3 bench/compare.py --layers` on {lr['started']}, at commit {lr['commit']},",
           f"in {lr.get('minutes', 0):.0f} minutes (load average {la[0]:.1f} at the start, {la[1]:.1f} at the end),"
           f" kernel path {lr.get('path', '–')}. Each time is the median over {lr['rounds']} rounds (lowest–highest round) of",
           f"the layer's median in `cnnc bench --threads 1 --runs {lr['runs']} --format json`: at batch 1 one",
           "sample's profile; at a larger batch the layer's time in the whole batch's forward pass as it runs",
           "(fc layers grouped over the samples). The peaks, measured in the same run (`go run ./bench/peak",
           f"-threads 1`): FMA **{pk['fma']:.0f} GFLOP/s** (the {pk['loop']} loop), streaming read **{pk['read']:.1f} GB/s**.", "",
           "Targets (issue 17): 3x3 convs ≥ 75% of the FMA peak; 1x1 convs and fc at batch ≥ 8 ≥ 70% of it;",
           "depthwise convs ≥ 70% of the streaming read; fc at batch 1 ≥ 80% of it. GFLOP/s count 2 flops a",
           "multiply-add of the direct convolution; GB/s the bytes a layer must move: its samples' inputs and",
           "outputs and its parameters; a layer whose data are still in the caches from the layer before",
           "(small maps at batch 1) can pass 100% of the streaming read. Other convs (AlexNet's 11x11 and",
           "5x5, ResNet's 7x7 stem) have no target of their own: they are shown against the FMA peak.", "",
           "**Winograd**: a 3x3 conv marked *Winograd* runs as Winograd's minimal filtering, which does 2.25×",
           "(F(2×2, 3×3)) or more fewer multiplications than the direct convolution its GFLOP/s count: its",
           "percentage can pass 100%, and says how fast the layer is against a direct conv at the peak, not",
           "how busy the FMA units are.", "",
           "### Summary by kind", "",
           "| kind | against | target | layers meeting it | their share of the kind's time | the kind's time, ms | aggregate % of peak |",
           "|---|---|---|---|---|---|---|"]
    s = summary(lr["configs"], pk)
    for kind, (label, peak, t) in KINDS.items():
        if kind not in s:
            continue
        k = s[kind]
        against = {"fma": "FMA peak", "read": "streaming read", None: "–"}[peak]
        met = f"{k['met']} of {k['layers']}" if t is not None else "–"
        share = f"{100 * k['ms_met'] / k['ms']:.0f}%" if t is not None and k["ms"] else "–"
        agg = f"{k['pct']:.0f}%" if k["pct"] else "–"
        out.append(f"| {label} | {against} | {target_text(kind)} | {met} | {share} | {k['ms']:.1f} | {agg} |")
    out += ["", "The aggregate divides all the kind's work (flops or bytes) by all its time: the time-weighted",
            "mean of its layers' percentages. Winograd's 3x3 convs count in it with their direct-conv flops."]
    for cfg in lr["configs"]:
        out += ["", f"### {_cfg_name(names, cfg)}", ""]
        if cfg.get("error") and not cfg["rounds"]:
            out.append(f"Not measured: {cfg['error']}.")
            continue
        rs = rows(cfg, pk)
        fwd = sorted(cfg.get("forward_ms", []))
        total = sum(r["ms"][0] for r in rs)
        out += [f"Forward pass {fwd[len(fwd) // 2]:.1f} ms (median of the rounds); its layers add up to {total:.1f} ms."
                f" Picture: `{_svg_name(cfg)}`.", "",
                "| layer | kind | ms | rate | % of peak | target | met |", "|---|---|---|---|---|---|---|"]
        for r in rs:
            kind = KINDS[r["kind"]][0] + (", *Winograd* (direct-conv flops)" if r["winograd"] else "")
            rate = ""
            if r["figure"]:
                rate = f"{r['figure']:.1f} " + ("GFLOP/s" if KINDS[r["kind"]][1] == "fma" else "GB/s")
            met = {True: "yes", False: "**no**", None: ""}[r["met"]]
            ms = r["ms"]
            out.append(f"| {r['name']} | {kind} | {ms[0]:.2f} ({ms[1]:.2f}–{ms[2]:.2f}) | {rate} | {_pct(r['pct'])} | "
                       f"{target_text(r['kind']) if r['target'] is not None else ''} | {met} |")
    return out


def plots(lr, names):
    """Writes docs/layers-MODEL-bBATCH.svg for each configuration measured."""
    pk = peaks(lr["peak"], lr.get("path", ""))
    for cfg in lr["configs"]:
        rs = [r for r in rows(cfg, pk) if r["pct"]]
        if rs:
            with open(os.path.join(ROOT, "docs", _svg_name(cfg)), "w") as f:
                f.write(svg(rs, _cfg_name(names, cfg), pk))


def svg(rs, title, pk):
    """A bar a layer (named by its first node): its percent of its peak,
    coloured by kind, with a tick at its target; Winograd layers hatched."""
    w = max(700, 60 + 16 * len(rs) + 80)
    h, left, top, bottom, right = 460, 50, 80, 150, 80  # right: room for the last labels
    bw = (w - left - right) / len(rs)
    ymax = min(250, max([110] + [r["pct"][0] * 1.05 for r in rs]))

    def y(v):
        return top + (h - top - bottom) * (1 - min(v, ymax) / ymax)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="10">',
           '<defs><pattern id="wino" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
           '<rect width="6" height="6" fill="white" opacity="0.0"/><line x1="0" y1="0" x2="0" y2="6" stroke="white" '
           'stroke-width="2"/></pattern></defs>',
           f'<rect width="{w}" height="{h}" fill="white"/>',
           f'<text x="{w / 2}" y="18" text-anchor="middle" font-size="13">{title}, one thread: each layer\'s % of its peak '
           f'(FMA {pk["fma"]:.0f} GFLOP/s or read {pk["read"]:.1f} GB/s)</text>',
           f'<text x="{w / 2}" y="34" text-anchor="middle">black ticks: the target of the layer\'s kind; hatched: '
           'Winograd (direct-conv flops, can pass 100%)</text>']
    for g in range(0, int(ymax) + 1, 25):
        out.append(f'<line x1="{left}" x2="{w - right}" y1="{y(g):.1f}" y2="{y(g):.1f}" stroke="{"#999" if g == 100 else "#e4e4e4"}"/>')
        out.append(f'<text x="{left - 5}" y="{y(g) + 3:.1f}" text-anchor="end">{g}%</text>')
    for i, r in enumerate(rs):
        x0, v = left + i * bw, r["pct"][0]
        colour = COLOURS.get(r["kind"], "#7f7f7f")
        out.append(f'<rect x="{x0 + 1:.1f}" y="{y(v):.1f}" width="{max(bw - 2, 1):.1f}" height="{y(0) - y(v):.1f}" '
                   f'fill="{colour}"><title>{r["name"]}: {v:.0f}%</title></rect>')
        if r["winograd"]:
            out.append(f'<rect x="{x0 + 1:.1f}" y="{y(v):.1f}" width="{max(bw - 2, 1):.1f}" height="{y(0) - y(v):.1f}" '
                       'fill="url(#wino)"/>')
        if v > ymax:
            out.append(f'<text x="{x0 + bw / 2:.1f}" y="{top - 4}" text-anchor="middle" font-size="8">{v:.0f}</text>')
        if r["target"] is not None:
            ty = y(100 * r["target"])
            out.append(f'<line x1="{x0:.1f}" x2="{x0 + bw:.1f}" y1="{ty:.1f}" y2="{ty:.1f}" stroke="black" stroke-width="2"/>')
        if len(rs) <= 60:
            out.append(f'<text transform="translate({x0 + bw / 2 - 3:.1f},{y(0) + 6:.1f}) rotate(60)" font-size="9">'
                       f'{r["name"].split("+")[0][:24]}</text>')
    kinds = [k for k in KINDS if any(r["kind"] == k for r in rs)]
    for j, k in enumerate(kinds):
        lx = left + 10 + j * 120
        out.append(f'<rect x="{lx}" y="{top - 36}" width="10" height="10" fill="{COLOURS.get(k, "#7f7f7f")}"/>'
                   f'<text x="{lx + 14}" y="{top - 27}">{KINDS[k][0]}</text>')
    out.append('</svg>')
    return "\n".join(out) + "\n"

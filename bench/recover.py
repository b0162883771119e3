"""Rebuilds bench/results.json from docs/BENCHMARKS.md, for when the raw
figures of the run that wrote the report are gone: `compare.py --append`
then adds to them, and the report keeps the rows it did not measure again.

Usage: /usr/bin/python3 bench/recover.py   (from anywhere)
"""

import json
import os
import re

from contenders import HERE, ROOT
from layers import KINDS
from report import NAMES, NOTES

NUM = r"([0-9.]+) \(([0-9.]+)–([0-9.]+)\)"


def spread(cell):
    """[median, low, high] from "1.34 (1.31–5.58)" or "**4.79** (2.59–5.73)"."""
    m = re.fullmatch(NUM, cell.replace("**", "").strip())
    return [float(v) for v in m.groups()] if m else None


def table(lines, heading):
    """The cells of each row of the table under the heading line."""
    try:
        i = lines.index(heading)
    except ValueError:
        return []
    rows = []
    for line in lines[i + 1:]:
        if line.startswith("#"):
            break
        if line.startswith("|") and not line.startswith("|---"):
            rows.append([c.strip() for c in line.strip().strip("|").split("|")])
    return rows[1:]  # without the header


def recover(text):
    head, _, _ = text.partition(NOTES)
    lines = head.splitlines()
    res = {"rows": [], "log": [], "train": False, "versions": {}, "machine": {}}
    top = " ".join(lines[:6])
    m = re.search(r"on\s+(\S+ \S+ UTC), at commit (\w+)(.*?), in (\d+) minutes", top)
    res["started"], main_commit, marks, res["minutes"] = m.group(1), m.group(2), m.group(3), float(m.group(4))
    commits = {mark: c for mark, c in re.findall(r"marked (‡+): at commit (\w+)", marks)}
    mach = res["machine"]
    for line in lines:
        if m := re.match(r"- CPU: (.*) \(family (\d+), model (\d+)\), (\d+) cores, ([^;]+); (.*)", line):
            mach.update({"model name": m[1], "cpu family": m[2], "model": m[3], "cores": int(m[4]), "vector": m[5], "os": m[6]})
        elif m := re.match(r"- (go version [^;]+);", line):
            mach["go"] = m[1]
        elif m := re.match(r"- ONNX Runtime (\S+) .*node (\S+)", line):
            ort_v, mach["node"] = m[1], m[2]
        elif m := re.match(r"- PyTorch (\S+)", line):
            res["versions"]["torch"] = m[1]
        elif m := re.match(r"- load average ([0-9.]+) at the start, ([0-9.]+) at the end", line):
            res["loadavg_start"], res["loadavg_end"] = [float(m[1])] * 3, [float(m[2])] * 3
        elif m := re.match(r"Each figure is the median over (\d+) rounds", line):
            res["rounds"] = int(m[1])
        elif m := re.match(r"of ([0-9–]+) timed passes", line):
            res["runs"] = m[1]
    mach["commit"] = main_commit
    by_name = {v: k for k, v in NAMES.items()}
    rows = {}
    for c in table(lines, "## Forward"):
        name = c[0].rstrip("‡")
        mark = c[0][len(name):]
        r = {"model": by_name[name], "batch": int(c[1]), "threads": int(c[2]), "commit": commits.get(mark, main_commit),
             "ort": spread(c[3]), "torch_f": spread(c[4]), "cnnc_f": spread(c[5]), "r_ort": spread(c[6]),
             "r_torch_f": spread(c[7]), "ort_version": ort_v, "path": re.search(r"kernel path: (\S+)", head)[1].strip(",")}
        rows[(r["model"], r["batch"], r["threads"])] = r
        res["rows"].append(r)
    for c in table(lines, "## Training step"):
        res["train"] = True
        r = rows[(by_name[c[0].rstrip("‡")], int(c[1]), int(c[2]))]
        r.update(torch_t=spread(c[3]), cnnc_t=spread(c[4]), r_torch_t=spread(c[5]))
    for c in table(lines, "## Training throughput"):
        name = c[0].rstrip("‡")
        r = {"file": name.strip("`"), "batch": int(c[1]), "threads": int(c[2]), "optim": c[3],
             "commit": commits.get(c[0][len(name):], main_commit), "torch": spread(c[4]), "cnnc": spread(c[5]),
             "ratio": spread(c[6]), "ratio_cpu": spread(c[7]) if len(c) > 7 else None}
        res.setdefault("throughput", []).append(r)
    if m := re.search(r"Load average ([0-9.]+) at the start, ([0-9.]+) at the end", head):
        res["throughput_load"] = [float(m[1]), float(m[2])]
    layers = []
    for c in table(lines, next((l for l in lines if l.startswith("## VGG-16 layer by layer")), "")):
        layer = {"name": c[0], "forward_ms": float(c[1]), "backward_ms": float(c[4]), "macs": 0}
        if c[2]:
            layer.update(macs=1, forward_gflops=float(c[2]), backward_gflops=float(c[5]),
                         forward_pct=float(c[3].rstrip("%")), backward_pct=float(c[6].rstrip("%")))
        layers.append(layer)
    if layers:
        row = next(r for r in res["rows"] if (r["model"], r["batch"], r["threads"]) == ("vgg16", 1, 1))
        row.update(layers=layers, layers_recovered=True)
    peak = table(lines, "## The machine's peak (`go run ./bench/peak`)")
    if peak:
        res["peak"] = {"fma_gflops": {}, "read_gbs": {}}
        for c in peak:
            fig = {t: dict(zip(("median", "min", "max"), spread(v))) for t, v in (("1", c[1]), ("2", c[2]))}
            if m := re.match(r"FMA (\w+),", c[0]):
                res["peak"]["fma_gflops"][m[1]] = fig
            elif m := re.match(r"streaming read of (\d+) MiB", c[0]):
                res["peak"]["read_gbs"], res["peak"]["read_mib"] = fig, int(m[1])
    if lr := recover_layers(lines):
        res["layer_runs"] = lr
    return res


LAYERS = "## Layer by layer against the peak (cnnc forward, one thread)"


def recover_layers(lines):
    """results["layer_runs"] from the per-layer section (layers_report):
    each configuration's rows as the report printed them (rounded)."""
    if LAYERS not in lines:
        return None
    i = lines.index(LAYERS)
    end = next((j for j in range(i + 1, len(lines)) if lines[j].startswith("## ")), len(lines))
    sec = lines[i:end]
    top = " ".join(sec[:12])
    m = re.search(r"on (\S+ \S+ UTC), at commit (\w+), in (\d+) minutes \(load average ([0-9.]+) at the start, "
                  r"([0-9.]+) at the end\), kernel path (\S+)\. Each time is the median over (\d+) rounds", top)
    pk = re.search(r"FMA \*\*([0-9.]+) GFLOP/s\*\* \(the (\w+) loop\), streaming read \*\*([0-9.]+) GB/s\*\*", top)
    runs = re.search(r"--runs (\d+)", top)
    if not (m and pk):
        return None
    lr = {"started": m[1], "commit": m[2], "minutes": float(m[3]), "loadavg": [float(m[4]), float(m[5])],
          "path": m[6], "rounds": int(m[7]), "runs": int(runs[1]) if runs else 0, "recovered": True, "configs": [],
          "peak": {"fma_gflops": {pk[2]: {"1": {"median": float(pk[1])}}}, "read_gbs": {"1": {"median": float(pk[3])}}}}
    by_name = {v: k for k, v in NAMES.items()}
    by_label = {v[0]: k for k, v in KINDS.items()}
    for j, line in enumerate(sec):
        c = re.fullmatch(r"### (.+), batch (\d+)", line)
        if not c or c[1] not in by_name:
            continue
        cfg = {"model": by_name[c[1]], "batch": int(c[2]), "threads": 1, "rounds": [], "recovered_rows": []}
        if f := re.search(r"Forward pass ([0-9.]+) ms", " ".join(sec[j + 1:j + 3])):
            cfg["forward_ms"] = [float(f[1])]
        for cells in table(sec[j:], line):
            kind = by_label[max((lb for lb in by_label if cells[1].startswith(lb)), key=len)]
            rate = re.match(r"([0-9.]+) ", cells[3])
            cfg["recovered_rows"].append({
                "name": cells[0], "kind": kind, "winograd": "Winograd" in cells[1], "ms": spread(cells[2]),
                "figure": float(rate[1]) if rate else None, "pct": spread(cells[4].replace("%", "")),
                "target": KINDS[kind][2], "met": {"yes": True, "**no**": False}.get(cells[6])})
        lr["configs"].append(cfg)
    return lr


if __name__ == "__main__":
    with open(os.path.join(ROOT, "docs", "BENCHMARKS.md")) as f:
        res = recover(f.read())
    with open(os.path.join(HERE, "results.json"), "w") as f:
        json.dump(res, f, indent=1)
    print(f"bench/results.json: {len(res['rows'])} rows recovered from docs/BENCHMARKS.md")

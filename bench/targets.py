"""The report's "Where the targets stand" section, generated from
results.json: each of issue 17's targets met or not, configuration by
configuration, and the per-layer targets by kind."""

from layers import KINDS, peaks, summary
from layers_report import target_text

# (key of the ratio in a row, what it is, the target, the aim or None)
RATIOS = [("r_ort", "forward / ONNX Runtime", 1.0, 0.8),
          ("r_torch_f", "forward / PyTorch", 0.6, None),
          ("r_torch_t", "training step / PyTorch", 0.6, None)]


def verdict(s, target):
    """True (met: the median ratio at most the target), False, or None
    when the ratio was not measured."""
    return None if not s else s[0] <= target


def cell(s, target):
    """A table cell: the median ratio and ✓ or ✗; a median that meets the
    target while some round did not says so."""
    v = verdict(s, target)
    if v is None:
        return "–"
    m, lo, hi = s
    if not v:
        return f"{m:.2f} ✗"
    return f"{m:.2f} ✓" + (f" (not every round: up to {hi:.2f})" if hi > target else "")


def section(res, names, name):
    """The section's lines; name(row) is a row's model name with its
    commit marks."""
    rows = sorted(res["rows"], key=lambda r: (list(names).index(r["model"]), r["batch"], r["threads"]))
    ratios = [x for x in RATIOS if res.get("train") or x[0] != "r_torch_t"]  # --no-train: no training target
    out = ["", "## Where the targets stand (generated from the figures above)", "",
           "Issue 17's targets, by the median of the within-round ratios (✓ met, ✗ not met, – not measured);",
           "a ✓ whose spread passes the target says so. The forward aim is 0.8× ONNX Runtime.", "",
           "| target | met | not met | not measured | met by the 0.8 aim |", "|---|---|---|---|---|"]
    for key, what, target, aim in ratios:
        vs = [verdict(r.get(key), target) for r in rows]
        aimed = sum(1 for r in rows if aim and verdict(r.get(key), aim)) if aim else None
        out.append(f"| {what} ≤ {target} | {vs.count(True)} of {len(vs)} | {vs.count(False)} | {vs.count(None)} | "
                   f"{aimed if aim else '–'} |")
    out += ["", "| model | batch | threads | " + " | ".join(f"{w} ≤ {t}" for _, w, t, _ in ratios) + " |",
            "|---|---|---|" + "---|" * len(ratios)]
    for r in rows:
        out.append(f"| {name(r)} | {r['batch']} | {r['threads']} | " +
                   " | ".join(cell(r.get(k), t) for k, _, t, _ in ratios) + " |")
    lr = res.get("layer_runs")
    if lr and lr.get("configs"):
        pk = peaks(lr["peak"], lr.get("path", ""))
        s = summary(lr["configs"], pk)
        out += ["", "Per layer, one thread (see the per-layer section):", "",
                "| kind | target | layers meeting it | their share of the kind's time |", "|---|---|---|---|"]
        for kind, (label, _, t) in KINDS.items():
            if t is None or kind not in s:
                continue
            k = s[kind]
            out.append(f"| {label} | {target_text(kind)} | {k['met']} of {k['layers']} | "
                       f"{100 * k['ms_met'] / k['ms']:.0f}% |" if k["ms"] else f"| {label} | {target_text(kind)} | "
                       f"{k['met']} of {k['layers']} | – |")
    return out

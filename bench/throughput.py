"""Training throughput (images a second) of cnnc and PyTorch on one
network, for bench/compare.py --throughput: both take the same steps (the
same batch, threads and optimiser, the model's loss on random labels, no
data loading or augmentation), in interleaved rounds.
"""

import os
import statistics
import sys

import contenders as ct


def spread(values):
    return [statistics.median(values), min(values), max(values)] if values else None


def measure(path, batch, threads, optim, args, log):
    """One configuration over args.rounds rounds: its row of the report."""
    runs = args.runs
    got = {"torch": [], "cnnc": [], "ratio": []}
    row = {"file": os.path.relpath(path, ct.ROOT), "batch": batch, "threads": threads, "optim": optim,
           "runs": runs, "commit": args.commit}

    def torch():
        t = ct.time_torch_steps(path, batch, threads, runs, optim)
        return t and batch / t["train_ms"] * 1e3

    def cnnc():
        c = ct.time_cnnc(args.cnnc, path, batch, threads, runs, True, kernels=args.kernels, optim=optim)
        if c and "unsupported" in c:
            return None
        return c and c.get("images_per_s")
    order = [("torch", torch), ("cnnc", cnnc)]
    for r in range(args.rounds):
        print(f"{row['file']} batch {batch} threads {threads} {optim}: round {r + 1}/{args.rounds}", file=sys.stderr)
        res = {name: f() for name, f in order[r % 2:] + order[:r % 2]}
        for k in ("torch", "cnnc"):
            if res[k]:
                got[k].append(res[k])
        if res["torch"] and res["cnnc"]:
            got["ratio"].append(res["cnnc"] / res["torch"])
        log.append({"file": row["file"], "batch": batch, "threads": threads, "optim": optim, "round": r,
                    "loadavg": os.getloadavg()[0], **res})
    for k, v in got.items():
        row[k] = spread(v)
    return row


def section(rows, fmt, ratio, mark, load):
    """The report's lines for the throughput rows; mark(row) marks a row
    measured at another commit than the report's; load is the load average
    at the start and end of their run."""
    if not rows:
        return []
    out = ["", "## Training throughput", "",
           "Images a second, training: zeroed gradients, forward in training mode, the loss (cross-entropy on",
           "the logits), backward and an optimiser step (SGD: rate 0.01, momentum 0.9; Adam: rate 0.001,",
           "PyTorch's betas), on one batch of random images and labels: no data loading nor augmentation for",
           "either (`cnnc bench --train --optim M`; PyTorch's loop in bench/contenders.py). A ratio above 1:",
           "cnnc is faster." + (f" Load average {load[0]:.1f} at the start, {load[1]:.1f} at the end." if load else ""), "",
           "| network | batch | threads | optimiser | PyTorch | cnnc | cnnc / PyTorch |", "|---|---|---|---|---|---|---|"]
    for r in sorted(rows, key=lambda r: (r["file"], r["batch"], r["optim"], r["threads"])):
        out.append(f"| `{r['file']}`{mark(r)} | {r['batch']} | {r['threads']} | {r['optim']} | {fmt(r.get('torch'), 0)} | "
                   f"{fmt(r.get('cnnc'), 0)} | {ratio(r.get('ratio'))} |")
    return out

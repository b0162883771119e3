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
    got = {"torch": [], "cnnc": [], "ratio": [], "torch_cpu": [], "cnnc_cpu": [], "ratio_cpu": []}
    row = {"file": os.path.relpath(path, ct.ROOT), "batch": batch, "threads": threads, "optim": optim,
           "runs": runs, "commit": args.commit}

    def torch():
        t = ct.time_torch_steps(path, batch, threads, runs, optim)
        return t and (batch / t["train_ms"] * 1e3, batch / t["train_cpu_ms"] * 1e3)

    def cnnc():
        c = ct.time_cnnc(args.cnnc, path, batch, threads, runs, True, kernels=args.kernels, optim=optim)
        if not c or "unsupported" in c:
            return None
        return c.get("images_per_s"), c.get("images_per_cpu_s")
    order = [("torch", torch), ("cnnc", cnnc)]
    for r in range(args.rounds):
        print(f"{row['file']} batch {batch} threads {threads} {optim}: round {r + 1}/{args.rounds}", file=sys.stderr)
        res = {name: f() or (None, None) for name, f in order[r % 2:] + order[:r % 2]}
        for k in ("torch", "cnnc"):
            for v, key in zip(res[k], (k, k + "_cpu")):
                if v:
                    got[key].append(v)
        for i, key in enumerate(("ratio", "ratio_cpu")):
            if res["torch"][i] and res["cnnc"][i]:
                got[key].append(res["cnnc"][i] / res["torch"][i])
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
           "cnnc is faster." + (f" Load average {load[0]:.1f} at the start, {load[1]:.1f} at the end." if load else ""),
           "The last column divides images a CPU-second (each process's CPU time over the step, all its",
           "threads), which other programs on the shared cores disturb less than the wall time: on one",
           "thread it is the fairer ratio here; on two it also counts what a thread spends waiting.", "",
           "| network | batch | threads | optimiser | PyTorch | cnnc | cnnc / PyTorch | by CPU time |",
           "|---|---|---|---|---|---|---|---|"]
    for r in sorted(rows, key=lambda r: (r["file"], r["batch"], r["optim"], r["threads"])):
        out.append(f"| `{r['file']}`{mark(r)} | {r['batch']} | {r['threads']} | {r['optim']} | {fmt(r.get('torch'), 0)} | "
                   f"{fmt(r.get('cnnc'), 0)} | {ratio(r.get('ratio'))} | {ratio(r.get('ratio_cpu'))} |")
    return out

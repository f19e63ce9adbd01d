"""Benchmark of the optimal expert assignment against OR-Tools' min-cost flow on the full candidate graph.

    python bench/assign.py                       # 10,000 × 4,000, k=3: ours, reference, fairness
    python bench/assign.py --size national       # 300,000 × 100,000, k=5 (reference: long, ~10+ GB)
    python bench/assign.py --size national --no-reference

Every measurement runs in its own subprocess (``--worker``) so that peak memory (``ru_maxrss``) is that
run's alone; the instance comes from ``bench/generate.py`` (cached under ``bench/out/cache`` and
memory-mapped, so the generation time is not measured). Wall and CPU seconds are both printed: on a
shared machine the wall time includes waiting for a core. Results are appended to
``bench/out/results.jsonl``.

"ours" is ``solve_optimal`` (auction with a proven bound, polished to the certified optimum by
min-cost flow up to 3 million pairs); "reference" is one
``SimpleMinCostFlow`` solve over ALL candidate pairs with the same capacity, conflict and
one-per-organisation constraints (``--ref-no-org`` drops the organisation layer if it is too large).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

SIZES = {
    "small": dict(apps=10_000, experts=4_000, k=3),
    "national": dict(apps=300_000, experts=100_000, k=5),
}
TARGETS = {"small": dict(wall=5.0), "national": dict(wall=60.0, rss_gb=8.0, ratio=0.999)}
FAIR_GAIN, FAIR_LOSS = 0.20, 0.003
OUT = ROOT / "bench" / "out"


# ----------------------------------------------------------------------------- workers


def _metrics(inst, res) -> dict:
    need = inst.k_array() > 0
    per = res.per_app[need]
    return {
        "total": float(res.total),
        "min": float(per.min()) if per.size else 0.0,
        "p1": float(np.percentile(per, 1)) if per.size else 0.0,
        "unfilled": int(res.unfilled.sum()),
    }


def _usage() -> dict:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return {"cpu_s": ru.ru_utime + ru.ru_stime, "rss_gb": ru.ru_maxrss / 1024**2}


def worker(kind: str, apps: int, experts: int, k: int, seed: int, ref_org: bool) -> dict:
    from generate import cached

    from techfund.review.engine import Result, check, solve_optimal
    from techfund.review.engine.solver import _Net

    inst = cached(apps, experts, k, seed=seed)
    from techfund.review.engine.auction import warm_up

    # The auction's kernels are compiled once per installation (numba caches them on disk); load them
    # before measuring, and say how long that took.
    t = time.perf_counter()
    warm_up()
    warmup_s = time.perf_counter() - t
    # Touch the memory-mapped arrays so that reading them from disk is not timed.
    for arr in (inst.cand_app, inst.cand_exp, inst.affinity):
        float(np.asarray(arr[::4096], dtype=np.float64).sum())
    before = _usage()
    t = time.perf_counter()
    out: dict = {"kind": kind, "warmup_s": warmup_s}
    if kind == "ours":
        res = solve_optimal(inst)
        keys = ("method", "bids", "bound", "proven_share", "certified", "auction_prepare_s", "auction_s")
        keys += ("polish_start_pairs", "polish_s", "solves", "arcs", "mcf_s")
        out["stats"] = {key: res.stats[key] for key in keys if key in res.stats}
    elif kind == "fair":
        res = solve_optimal(inst, fairness=True)
        out["fairness"] = res.stats["fairness"]
    elif kind == "ref":
        sel = inst.usable().astype(np.int64)
        stats: dict = {}
        if ref_org:
            net = _Net(inst, sel, None, inst.k_array())
        else:
            flat = inst.expert_org.copy()
            flat[:] = -1  # every expert its own organisation: no organisation layer
            from techfund.review.engine import Instance

            plain = Instance(
                n_apps=inst.n_apps,
                n_experts=inst.n_experts,
                cand_app=inst.cand_app,
                cand_exp=inst.cand_exp,
                affinity=inst.affinity,
                expert_org=flat,
                capacity=inst.capacity,
                k=inst.k,
            )
            net = _Net(plain, sel, None, inst.k_array())
        flows = net.solve(stats)
        chosen = sel[flows[: net.n_pairs] > 0]
        res = Result.from_pairs(inst, inst.cand_app[chosen], inst.cand_exp[chosen], inst.affinity[chosen])
        out["stats"] = {"arcs": stats["arcs"], "org_nodes": stats["org_nodes"], "org_layer": ref_org}
    else:
        raise SystemExit(f"unknown worker {kind}")
    out["wall_s"] = time.perf_counter() - t
    after = _usage()
    out["cpu_s"] = after["cpu_s"] - before["cpu_s"]
    out["rss_gb"] = after["rss_gb"]
    out.update(_metrics(inst, res))
    out["violations"] = (
        check(inst, res.app, res.exp) if inst.n_pairs < 5_000_000 or kind != "ref" else "skipped"
    )
    return out


# ----------------------------------------------------------------------------- driver


def _run(kind, size, seed, ref_org, timeout) -> dict:
    s = SIZES[size]
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        kind,
        "--apps",
        str(s["apps"]),
        "--experts",
        str(s["experts"]),
        "--k",
        str(s["k"]),
        "--seed",
        str(seed),
    ]
    if not ref_org:
        cmd.append("--ref-no-org")
    t = time.perf_counter()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"kind": kind, "error": f"timed out after {timeout} s"}
    if p.returncode != 0:
        tail = (p.stderr or p.stdout).strip().splitlines()[-3:]
        return {
            "kind": kind,
            "error": f"exit {p.returncode}: {' | '.join(tail)}",
            "elapsed": time.perf_counter() - t,
        }
    return json.loads(p.stdout.strip().splitlines()[-1])


def _fmt(row) -> str:
    if "error" in row:
        return f"| {row['size']} | {row['kind']} | {row['error']} |"
    return (
        f"| {row['size']} | {row['label']} | {row['wall_s']:.1f} | {row['cpu_s']:.1f} | {row['rss_gb']:.2f} "
        f"| {row['total']:.1f} | {row['min']:.3f} | {row['p1']:.3f} | {row['unfilled']} | {row.get('ratio', '')} |"
    )


def main(argv=None):
    ap = argparse.ArgumentParser(description="expert assignment benchmark")
    ap.add_argument("--size", choices=["small", "national", "all"], default="small")
    ap.add_argument("--no-reference", action="store_true")
    ap.add_argument("--no-fairness", action="store_true")
    ap.add_argument("--ref-no-org", action="store_true", help="reference without the organisation layer")
    ap.add_argument("--seed", type=int, default=20240501)
    ap.add_argument("--timeout", type=int, default=7200)
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--apps", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--experts", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--k", type=int, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.worker:
        print(json.dumps(worker(a.worker, a.apps, a.experts, a.k, a.seed, not a.ref_no_org), default=str))
        return 0

    from generate import cached, summary

    OUT.mkdir(parents=True, exist_ok=True)
    sizes = ["small", "national"] if a.size == "all" else [a.size]
    load = os.getloadavg()
    print(f"machine: {os.cpu_count()} cores, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    rows, verdicts = [], []
    for size in sizes:
        s = SIZES[size]
        t = time.perf_counter()
        inst = cached(s["apps"], s["experts"], s["k"], seed=a.seed)
        print(f"[{size}] {summary(inst)} (instance ready in {time.perf_counter() - t:.1f} s)", flush=True)
        del inst
        ours = _run("ours", size, a.seed, True, a.timeout)
        ours.update(size=size, label="ours: solve_optimal")
        rows.append(ours)
        print(_fmt(ours), flush=True)
        if "stats" in ours:
            st = ours["stats"]
            line = f"  method {st.get('method')}, JIT load {ours.get('warmup_s', 0):.1f} s"
            if "bids" in st:
                line += (
                    f"; auction: prepare {st['auction_prepare_s']:.1f} s, {st['bids']:,} bids in "
                    f"{st['auction_s']:.1f} s, dual bound {st['bound']:.2f} -> proven >= "
                    f"{st['proven_share']:.6%} of the optimum"
                )
            if "polish_s" in st:
                line += f"; polish {st['polish_s']:.1f} s ({st['solves']} flow solves), certified {st['certified']}"
            print(line, flush=True)
        ref = None
        if not a.no_reference:
            ref = _run("ref", size, a.seed, not a.ref_no_org, a.timeout)
            org = "with" if not a.ref_no_org else "WITHOUT"
            ref.update(size=size, label=f"reference: full-graph MCF {org} org layer")
            rows.append(ref)
            print(_fmt(ref), flush=True)
            if "error" not in ref and "error" not in ours:
                ours["ratio"] = f"{ours['total'] / ref['total']:.6f}"
                print(f"  ours/reference total: {ours['ratio']}", flush=True)
        tg = TARGETS[size]
        if "error" in ours:
            verdicts.append((size, "run", "MISS", ours["error"]))
            continue
        ok = ours["wall_s"] < tg["wall"]
        verdicts.append(
            (
                size,
                f"wall < {tg['wall']:.0f} s",
                "PASS" if ok else "MISS",
                f"{ours['wall_s']:.1f} s wall, {ours['cpu_s']:.1f} s CPU",
            )
        )
        if "rss_gb" in tg:
            ok = ours["rss_gb"] < tg["rss_gb"]
            verdicts.append(
                (
                    size,
                    f"peak memory < {tg['rss_gb']:.0f} GB",
                    "PASS" if ok else "MISS",
                    f"{ours['rss_gb']:.2f} GB",
                )
            )
        if "ratio" in tg:
            if ref is not None and "error" not in ref:
                r = ours["total"] / ref["total"]
                verdicts.append(
                    (
                        size,
                        f"total >= {tg['ratio']:.1%} of reference",
                        "PASS" if r >= tg["ratio"] else "MISS",
                        f"{r:.4%}",
                    )
                )
            else:
                verdicts.append(
                    (size, f"total >= {tg['ratio']:.1%} of reference", "n/a", "reference not run")
                )
            share = ours.get("stats", {}).get("proven_share")
            if share is not None:
                # Without the reference: the auction's dual bound is above the optimum, so total/bound is
                # a proven lower bound on total/optimum.
                verdicts.append(
                    (
                        size,
                        f"total >= {tg['ratio']:.1%} of the optimum, proven by the dual bound",
                        "PASS" if share >= tg["ratio"] else "MISS",
                        f">= {share:.6%}",
                    )
                )
    if not a.no_fairness:
        fair = _run("fair", "small", a.seed, True, a.timeout)
        if "error" in fair:
            verdicts.append(("small", "fairness", "MISS", fair["error"]))
        else:
            f = fair["fairness"]
            gain = f["min"] / f["plain_min"] - 1.0
            loss = 1.0 - f["total"] / f["plain_total"]
            fair.update(size="small", label="ours: solve_optimal(fairness=True)")
            rows.append(fair)
            print(_fmt(fair), flush=True)
            print(
                f"  weakest application: {f['plain_min']:.3f} -> {f['min']:.3f} ({gain:+.1%}); "
                f"total {f['plain_total']:.1f} -> {f['total']:.1f} (-{loss:.3%}); "
                f"{f['rounds']} reweighting rounds, {fair['wall_s']:.1f} s",
                flush=True,
            )
            ok = gain >= FAIR_GAIN and loss <= FAIR_LOSS
            verdicts.append(
                (
                    "small",
                    f"fairness: weakest +{FAIR_GAIN:.0%} for <= {FAIR_LOSS:.1%} of total",
                    "PASS" if ok else "MISS",
                    f"{gain:+.1%} for -{loss:.3%}",
                )
            )
    print()
    print(
        "| size | solver | wall s | CPU s | peak GB | total affinity | min per app | 1st pct | unfilled | ours/ref |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        print(_fmt(row))
    print()
    for size, what, verdict, detail in verdicts:
        print(f"{verdict:4}  [{size}] {what}: {detail}")
    with open(OUT / "results.jsonl", "a") as fh:
        fh.write(
            json.dumps({"time": time.time(), "load": load, "rows": rows, "verdicts": verdicts}, default=str)
        )
        fh.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

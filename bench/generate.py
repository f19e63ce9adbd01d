"""Synthetic national-scale review instances for the assignment benchmark.

A round has ``n_apps`` applications and ``n_experts`` experts. Experts and applications fall into topic
clusters (subject codes, ~200 experts each); cluster popularity among applications is skewed (log-normal),
so hot subjects have more demand than their own experts can take and must borrow from neighbouring
subjects. Each application gets ~``n_cand`` candidate experts, mostly from its own cluster and the rest
from the three clusters on either side; affinity falls with the distance between the application's and
the expert's sub-topic within the cluster and with the cluster distance, plus noise, clipped to [0, 1].
Experts belong to organisations of very different size (a few universities with hundreds of experts,
many institutes with a handful), and half of each cluster's experts come from a few local organisations,
so one application often has several candidates of one organisation (the one-per-organisation rule
binds). ~1.5% of the candidate pairs are conflicts of interest and are removed. Capacities vary around
``ceil(1.3 * k * n_apps / n_experts)``.

Everything is drawn from ``numpy.random.Generator(PCG64(seed))`` in a fixed order: the same arguments
give the same instance. Arrays are int32/float32 and candidates are built in chunks of applications, so
the national size (300,000 × 100,000, ~60 million pairs) needs ~1 GB besides the result.

    python bench/generate.py --apps 10000 --experts 4000 --k 3     # prints a summary
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from techfund.review.engine import Instance  # noqa: E402

CACHE = ROOT / "bench" / "out" / "cache"


def generate(
    n_apps: int,
    n_experts: int,
    k: int,
    *,
    n_cand: int = 200,
    conflict_rate: float = 0.015,
    seed: int = 20240501,
    cluster_size: int = 200,
    chunk: int = 20_000,
) -> Instance:
    rng = np.random.Generator(np.random.PCG64(seed))
    n_clusters = max(1, n_experts // cluster_size)

    # Subjects (clusters): popularity among applications is skewed; the expert pool was recruited where
    # the demand is, but not exactly (supply/demand varies by a log-normal factor), so some subjects are
    # short of experts and must borrow from neighbouring subjects.
    pop = rng.lognormal(0.0, 0.6, n_clusters)
    supply = pop * rng.lognormal(0.0, 0.35, n_clusters)
    exp_cluster = rng.choice(n_clusters, size=n_experts, p=supply / supply.sum()).astype(np.int32)
    app_cluster = rng.choice(n_clusters, size=n_apps, p=pop / pop.sum()).astype(np.int32)
    app_pos = rng.random(n_apps, dtype=np.float32)

    # Experts: position inside the cluster's topic circle, quality, organisation, capacity.
    exp_pos = rng.random(n_experts, dtype=np.float32)
    exp_quality = rng.normal(0.0, 0.04, n_experts).astype(np.float32)
    # Global organisations of Zipf-like size plus a few local organisations per cluster.
    n_global = max(1, n_experts // 40)
    weights = 1.0 / np.arange(1, n_global + 1) ** 0.9
    weights /= weights.sum()
    global_org = rng.choice(n_global, size=n_experts, p=weights).astype(np.int32)
    local_per_cluster = 6
    local_org = (
        n_global + exp_cluster * local_per_cluster + rng.integers(0, local_per_cluster, n_experts)
    ).astype(np.int32)
    expert_org = np.where(rng.random(n_experts) < 0.5, local_org, global_org).astype(np.int32)
    expert_org[rng.random(n_experts) < 0.01] = -1
    base = int(np.ceil(1.3 * k * n_apps / n_experts))
    capacity = rng.integers(max(1, base - base // 2), base + base // 2 + 1, n_experts).astype(np.int32)

    # Expert pools per cluster.
    pool = np.argsort(exp_cluster, kind="stable").astype(np.int32)
    start = np.zeros(n_clusters + 1, dtype=np.int64)
    np.cumsum(np.bincount(exp_cluster, minlength=n_clusters), out=start[1:])
    size = np.diff(start)

    n_own = int(round(0.75 * n_cand))
    n_near = n_cand - n_own
    draw_own, draw_near = int(n_own * 1.6), int(n_near * 1.1)
    apps_out, exps_out, affs_out = [], [], []
    for lo in range(0, n_apps, chunk):
        hi = min(n_apps, lo + chunk)
        m = hi - lo
        ac = app_cluster[lo:hi].astype(np.int64)
        # Own cluster (with replacement; duplicates removed below).
        own_c = np.repeat(ac, draw_own)
        # Neighbouring clusters: offsets ±1..±3.
        offs = rng.integers(1, 4, m * draw_near) * rng.choice(np.array([-1, 1]), m * draw_near)
        near_c = (np.repeat(ac, draw_near) + offs) % n_clusters
        clus = np.concatenate([own_c.reshape(m, draw_own), near_c.reshape(m, draw_near)], axis=1).reshape(-1)
        csize = size[clus]
        ok = csize > 0
        pick = (rng.random(clus.size) * np.maximum(csize, 1)).astype(np.int64)
        exp = pool[np.minimum(start[clus] + pick, len(pool) - 1)]
        app = np.repeat(np.arange(lo, hi, dtype=np.int64), draw_own + draw_near)
        exp, app = exp[ok], app[ok]
        keys = np.unique(app * n_experts + exp)
        app = (keys // n_experts).astype(np.int32)
        exp = (keys % n_experts).astype(np.int32)
        # Keep at most n_cand per application (a random subset: expert ids are random wrt topic).
        first = np.searchsorted(app, np.arange(lo, hi))
        rank = np.arange(app.size) - np.repeat(first, np.diff(np.append(first, app.size)))
        keep = rank < n_cand
        # Conflicts of interest: removed from the graph.
        keep &= rng.random(app.size) >= conflict_rate
        app, exp = app[keep], exp[keep]
        # Affinity: sub-topic distance inside the cluster, cluster distance, expert quality, noise.
        d = np.abs(app_pos[app] - exp_pos[exp])
        d = np.minimum(d, 1.0 - d)  # circular, in [0, 0.5]
        cd = np.abs(app_cluster[app].astype(np.int64) - exp_cluster[exp])
        cd = np.minimum(cd, n_clusters - cd).astype(np.float32)
        aff = (
            0.92 - 0.9 * d - 0.22 * cd + exp_quality[exp] + rng.normal(0.0, 0.06, app.size).astype(np.float32)
        )
        apps_out.append(app)
        exps_out.append(exp)
        affs_out.append(np.clip(aff, 0.0, 1.0).astype(np.float32))
    return Instance(
        n_apps=n_apps,
        n_experts=n_experts,
        cand_app=np.concatenate(apps_out),
        cand_exp=np.concatenate(exps_out),
        affinity=np.concatenate(affs_out),
        expert_org=expert_org,
        capacity=capacity,
        k=k,
    )


def cached(n_apps: int, n_experts: int, k: int, seed: int = 20240501, **kw) -> Instance:
    """``generate`` with the arrays kept under bench/out/cache (memory-mapped when loaded again)."""
    tag = f"{n_apps}x{n_experts}k{k}s{seed}" + (
        "-" + hashlib.sha1(repr(sorted(kw.items())).encode()).hexdigest()[:8] if kw else ""
    )
    d = CACHE / tag
    names = ("cand_app", "cand_exp", "affinity", "expert_org", "capacity")
    if not all((d / f"{n}.npy").exists() for n in names):
        inst = generate(n_apps, n_experts, k, seed=seed, **kw)
        d.mkdir(parents=True, exist_ok=True)
        for n in names:
            tmp = d / f"{n}.tmp.npy"
            np.save(tmp, getattr(inst, n))
            tmp.replace(d / f"{n}.npy")
        return inst
    arrays = {n: np.load(d / f"{n}.npy", mmap_mode="r") for n in names}
    return Instance(n_apps=n_apps, n_experts=n_experts, k=k, **arrays)


def summary(inst: Instance) -> str:
    deg = np.bincount(inst.cand_app, minlength=inst.n_apps)
    k = inst.k_array()
    return (
        f"{inst.n_apps:,} applications × {inst.n_experts:,} experts, k={int(k[0]) if k.size else 0}: "
        f"{inst.n_pairs:,} candidate pairs ({deg.mean():.0f} per application, min {deg.min()}), "
        f"{np.unique(inst.expert_org[inst.expert_org >= 0]).size:,} organisations, "
        f"capacity {int(inst.capacity.sum()):,} for {int(k.sum()):,} seats, "
        f"mean affinity {float(np.mean(inst.affinity)):.3f}"
    )


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--apps", type=int, default=10_000)
    ap.add_argument("--experts", type=int, default=4_000)
    ap.add_argument("--k", type=int, default=3)
    ap.add_argument("--seed", type=int, default=20240501)
    ap.add_argument("--cache", action="store_true", help="keep the arrays under bench/out/cache")
    a = ap.parse_args(argv)
    t = time.perf_counter()
    inst = (cached if a.cache else generate)(a.apps, a.experts, a.k, seed=a.seed)
    print(summary(inst))
    print(f"generated in {time.perf_counter() - t:.1f} s")


if __name__ == "__main__":
    main()

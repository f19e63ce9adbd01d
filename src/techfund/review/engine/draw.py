"""Compliant random draw (随机抽取) and one-off replacements.

Random draw. All randomness comes from ``numpy.random.Generator(PCG64(seed))`` in a fixed order, so
the recorded seed and the same instance give the same draw:

1. every eligible pair (a candidate pair, not forbidden, ``subject_ok`` if given, expert with capacity)
   gets a random key, and the applications a random order;
2. applications are served in that order; each takes candidates in its key order, skipping experts who
   are full and experts of an organisation it already has, until it has ``k`` reviewers (a lottery per
   application under the load caps and the one-per-organisation rule);
3. if an application is left short although a valid assignment would fill more seats (the lottery
   used up experts it needed), a repair flow fills as many seats as possible while keeping every drawn
   pair it can (a kept draw is worth more than any change); ``stats["repaired"]`` counts the changes.

Replacement (``replacement``): the best, or a seeded random, eligible expert for one application when an
expert declines or is excluded, under the same rules.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

import numpy as np

from .instance import Instance, Result
from .solver import Progress, _Net, _report


def _rng(seed) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(seed))


def _eligible(inst: Instance, subject_ok: np.ndarray | None) -> np.ndarray:
    idx = inst.usable()
    if subject_ok is not None:
        ok = np.asarray(subject_ok, dtype=bool).reshape(-1)
        if ok.size != inst.n_pairs:
            raise ValueError("subject_ok must have one entry per candidate pair")
        idx = idx[ok[idx]]
    return idx


def draw_random(
    inst: Instance, *, seed: int, subject_ok: np.ndarray | None = None, progress: Progress = None
) -> Result:
    t0 = time.perf_counter()
    rng = _rng(seed)
    k = inst.k_array()
    idx = _eligible(inst, subject_ok)
    keys = rng.random(idx.size)
    app_order = rng.permutation(inst.n_apps)
    order = np.lexsort((keys, inst.cand_app[idx]))
    idx = idx[order]
    apps = inst.cand_app[idx]
    ptr = np.zeros(inst.n_apps + 1, dtype=np.int64)
    np.cumsum(np.bincount(apps, minlength=inst.n_apps), out=ptr[1:])
    org = inst.org_keys()
    exps = inst.cand_exp[idx].tolist()
    orgs = org[inst.cand_exp[idx]].tolist()
    load = np.zeros(inst.n_experts, dtype=np.int64).tolist()
    cap = inst.capacity.tolist()
    ptr_l = ptr.tolist()
    k_l = k.tolist()
    picked: list[int] = []
    n = inst.n_apps
    step = max(1, n // 20)
    for done, a in enumerate(app_order.tolist()):
        want = k_l[a]
        if want <= 0:
            continue
        used_orgs: set[int] = set()
        got = 0
        for j in range(ptr_l[a], ptr_l[a + 1]):
            e = exps[j]
            if load[e] >= cap[e] or orgs[j] in used_orgs:
                continue
            load[e] += 1
            used_orgs.add(orgs[j])
            picked.append(j)
            got += 1
            if got == want:
                break
        if done % step == 0:
            _report(progress, done, n, "随机抽取")
    picked_arr = np.asarray(picked, dtype=np.int64)
    chosen = idx[picked_arr] if picked_arr.size else np.zeros(0, dtype=np.int64)
    stats: dict = {"seed": seed, "eligible_pairs": int(idx.size), "repaired": 0}
    filled = np.bincount(inst.cand_app[chosen], minlength=n)
    if (filled < k).any():
        chosen = _repair(inst, idx, chosen, k, rng, stats)
    stats["wall_s"] = time.perf_counter() - t0
    _report(progress, n, n, "完成")
    return Result.from_pairs(inst, inst.cand_app[chosen], inst.cand_exp[chosen], inst.affinity[chosen], stats)


def _repair(
    inst: Instance, idx: np.ndarray, chosen: np.ndarray, k: np.ndarray, rng, stats: dict
) -> np.ndarray:
    """Max-flow over all eligible pairs, drawn pairs valued 2 and others a random value in [0, 1)."""
    value = rng.random(idx.size)
    drawn = np.isin(idx, chosen)
    value[drawn] = 2.0
    # The flow network ranks by the instance's affinity; give it the repair values instead.
    sub = Instance(
        n_apps=inst.n_apps,
        n_experts=inst.n_experts,
        cand_app=inst.cand_app[idx],
        cand_exp=inst.cand_exp[idx],
        affinity=value / 2.0,
        expert_org=inst.expert_org,
        capacity=inst.capacity,
        k=k,
    )
    net = _Net(sub, np.arange(idx.size), None, k)
    flows = net.solve(stats)
    new = idx[flows[: idx.size] > 0]
    if new.size > chosen.size:
        stats["repaired"] = int(np.setdiff1d(new, chosen).size + np.setdiff1d(chosen, new).size)
        return new
    return chosen


def _pairs(assigned) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(assigned, tuple):
        app, exp = assigned
    else:
        app, exp = assigned.app, assigned.exp
    return np.asarray(app, dtype=np.int64).reshape(-1), np.asarray(exp, dtype=np.int64).reshape(-1)


def replacement(
    inst: Instance,
    assigned,
    app_index: int,
    *,
    exclude_experts: Iterable[int] = (),
    mode: str = "optimal",
    seed: int | None = None,
) -> int | None:
    """An expert to add to application ``app_index``: a candidate pair of it (not forbidden), not already
    on it, not in ``exclude_experts``, with load below capacity and of an organisation the application's
    other reviewers do not have. ``assigned`` (a Result or ``(app, exp)`` arrays) holds the pairs that
    count against ``inst.capacity``; pairs of ``app_index`` with an excluded expert (the one who
    declined) are ignored, so that expert's organisation is free again. ``mode="optimal"`` returns the
    eligible expert of highest affinity (lowest index on ties), ``"random"`` one drawn uniformly with
    ``Generator(PCG64(seed))``. ``None`` when nobody is eligible."""
    if mode not in ("optimal", "random"):
        raise ValueError("mode must be 'optimal' or 'random'")
    app, exp = _pairs(assigned)
    excluded = np.asarray(sorted({int(x) for x in exclude_experts}), dtype=np.int64)
    keep = ~((app == app_index) & np.isin(exp, excluded))
    app, exp = app[keep], exp[keep]
    load = np.bincount(exp, minlength=inst.n_experts)[: inst.n_experts]
    org = inst.org_keys()
    mine = exp[app == app_index]
    cand = np.flatnonzero(inst.cand_app == app_index)
    if inst.forbidden is not None:
        cand = cand[~inst.forbidden[cand]]
    e = inst.cand_exp[cand].astype(np.int64)
    ok = (
        ~np.isin(e, excluded) & ~np.isin(e, mine) & (load[e] < inst.capacity[e]) & ~np.isin(org[e], org[mine])
    )
    cand, e = cand[ok], e[ok]
    if not cand.size:
        return None
    if mode == "random":
        return int(e[_rng(seed).integers(e.size)]) if e.size > 1 else int(e[0])
    aff = inst.affinity[cand]
    best = np.flatnonzero(aff == aff.max())
    return int(e[best].min())

"""Optimal expert assignment: exact min-cost flow for ordinary rounds, the auction algorithm with a
proven bound for national ones, and a fairness option.

Model. Maximise the total affinity of the chosen (application, expert) pairs subject to: ``k``
reviewers per application, each expert at most ``capacity`` applications, only candidate pairs (the
caller has removed conflicts and subject mismatches; ``forbidden`` drops more), and at most one expert
of an organisation per application. This is a min-cost flow (OR-Tools ``SimpleMinCostFlow``, integer
costs ``-round(affinity * 10**6)``)::

    source --(capacity_e)--> expert e --(1, -affinity)--> application a --(supply -k_a)
                                    \\--(1, -affinity)--> (a, org) --(1, 0)--> application a

The ``(a, org)`` node (capacity 1 out) is created only where ``a`` has two or more candidates of one
organisation; elsewhere the expert's arc goes straight to the application. Experts of unknown
organisation (``-1``) count as an organisation of their own. An application that cannot get ``k``
reviewers gets as many as possible; its shortfall is in ``Result.unfilled``.

Which method. Up to ``EXACT_PAIRS`` candidate pairs (every ordinary round) one flow over the whole
graph gives the optimum directly. Above it the flow's cost (~2.5 us per arc on the project's machine,
no warm start between solves) is what the national target cannot afford, so the round is solved by the
**auction algorithm** (:mod:`.auction`): each seat ends within ``eps`` (1e-4) of its best alternative,
and the Lagrangian dual bound of its prices proves how close the total is to the optimum
(``stats["proven_share"]``; > 99.9995 % on the benchmark). Up to ``POLISH_PAIRS`` the auction's answer
is then **polished**: the expert prices say which pairs can still matter (each application's best
``k + POLISH_EXTRA`` by affinity minus price, plus its current reviewers); a flow on those pairs is
solved exactly and completed by column generation (node potentials of the optimal flow price every
left-out pair; those that could improve it are added and the flow solved again) until nothing prices
out: then it is the optimum of the full graph (``stats["certified"]``).

Fairness (``fairness=True``). Raising the weakest application's total is not a network constraint;
it is done by Lagrangian reweighting with the auction as the oracle: every application whose total is
below the target (the plain optimum's weakest raised by ``fairness_gain``) gets a multiplier that
grows with its shortfall; only those applications bid again (warm start), so a round costs
milliseconds to a second. A round that costs more than ``fairness_budget`` of the plain total shrinks
every multiplier. The answer is the assignment with the highest weakest total among those within the
budget (the plain optimum if none is better); it stops at the target or after ``fairness_rounds``.
Totals are always reported in true affinity.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from ortools.graph.python import min_cost_flow

from . import auction
from .instance import Instance, Result

SCALE = 1_000_000
#: Up to this many usable candidate pairs a round is solved by one exact flow over all of them.
EXACT_PAIRS = 300_000
#: Up to this many pairs the auction's answer is polished to the certified optimum by min-cost flow
#: (10,000 x 4,000: 1 s; at 60,000 x 20,000 the polish would take ~30 s for < 0.0002 %).
POLISH_PAIRS = 3_000_000
#: Candidates per application (beyond k) the polishing flow starts from, ranked by affinity - price.
POLISH_EXTRA = 4
#: What an empty seat costs in the column-generation solves, in affinity units (see ``_Net``).
SLACK = 20
#: Fairness: multiplier growth per round per unit of relative shortfall, and the shrink when over budget.
FAIR_STEP = 1.0
FAIR_BACKOFF = 0.7

#: Progress messages (fixed texts, so the caller can translate them).
MSG_PREPARE = "整理候选专家"
MSG_FLOW = "求解最小费用流"
MSG_AUCTION = "拍卖法分配评审席位"
MSG_FAIRNESS = "公平性调整"
MSG_DONE = "完成"
MESSAGES = (MSG_PREPARE, MSG_FLOW, MSG_AUCTION, MSG_FAIRNESS, MSG_DONE)

Progress = Callable[[int, int, str], None] | None


def _report(progress: Progress, done: int, total: int, message: str) -> None:
    if progress is not None:
        progress(int(done), int(total), message)


# ----------------------------------------------------------------------------- candidate lists


class Candidates:
    """The usable candidate pairs grouped by application, each application's list sorted by affinity
    (best first) on demand: ``pos`` are indices into the instance's arrays, ``ptr`` the CSR offsets."""

    def __init__(self, inst: Instance):
        usable = inst.usable()
        app = inst.cand_app[usable]
        if app.size > 1 and not (app[1:] >= app[:-1]).all():
            order = np.argsort(app, kind="stable")
            usable, app = usable[order], app[order]
        self.inst = inst
        self.pos = usable.astype(np.int64)
        self.ptr = np.zeros(inst.n_apps + 1, dtype=np.int64)
        np.cumsum(np.bincount(app, minlength=inst.n_apps), out=self.ptr[1:])
        self.deg = np.diff(self.ptr)

    def top(self, m_app, score=None, chunk_cells: int = 1 << 24) -> tuple[np.ndarray, np.ndarray]:
        """The best ``m_app[a]`` candidates of every application (indices into the instance) and, per
        application, the best value left out (``-inf`` when none is left out). Candidates are ranked by
        affinity, or by ``score(positions) -> values`` when given."""
        inst, pos, ptr, deg = self.inst, self.pos, self.ptr, self.deg
        m_app = np.minimum(np.broadcast_to(np.asarray(m_app, dtype=np.int64), deg.shape), deg)
        thr = np.full(inst.n_apps, -np.inf)
        full = m_app >= deg  # whole list kept: no sorting needed
        out = []
        n = inst.n_apps
        lo = 0
        maxdeg = int(deg.max()) if n else 0
        rows = max(1, chunk_cells // max(maxdeg, 1))
        while lo < n:
            hi = min(n, lo + rows)
            part_full = full[lo:hi]
            s, t = ptr[lo], ptr[hi]
            if part_full.all():
                out.append(pos[s:t])
                lo = hi
                continue
            d = deg[lo:hi]
            width = int(d.max())
            r = hi - lo
            row = np.repeat(np.arange(r), d)
            col = np.arange(t - s) - np.repeat(ptr[lo:hi] - s, d)
            vals = np.full((r, width), -np.inf, dtype=np.float64)
            vals[row, col] = inst.affinity[pos[s:t]] if score is None else score(pos[s:t])
            mm = min(int(m_app[lo:hi].max()) + 1, width)
            if mm < width:
                idx = np.argpartition(-vals, mm - 1, axis=1)[:, :mm]
            else:
                idx = np.broadcast_to(np.arange(width), (r, width)).copy()
            sub = np.take_along_axis(vals, idx, axis=1)
            o = np.argsort(-sub, axis=1, kind="stable")
            idx = np.take_along_axis(idx, o, axis=1)
            sub = np.take_along_axis(sub, o, axis=1)
            m = m_app[lo:hi]
            rank = np.arange(idx.shape[1])[None, :]
            keep = (rank < m[:, None]) & (idx < d[:, None])
            base = (ptr[lo:hi] - s)[:, None]
            out.append(pos[s:t][(base + idx)[keep]])
            # Best left out: the value at rank m (if the row has more than m candidates).
            has_more = m < d
            left = np.where(has_more, m, 0)
            left = np.minimum(left, idx.shape[1] - 1)
            thr[lo:hi] = np.where(has_more, sub[np.arange(r), left], -np.inf)
            lo = hi
        sel = np.concatenate(out) if out else np.zeros(0, dtype=np.int64)
        return sel, thr


# ----------------------------------------------------------------------------- one flow


class _Net:
    """The flow network on the candidate pairs ``sel`` (indices into the instance).

    Nodes: experts ``0..n_exp-1``, applications ``n_exp..n_exp+n_apps-1``, the source, then one node per
    (application, organisation) group with two or more pairs in ``sel``. Arcs: the pairs first (so arc
    ``i`` is ``sel[i]``), then group -> application, then source -> expert."""

    def __init__(
        self, inst: Instance, sel: np.ndarray, weight: np.ndarray | None, k: np.ndarray, slack: bool = False
    ):
        n_exp, n_apps = inst.n_experts, inst.n_apps
        a = inst.cand_app[sel].astype(np.int64)
        e = inst.cand_exp[sel].astype(np.int64)
        cost = _costs(inst.affinity[sel], weight, a)
        org = inst.org_keys()
        n_org = int(org.max()) + 1 if org.size else 1
        uniq, group, cnt = np.unique(a * n_org + org[e], return_inverse=True, return_counts=True)
        group = group.reshape(-1)
        dup_group = cnt >= 2
        group_id = np.cumsum(dup_group) - 1
        self.src = src = n_exp + n_apps
        base = src + 1
        dup = dup_group[group]
        heads = np.where(dup, base + group_id[group], n_exp + a)
        n_groups = int(dup_group.sum())
        g_app = uniq[dup_group] // n_org
        self.g_keys = uniq[dup_group]  # sorted (application * n_org + organisation) of the group nodes
        self.n_org = n_org
        # Every expert with capacity gets its source arc, also those without a pair in ``sel``, so that
        # its potential (its price, 0) is right when pricing pairs outside ``sel``.
        used = np.flatnonzero(inst.capacity > 0)
        self.demand = np.minimum(k.astype(np.int64), np.bincount(a, minlength=n_apps))
        # Slack: an unfilled seat costs SLACK (weighted) affinity units, more than any chain of reassignments
        # that fills it would lose in practice, so every solve is feasible in one pass, seats are filled
        # first and the potentials stay finite; the last solve drops it (maximum flow first) if needed.
        short_apps = np.flatnonzero(self.demand) if slack else np.zeros(0, dtype=np.int64)
        w_max = float(weight.max()) if weight is not None and weight.size else 1.0
        slack_cost = int(round(SLACK * SCALE * max(w_max, 1.0)))
        self.n_slack = int(short_apps.size)
        self.tails = np.concatenate(
            [e, base + np.arange(n_groups), np.full(used.size, src), np.full(short_apps.size, src)]
        )
        self.heads = np.concatenate([heads, n_exp + g_app, used, n_exp + short_apps])
        self.caps = np.concatenate(
            [
                np.ones(sel.size + n_groups, dtype=np.int64),
                inst.capacity[used].astype(np.int64),
                self.demand[short_apps],
            ]
        )
        self.costs = np.concatenate(
            [
                cost,
                np.zeros(n_groups + used.size, dtype=np.int64),
                np.full(short_apps.size, slack_cost, dtype=np.int64),
            ]
        )
        self.kind = np.repeat(np.arange(4, dtype=np.int8), [sel.size, n_groups, used.size, short_apps.size])
        self.n_nodes = base + n_groups
        self.n_pairs = int(sel.size)
        self.n_groups = n_groups
        self.group = group  # (application, organisation) group of every pair
        self.group_used = None
        self.g_app = g_app
        self.g_node = base + np.arange(n_groups)
        self.n_exp = n_exp
        self.n_apps = n_apps

    def solve(self, stats: dict) -> np.ndarray:
        t0 = time.perf_counter()
        smcf = min_cost_flow.SimpleMinCostFlow()
        if self.tails.size:
            smcf.add_arcs_with_capacity_and_unit_cost(
                self.tails.astype(np.int32), self.heads.astype(np.int32), self.caps, self.costs
            )
        smcf.set_nodes_supplies(np.arange(self.n_exp, self.n_exp + self.n_apps, dtype=np.int32), -self.demand)
        smcf.set_node_supply(self.src, int(self.demand.sum()))
        status = smcf.solve()
        if status != smcf.OPTIMAL:
            # Not every seat can be filled: fill as many as possible, then maximise affinity.
            status = smcf.solve_max_flow_with_min_cost()
            stats["max_flow_solves"] = stats.get("max_flow_solves", 0) + 1
        if status != smcf.OPTIMAL:  # pragma: no cover - only on overflow or bad input
            raise RuntimeError(f"min-cost flow failed: {status}")
        flows = (
            np.asarray(smcf.flows(np.arange(self.tails.size, dtype=np.int32)), dtype=np.int64)
            if self.tails.size
            else np.zeros(0, dtype=np.int64)
        )
        stats["mcf_s"] = stats.get("mcf_s", 0.0) + time.perf_counter() - t0
        stats["arcs"] = int(self.tails.size)
        stats["nodes"] = int(self.n_nodes)
        stats["org_nodes"] = self.n_groups
        stats["solves"] = stats.get("solves", 0) + 1
        return flows

    def potentials(self, flows: np.ndarray, max_sweeps: int = 5000) -> np.ndarray | None:
        """Node potentials ``d`` with non-negative reduced cost ``cost + d[tail] - d[head]`` on every
        residual arc (shortest distances from a virtual root, Bellman-Ford in vectorised sweeps, one
        arc class after another so a sweep follows expert -> group -> application -> expert paths)."""
        fw = flows < self.caps
        bw = flows > 0
        kind = self.kind
        classes = []
        # Order: pair forward (expert -> group/app), group forward (group -> app), group backward
        # (app -> group), pair backward (group/app -> expert), source arcs both ways.
        for kd, forward in (
            (0, True),
            (1, True),
            (1, False),
            (0, False),
            (2, False),
            (2, True),
            (3, False),
            (3, True),
        ):
            m = (kind == kd) & (fw if forward else bw)
            if forward:
                t, h, c = self.tails[m], self.heads[m], self.costs[m]
            else:
                t, h, c = self.heads[m], self.tails[m], -self.costs[m]
            if not t.size:
                continue
            o = np.argsort(h, kind="stable")
            t, h, c = t[o], h[o], c[o]
            uh, starts = np.unique(h, return_index=True)
            classes.append((t, c, uh, starts))
        d = np.zeros(self.n_nodes, dtype=np.int64)
        for _ in range(max_sweeps):
            changed = False
            for t, c, uh, starts in classes:
                best = np.minimum.reduceat(d[t] + c, starts)
                cur = d[uh]
                better = best < cur
                if better.any():
                    d[uh[better]] = best[better]
                    changed = True
            if not changed:
                return d
        return None


def _costs(affinity: np.ndarray, weight: np.ndarray | None, app: np.ndarray) -> np.ndarray:
    w = affinity.astype(np.float64)
    if weight is not None:
        w = w * weight[app]
    return -np.rint(w * SCALE).astype(np.int64)


def _price(inst: Instance, cands: Candidates, net: _Net, d: np.ndarray, weight, in_set, limit: int):
    """Pairs outside the network with negative reduced cost (the most negative ``limit`` per
    application). A pair (a, x) would enter at ``a``'s group node for ``x``'s organisation if the network
    has one, else at ``a`` (a new group's node can take ``a``'s potential). A cheap pass with
    ``dmax[a]`` (the largest potential of ``a`` and its groups) finds a superset; the exact reduced cost
    is then computed for those only."""
    n_exp = inst.n_experts
    org = inst.org_keys()
    dmax = d[n_exp : n_exp + inst.n_apps].copy()
    if net.n_groups:
        np.maximum.at(dmax, net.g_app, d[net.g_node])
    out_pos, out_rc = [], []
    ptr = cands.ptr
    step = max(1, (1 << 23) // max(int(cands.deg.mean()) if cands.deg.size else 1, 1))
    for lo in range(0, inst.n_apps, step):
        hi = min(inst.n_apps, lo + step)
        pos = cands.pos[ptr[lo] : ptr[hi]]
        a = inst.cand_app[pos]
        e = inst.cand_exp[pos]
        base = _costs(inst.affinity[pos], weight, a) + d[e]
        maybe = (base - dmax[a] < 0) & ~in_set[pos]
        pos, a, e, base = pos[maybe], a[maybe].astype(np.int64), e[maybe], base[maybe]
        target = n_exp + a
        if net.n_groups and pos.size:
            key = a * net.n_org + org[e]
            i = np.minimum(np.searchsorted(net.g_keys, key), net.g_keys.size - 1)
            hit = net.g_keys[i] == key
            target = np.where(hit, net.g_node[i], target)
        rc = base - d[target]
        viol = rc < 0
        out_pos.append(pos[viol])
        out_rc.append(rc[viol])
    pos = np.concatenate(out_pos)
    rc = np.concatenate(out_rc)
    if pos.size and limit:
        a = inst.cand_app[pos]
        o = np.lexsort((rc, a))
        pos, a = pos[o], a[o]
        first = np.searchsorted(a, a, side="left")
        pos = pos[np.arange(a.size) - first < limit]
    return pos


def _solve_restricted(
    inst, cands: Candidates, k, prune, weight, stats, progress, max_rounds, price_limit, tol, sel=None
):
    """Column generation: solve on the pruned graph (or on ``sel``), then add the pairs that price out
    (negative reduced cost under the optimal potentials, the ``price_limit`` most negative per
    application) and, for applications left short, their best candidates by affinity minus the experts'
    prices; until nothing prices out (certified optimal for the full graph), the (weighted) total gained
    less than ``tol`` of itself in a round, or ``max_rounds``. Returns the chosen pair indices and the
    final candidate set."""
    t = time.perf_counter()
    if sel is None:
        sel, _ = cands.top(prune)
    in_set = np.zeros(inst.n_pairs, dtype=bool)
    in_set[sel] = True
    stats["prune_s"] = stats.get("prune_s", 0.0) + time.perf_counter() - t
    certified = False
    chosen = np.zeros(0, dtype=np.int64)
    added_log = []
    rnd = 0
    last = None
    slack_used = 0
    for rnd in range(max_rounds):
        _report(progress, rnd, max_rounds, MSG_FLOW)
        t = time.perf_counter()
        full = sel.size == cands.pos.size  # every usable pair is in: one exact solve, nothing to price
        net = _Net(inst, sel, weight, k, slack=not full)
        stats["build_s"] = stats.get("build_s", 0.0) + time.perf_counter() - t
        flows = net.solve(stats)
        chosen = sel[flows[: net.n_pairs] > 0]
        if full:
            certified = True
            slack_used = 0
            break
        slack_used = int(
            flows[net.n_pairs + net.n_groups :][net.kind[net.n_pairs + net.n_groups :] == 3].sum()
        )
        objective = (chosen.size, -int(net.costs[: net.n_pairs][flows[: net.n_pairs] > 0].sum()))
        stats.setdefault("total_per_round", []).append(float(inst.affinity[chosen].sum(dtype=np.float64)))
        if rnd == max_rounds - 1:
            break
        if (
            tol > 0
            and last is not None
            and objective[0] == last[0]
            and objective[1] - last[1] <= tol * abs(objective[1])
        ):
            stats["stopped"] = "converged"
            break
        last = objective
        t = time.perf_counter()
        filled = np.bincount(inst.cand_app[chosen], minlength=inst.n_apps)
        short = filled < np.minimum(k, cands.deg)
        add = []
        d = net.potentials(flows)
        if d is None:  # pragma: no cover - a min-cost flow has no negative cycle
            stats["potentials_failed"] = True
            break
        viol = _price(inst, cands, net, d, weight, in_set, price_limit)
        if viol.size:
            add.append(viol)
        if short.any():
            # Left short: their potentials say little; add their best candidates by affinity minus the
            # experts' prices (what a seat on that expert costs the others).
            price = np.maximum(d[: inst.n_experts] - d[net.src], 0)

            def reduced(pos, price=price):
                return -_costs(inst.affinity[pos], weight, inst.cand_app[pos]) - price[inst.cand_exp[pos]]

            extra, _ = cands.top(np.where(short, 2 * k + price_limit, 0), score=reduced)
            add.append(extra)
        stats["pricing_s"] = stats.get("pricing_s", 0.0) + time.perf_counter() - t
        new = np.unique(np.concatenate(add)) if add else np.zeros(0, dtype=np.int64)
        new = new[~in_set[new]]
        added_log.append(int(new.size))
        if not new.size:
            certified = True
            break
        in_set[new] = True
        sel = np.concatenate([sel, new])
    if slack_used:
        # Some seats stay empty: with every candidate of the short applications added, fill as many seats
        # as possible (maximum flow first) on the final candidate set.
        filled = np.bincount(inst.cand_app[chosen], minlength=inst.n_apps)
        short = filled < np.minimum(k, cands.deg)
        extra, _ = cands.top(np.where(short, cands.deg, 0))
        extra = extra[~in_set[extra]]
        in_set[extra] = True
        sel = np.concatenate([sel, extra])
        net = _Net(inst, sel, weight, k, slack=False)
        flows = net.solve(stats)
        chosen = sel[flows[: net.n_pairs] > 0]
    stats["certified"] = certified
    stats["rounds"] = rnd + 1
    stats["added_per_round"] = added_log
    stats["pruned_pairs"] = int(sel.size)
    return chosen, sel


# ----------------------------------------------------------------------------- public


def solve_optimal(
    inst: Instance,
    *,
    fairness: bool = False,
    progress: Progress = None,
    method: str | None = None,
    polish: bool | None = None,
    eps: float = auction.EPS,
    prune: int | None = None,
    fairness_budget: float = 0.003,
    fairness_gain: float = 0.25,
    fairness_rounds: int = 300,
    max_rounds: int = 30,
    price_limit: int | None = None,
) -> Result:
    """Maximum-affinity assignment (see the module docstring).

    ``method``: ``"flow"`` (exact min-cost flow, pruned to ``prune`` candidates per application and
    completed by column generation when ``prune`` is given), ``"auction"``, or ``None``: the flow up to
    ``EXACT_PAIRS`` candidate pairs, else the auction. ``polish`` (default: up to ``POLISH_PAIRS``
    pairs) turns the auction's answer into the certified optimum by min-cost flow on the pairs its
    prices leave in contention. ``fairness``: raise the weakest application's total
    (``fairness_gain`` over the plain optimum's weakest is the target) for at most ``fairness_budget``
    of the total, in at most ``fairness_rounds`` reweighting rounds.
    ``progress(done, total, message)`` is called along the way; messages are the fixed texts of
    ``MESSAGES``. Never raises for an infeasible round: unfilled seats are in ``Result.unfilled``."""
    t_start = time.perf_counter()
    k = inst.k_array()
    kmax = int(k.max()) if k.size else 0
    stats: dict = {}
    _report(progress, 0, 1, MSG_PREPARE)
    n_pairs = int(inst.usable().size)
    stats["pairs"] = n_pairs
    if method is None:
        method = "flow" if n_pairs <= EXACT_PAIRS else "auction"
    if method not in ("flow", "auction"):
        raise ValueError(f"unknown method {method!r}")
    if price_limit is None:
        price_limit = max(2 * kmax, 2)
    stats["method"] = method
    auc = None
    if method == "flow":
        cands = Candidates(inst)
        stats["prune"] = int(prune or 0)
        keep = prune if prune else (int(cands.deg.max()) if cands.deg.size else 0)
        chosen, _ = _solve_restricted(
            inst, cands, k, keep, None, stats, progress, max_rounds, price_limit, 0.0
        )
    else:
        t = time.perf_counter()
        auc = auction.Auction(inst, eps=eps)
        stats["auction_prepare_s"] = time.perf_counter() - t
        t = time.perf_counter()
        auc.run(lambda done, total: _report(progress, done, total, MSG_AUCTION))
        stats["auction_s"] = time.perf_counter() - t
        stats["bids"] = auc.bids
        chosen = auc.chosen()
        bound, objective = auc.bound(), auc.objective()
        stats["bound"] = bound
        # A proven lower bound on the share of the optimum reached (the optimum lies between the two).
        stats["proven_share"] = objective / bound if bound > 0 else 1.0
        stats["certified"] = False
        if polish is None:
            polish = n_pairs <= POLISH_PAIRS
        if polish:
            t = time.perf_counter()
            cands = Candidates(inst)
            price = auc.price.astype(np.float64) / auction.SCALE

            def reduced(pos, price=price):
                return inst.affinity[pos] - price[inst.cand_exp[pos]]

            start, _ = cands.top(kmax + POLISH_EXTRA, score=reduced)
            sel = np.union1d(start, chosen)
            stats["polish_start_pairs"] = int(sel.size)
            chosen, _ = _solve_restricted(
                inst, cands, k, 0, None, stats, progress, max_rounds, price_limit, 0.0, sel=sel
            )
            stats["polish_s"] = time.perf_counter() - t
    plain = Result.from_pairs(inst, inst.cand_app[chosen], inst.cand_exp[chosen], inst.affinity[chosen])
    if fairness and inst.n_apps and plain.app.size:
        if auc is None:
            auc = auction.Auction(inst, eps=eps)
            auc.run()
        result = _fair(inst, auc, plain, stats, progress, fairness_budget, fairness_gain, fairness_rounds)
    else:
        result = plain
    stats["wall_s"] = time.perf_counter() - t_start
    result.stats = stats
    _report(progress, 1, 1, MSG_DONE)
    return result


def _fair(
    inst: Instance, auc: auction.Auction, plain: Result, stats, progress, budget, gain, rounds
) -> Result:
    """Lagrangian reweighting by auction rounds (see the module docstring)."""
    need = inst.k_array() > 0
    base_min = float(plain.per_app[need].min())
    floor_total = (1.0 - budget) * plain.total
    target = base_min * (1.0 + gain)
    lam = np.zeros(inst.n_apps)
    best, best_min = plain, base_min
    per = auc.per_app()
    history = []
    it = 0
    for it in range(rounds):
        low = np.flatnonzero(need & (per < target))
        if target <= 0 or not low.size:
            break
        # The multiplier of an application below target grows with its shortfall.
        lam[low] += FAIR_STEP * (target - per[low]) / target
        auc.reweight(low, 1.0 + lam[low])
        auc.run()
        per = auc.per_app()
        total, low_now = float(per.sum()), float(per[need].min())
        if total < floor_total:
            # Over budget: every multiplier shrinks, and those applications bid again.
            lam *= FAIR_BACKOFF
            raised = np.flatnonzero(lam > 0)
            auc.reweight(raised, 1.0 + lam[raised])
            auc.run()
            per = auc.per_app()
            total, low_now = float(per.sum()), float(per[need].min())
        if total >= floor_total and (low_now > best_min or (low_now == best_min and total > best.total)):
            chosen = auc.chosen()
            best = Result.from_pairs(
                inst, inst.cand_app[chosen], inst.cand_exp[chosen], inst.affinity[chosen]
            )
            best_min = low_now
            history.append({"round": it + 1, "raised": int(low.size), "total": total, "min": low_now})
        _report(progress, it + 1, rounds, MSG_FAIRNESS)
        if best_min >= target:
            break
    stats["fairness"] = {
        "plain_total": plain.total,
        "plain_min": base_min,
        "total": best.total,
        "min": best_min,
        "gain": best_min / base_min - 1.0 if base_min > 0 else 0.0,
        "cost": 1.0 - best.total / plain.total if plain.total > 0 else 0.0,
        "target_min": target,
        "budget": budget,
        "rounds": it + 1,
        "improvements": history[-20:],
    }
    return best

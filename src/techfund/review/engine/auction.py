"""The auction algorithm for large rounds: near-optimal assignment in seconds, with a certificate.

Bertsekas' auction for the transportation problem, in its Gauss-Seidel form, compiled with numba.
Every application has ``k`` seats; every expert ``capacity`` places. An application with an empty
seat scans its candidates (sorted by affinity, best first) for the best and second-best *eligible*
one by value ``affinity - price``: not already reviewing it and of an organisation none of its
reviewers is from. It bids for the best at ``price + (best - second) + eps``. An expert keeps the
``capacity`` highest bids (a min-heap per expert); a full expert's price is its lowest kept bid, an
expert with a free place costs 0. A bid on a full expert evicts the lowest bidder, whose seat is empty
again and who bids again. Prices only rise, so the scan stops at the first candidate whose affinity is
not above the second-best value found so far. When no application has an empty seat it could fill
(an empty seat costs ``slack`` affinity units: an application stops bidding when every eligible
candidate is worth less than that), the auction ends.

Quality. At the end every chosen expert is within ``eps`` of the application's best alternative at
the final prices (eps-complementary slackness), so the total is within ``seats * eps`` of the optimum.
The actual distance is measured, not assumed: :meth:`Auction.bound` is the Lagrangian dual bound
``sum(capacity * price) + sum over applications of its best k org-distinct (affinity - price)``, an
upper bound on the optimum for any prices, so ``total / bound`` is a proven lower bound on the share of
the optimum reached (on the benchmark instances: > 99.9995 %).

Weights. ``weights`` scale an application's affinities (fairness reweighting); :meth:`Auction.reweight`
changes some applications' weights and makes only them bid again (warm start), so a fairness loop of
hundreds of rounds costs a few seconds.

All arrays are plain numpy; values are integers (affinity x ``SCALE``), so there is no rounding drift.
"""

from __future__ import annotations

import threading

import numba as nb
import numpy as np

from .instance import Instance

SCALE = 1_000_000
#: Bid increment in affinity units: every seat ends within this of its best alternative.
EPS = 1e-4
#: What an empty seat costs, in affinity units (far more than any chain of reassignments loses).
SLACK = 20.0
#: Largest weight (values stay far from int64 limits; a larger weight would change nothing anyway).
MAX_WEIGHT = 1000.0
_NEG = -(1 << 62)
#: numba's default threading layer must not launch parallel kernels from two threads at once (jobs may
#: run in threads of one process): the two parallel kernels take this lock.
_PARALLEL = threading.Lock()


@nb.njit(cache=True, nogil=True, parallel=True)
def _sort_rows(ptr, ce, cv, corg, pos):  # pragma: no cover - compiled
    """Sort every application's candidates by value, best first (ties: the order given)."""
    for i in nb.prange(ptr.size - 1):
        s, t = ptr[i], ptr[i + 1]
        if t - s < 2:
            continue
        o = np.argsort(-cv[s:t], kind="mergesort")
        ce[s:t] = ce[s:t][o]
        cv[s:t] = cv[s:t][o]
        corg[s:t] = corg[s:t][o]
        pos[s:t] = pos[s:t][o]


@nb.njit(cache=True, nogil=True, parallel=True)
def _gather(pos, cand_exp, affinity, org, ce, aff, corg):  # pragma: no cover - compiled
    """The columns of the usable pairs ``pos``: expert, affinity x SCALE (rounded), organisation."""
    for x in nb.prange(pos.size):
        p = pos[x]
        j = cand_exp[p]
        ce[x] = j
        aff[x] = np.int32(np.rint(np.float64(affinity[p]) * SCALE))
        corg[x] = org[j]


@nb.njit(cache=True, nogil=True)
def _heap_remove(base, sz, hbid, happ, at):  # pragma: no cover - compiled
    """Remove entry ``at`` of the min-heap ``hbid[base:base+sz]``; returns the new size."""
    sz -= 1
    if at == sz:
        return sz
    lb = hbid[base + sz]
    la = happ[base + sz]
    p = at
    while p > 0:
        q = (p - 1) >> 1
        if hbid[base + q] <= lb:
            break
        hbid[base + p] = hbid[base + q]
        happ[base + p] = happ[base + q]
        p = q
    if p == at:
        while True:
            left = 2 * p + 1
            if left >= sz:
                break
            c = left
            if left + 1 < sz and hbid[base + left + 1] < hbid[base + left]:
                c = left + 1
            if hbid[base + c] >= lb:
                break
            hbid[base + p] = hbid[base + c]
            happ[base + p] = happ[base + c]
            p = c
    hbid[base + p] = lb
    happ[base + p] = la
    return sz


@nb.njit(cache=True, nogil=True)
def _auction(
    ptr, packed, ce, corg, k, cap, eps, slack, held, horg, nheld, price,
    hstart, hsize, hbid, happ, queue, inq, qh, qt, max_bids, counters,
):  # fmt: skip  # pragma: no cover - compiled
    """Run the auction until no application bids or ``max_bids`` bids were made. Returns the queue's
    head and tail (the caller resumes with them)."""
    qn = queue.size
    bids = 0
    while qh != qt and bids < max_bids:
        i = queue[qh]
        qh += 1
        if qh == qn:
            qh = 0
        inq[i] = False
        while nheld[i] < k[i]:
            b1 = _NEG
            b2 = _NEG
            c1 = -1
            nh = nheld[i]
            for c in range(ptr[i], ptr[i + 1]):
                x = packed[c]  # value << 32 | expert: one memory stream for the scan
                a = x >> 32
                if a <= b2:
                    break  # sorted, and prices are >= 0: nothing further down beats b2
                v = a - price[x & 0xFFFFFFFF]
                if v <= b2:
                    continue
                oc = corg[c]
                ok = True
                for h in range(nh):
                    if horg[i, h] == oc:  # the same organisation (or the same expert) already
                        ok = False
                        break
                if not ok:
                    continue
                if v > b1:
                    b2 = b1
                    b1 = v
                    c1 = c
                else:
                    b2 = v
            if c1 < 0 or b1 < -slack:
                break  # nothing left worth an empty seat: the seat stays empty
            if b2 < -slack:
                b2 = -slack
            j = ce[c1]
            bid = (packed[c1] >> 32) - b2 + eps
            bids += 1
            base = hstart[j]
            sz = hsize[j]
            if sz < cap[j]:
                p = sz
                while p > 0:
                    q = (p - 1) >> 1
                    if hbid[base + q] <= bid:
                        break
                    hbid[base + p] = hbid[base + q]
                    happ[base + p] = happ[base + q]
                    p = q
                hbid[base + p] = bid
                happ[base + p] = i
                hsize[j] = sz + 1
                if sz + 1 == cap[j]:
                    price[j] = hbid[base]
            else:
                ev = happ[base]
                sz = _heap_remove(base, sz, hbid, happ, 0)
                p = sz
                while p > 0:
                    q = (p - 1) >> 1
                    if hbid[base + q] <= bid:
                        break
                    hbid[base + p] = hbid[base + q]
                    happ[base + p] = happ[base + q]
                    p = q
                hbid[base + p] = bid
                happ[base + p] = i
                price[j] = hbid[base]
                m = nheld[ev]
                for h in range(m):
                    if ce[held[ev, h]] == j:
                        held[ev, h] = held[ev, m - 1]
                        horg[ev, h] = horg[ev, m - 1]
                        held[ev, m - 1] = -1
                        horg[ev, m - 1] = -1
                        nheld[ev] = m - 1
                        break
                if not inq[ev]:
                    inq[ev] = True
                    queue[qt] = ev
                    qt += 1
                    if qt == qn:
                        qt = 0
            held[i, nh] = c1
            horg[i, nh] = corg[c1]
            nheld[i] = nh + 1
    counters[0] += bids
    return qh, qt


@nb.njit(cache=True, nogil=True)
def _release(
    apps, ce, held, horg, nheld, price, cap, hstart, hsize, hbid, happ, queue, inq, qt
):  # pragma: no cover
    """Give up every seat of ``apps`` (their experts' places become free, price 0) and queue them."""
    qn = queue.size
    for i in apps:
        for h in range(nheld[i]):
            j = ce[held[i, h]]
            base = hstart[j]
            sz = hsize[j]
            for q in range(sz):
                if happ[base + q] == i:
                    hsize[j] = _heap_remove(base, sz, hbid, happ, q)
                    break
            price[j] = 0
            held[i, h] = -1
            horg[i, h] = -1
        nheld[i] = 0
        if not inq[i]:
            inq[i] = True
            queue[qt] = i
            qt += 1
            if qt == qn:
                qt = 0
    return qt


@nb.njit(cache=True, nogil=True)
def _best_values(ptr, ce, cv, corg, k, price, slack, out):  # pragma: no cover - compiled
    """Per application, the best value of k org-distinct candidates at ``price`` (empty seats at
    ``-slack``): the application's part of the Lagrangian dual bound."""
    kmax = 1
    for i in range(k.size):
        kmax = max(kmax, k[i])
    bv = np.empty(kmax, np.int64)
    bo = np.empty(kmax, np.int64)
    for i in range(ptr.size - 1):
        n = 0
        ki = k[i]
        for c in range(ptr[i], ptr[i + 1]):
            v = cv[c] - price[ce[c]]
            if v < -slack:
                continue
            o = corg[c]
            at = -1
            for h in range(n):
                if bo[h] == o:
                    at = h
                    break
            if at >= 0:
                if v > bv[at]:
                    bv[at] = v
                continue
            if n < ki:
                bv[n] = v
                bo[n] = o
                n += 1
            else:
                w = 0
                for h in range(1, n):
                    if bv[h] < bv[w]:
                        w = h
                if v > bv[w]:
                    bv[w] = v
                    bo[w] = o
        s = 0
        for h in range(n):
            s += bv[h]
        out[i] = s - (ki - n) * slack


class Auction:
    """One auction over an instance's usable candidate pairs (see the module docstring).

    ``run(progress)`` bids until done; ``pairs()`` the chosen pairs (indices into the instance's
    arrays); ``bound()`` the dual bound; ``reweight(apps, weights)`` for fairness rounds."""

    def __init__(self, inst: Instance, *, eps: float = EPS, slack: float = SLACK, weights=None):
        self.inst = inst
        usable = inst.usable()
        app = np.asarray(inst.cand_app)[usable]
        if app.size > 1 and not (app[1:] >= app[:-1]).all():
            order = np.argsort(app, kind="stable")
            usable, app = usable[order], app[order]
        n = inst.n_apps
        self.ptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(app, minlength=n), out=self.ptr[1:])
        del app
        # Columns in int32 where they fit: the bidding scan is bound by memory traffic.
        self.pos = usable.astype(np.int32 if inst.n_pairs < 2**31 else np.int64)
        del usable
        org = inst.org_keys()
        if not org.size or org.max() < 2**31:
            org = org.astype(np.int32)
        self.ce = np.empty(self.pos.size, dtype=np.int32)
        self.aff = np.empty(self.pos.size, dtype=np.int32)
        self.corg = np.empty(self.pos.size, dtype=org.dtype)
        with _PARALLEL:
            _gather(
                self.pos,
                np.asarray(inst.cand_exp),
                np.asarray(inst.affinity),
                org,
                self.ce,
                self.aff,
                self.corg,
            )
            _sort_rows(self.ptr, self.ce, self.aff, self.corg, self.pos)
        self.weights = np.ones(n)
        self.cv = self.aff  # the values bid on: the affinities until a weight is set
        self.packed = (self.aff.astype(np.int64) << 32) | self.ce.astype(np.int64)
        self.eps = max(1, int(round(eps * SCALE)))
        self.slack = int(round(slack * SCALE))
        self.k = inst.k_array().astype(np.int64)
        self.cap = np.asarray(inst.capacity).astype(np.int64)
        kmax = max(int(self.k.max()) if n else 0, 1)
        self.held = np.full((n, kmax), -1, dtype=np.int64)
        self.horg = np.full((n, kmax), -1, dtype=np.int64)
        self.nheld = np.zeros(n, dtype=np.int64)
        self.hstart = np.zeros(inst.n_experts + 1, dtype=np.int64)
        np.cumsum(self.cap, out=self.hstart[1:])
        self.hsize = np.zeros(inst.n_experts, dtype=np.int64)
        self.hbid = np.zeros(int(self.hstart[-1]), dtype=np.int64)
        self.happ = np.zeros(int(self.hstart[-1]), dtype=np.int64)
        self.price = np.zeros(inst.n_experts, dtype=np.int64)
        self.queue = np.zeros(n + 1, dtype=np.int64)
        self.queue[:n] = np.arange(n)
        self.inq = np.ones(n, dtype=np.bool_)
        self.qh, self.qt = 0, n
        self.counters = np.zeros(1, dtype=np.int64)  # bids
        if weights is not None:
            w = np.asarray(weights, dtype=np.float64)
            self.reweight(np.flatnonzero(w != 1.0), w[w != 1.0])

    def _set_values(self, i: int) -> None:
        s, t = self.ptr[i], self.ptr[i + 1]
        self.cv[s:t] = np.rint(self.aff[s:t] * self.weights[i]).astype(np.int64)
        self.packed[s:t] = (self.cv[s:t] << 32) | self.ce[s:t].astype(np.int64)

    @property
    def bids(self) -> int:
        return int(self.counters[0])

    def run(self, progress=None, chunk: int = 2_000_000) -> None:
        """Bid until no application can improve; ``progress(filled, seats)`` between chunks of bids."""
        seats = int(self.k.sum())
        while self.qh != self.qt:
            self.qh, self.qt = _auction(
                self.ptr, self.packed, self.ce, self.corg, self.k, self.cap, self.eps, self.slack,
                self.held, self.horg, self.nheld, self.price, self.hstart, self.hsize, self.hbid,
                self.happ, self.queue, self.inq, self.qh, self.qt, chunk, self.counters,
            )  # fmt: skip
            if progress is not None:
                progress(int(self.nheld.sum()), seats)

    def reweight(self, apps, weights) -> None:
        """Set the weights of ``apps`` and make them bid again (the others keep their seats)."""
        apps = np.asarray(apps, dtype=np.int64)
        if not apps.size:
            return
        self.weights[apps] = np.clip(weights, 0.0, MAX_WEIGHT)
        if self.cv is self.aff:
            self.cv = self.aff.astype(np.int64)
        for i in apps:
            self._set_values(int(i))
        self.qt = _release(
            apps, self.ce, self.held, self.horg, self.nheld, self.price, self.cap, self.hstart,
            self.hsize, self.hbid, self.happ, self.queue, self.inq, self.qt,
        )  # fmt: skip

    def chosen(self) -> np.ndarray:
        """The chosen pairs, as indices into the instance's arrays."""
        return self.pos[self.held[self.held >= 0]]

    def per_app(self) -> np.ndarray:
        """True affinity per application of the current seats."""
        m = self.held >= 0
        return (
            np.bincount(np.nonzero(m)[0], weights=self.aff[self.held[m]], minlength=self.inst.n_apps) / SCALE
        )

    def bound(self) -> float:
        """Lagrangian dual bound on the best (weighted) total, empty seats counted at ``-slack``: no
        assignment does better, whatever it is."""
        out = np.zeros(self.inst.n_apps, dtype=np.int64)
        _best_values(self.ptr, self.ce, self.cv, self.corg, self.k, self.price, self.slack, out)
        return (float(out.sum()) + float((self.cap * self.price).sum())) / SCALE

    def objective(self) -> float:
        """The (weighted) total of the current seats with empty seats at ``-slack``, comparable with
        :meth:`bound`."""
        m = self.held >= 0
        empty = int(self.k.sum() - self.nheld.sum())
        return (float(self.cv[self.held[m]].sum()) - empty * self.slack) / SCALE


def warm_up() -> None:
    """Compile the kernels (or load them from numba's on-disk cache) on a tiny instance, so that the
    first real round does not pay for it (a first compile takes ~10-20 s; a cached load < 1 s)."""
    inst = Instance(
        n_apps=2,
        n_experts=3,
        cand_app=[0, 0, 1, 1],
        cand_exp=[0, 1, 1, 2],
        affinity=[0.9, 0.5, 0.7, 0.2],
        expert_org=[0, 1, 1],
        capacity=[1, 1, 1],
        k=1,
    )
    auc = Auction(inst)
    auc.reweight([1], [2.0])
    auc.run()
    auc.bound()

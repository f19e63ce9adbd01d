"""Helpers for the assignment engine's tests: random instances and an independent reference optimum
(an integer program solved by HiGHS through ``scipy.optimize.milp``)."""

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_matrix

from techfund.review.engine import Instance


def random_instance(rng, n_apps, n_experts, *, density=0.6, n_orgs=3, k=2, cap=(0, 3), forbid=0.0):
    mask = rng.random((n_apps, n_experts)) < density
    app, exp = np.nonzero(mask)
    aff = np.round(rng.random(app.size), 3)
    forbidden = rng.random(app.size) < forbid if forbid else None
    return Instance(
        n_apps=n_apps,
        n_experts=n_experts,
        cand_app=app,
        cand_exp=exp,
        affinity=aff,
        expert_org=rng.integers(-1, n_orgs, n_experts),
        capacity=rng.integers(cap[0], cap[1] + 1, n_experts),
        k=k,
        forbidden=forbidden,
    )


def reference(inst: Instance) -> tuple[int, float]:
    """(seats filled, total affinity) of the best assignment: most seats first, then most affinity."""
    idx = inst.usable()
    n = idx.size
    if not n:
        return 0, 0.0
    a = inst.cand_app[idx]
    e = inst.cand_exp[idx]
    aff = inst.affinity[idx].astype(float)
    org = inst.org_keys()[e]
    rows, cols, lo, hi = [], [], [], []
    r = 0
    k = inst.k_array()
    for i in range(inst.n_apps):
        members = np.flatnonzero(a == i)
        rows += [r] * members.size
        cols += list(members)
        hi.append(k[i])
        r += 1
        for o in np.unique(org[members]):
            same = members[org[members] == o]
            rows += [r] * same.size
            cols += list(same)
            hi.append(1)
            r += 1
    for x in range(inst.n_experts):
        members = np.flatnonzero(e == x)
        rows += [r] * members.size
        cols += list(members)
        hi.append(inst.capacity[x])
        r += 1
    lo = [0] * r
    A = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(r, n))
    big = 1000.0
    res = milp(
        c=-(big + aff),
        constraints=LinearConstraint(A, lo, hi),
        integrality=np.ones(n),
        bounds=Bounds(0, 1),
    )
    assert res.success
    x = np.round(res.x).astype(bool)
    return int(x.sum()), float(aff[x].sum())


@pytest.fixture
def rng():
    return np.random.default_rng(12345)

"""The data the assignment engine works on: a candidate graph (:class:`Instance`) and an assignment
(:class:`Result`), both plain numpy arrays so that a national round (300,000 applications, 100,000
experts, ~60 million candidate pairs) fits in memory as int32/float32 columns.

A candidate pair ``(cand_app[i], cand_exp[i])`` may be chosen; the caller leaves out pairs whose expert
does not match the application's subject codes or has a conflict of interest (回避), or marks them in
``forbidden``. ``capacity`` is what each expert may still take in this round; ``k`` how many reviewers
each application needs; ``expert_org`` the organisation of each expert (at most one expert of an
organisation per application; ``-1`` means unknown, treated as an organisation of its own).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Instance:
    n_apps: int
    n_experts: int
    cand_app: np.ndarray
    cand_exp: np.ndarray
    affinity: np.ndarray
    expert_org: np.ndarray
    capacity: np.ndarray
    k: int | np.ndarray
    forbidden: np.ndarray | None = None

    def __post_init__(self):
        self.n_apps = int(self.n_apps)
        self.n_experts = int(self.n_experts)
        self.cand_app = np.asarray(self.cand_app, dtype=np.int32).reshape(-1)
        self.cand_exp = np.asarray(self.cand_exp, dtype=np.int32).reshape(-1)
        aff = np.asarray(self.affinity)
        if aff.dtype not in (np.float32, np.float64):
            aff = aff.astype(np.float64)
        self.affinity = aff.reshape(-1)
        self.expert_org = np.asarray(self.expert_org, dtype=np.int32).reshape(-1)
        self.capacity = np.asarray(self.capacity, dtype=np.int32).reshape(-1)
        if self.forbidden is not None:
            self.forbidden = np.asarray(self.forbidden, dtype=bool).reshape(-1)
        n = self.cand_app.size
        if self.cand_exp.size != n or self.affinity.size != n:
            raise ValueError("cand_app, cand_exp and affinity must have the same length")
        if self.forbidden is not None and self.forbidden.size != n:
            raise ValueError("forbidden must have one entry per candidate pair")
        if self.expert_org.size != self.n_experts or self.capacity.size != self.n_experts:
            raise ValueError("expert_org and capacity must have one entry per expert")
        if n and (self.cand_app.min() < 0 or self.cand_app.max() >= self.n_apps):
            raise ValueError("cand_app out of range")
        if n and (self.cand_exp.min() < 0 or self.cand_exp.max() >= self.n_experts):
            raise ValueError("cand_exp out of range")
        if self.capacity.size and self.capacity.min() < 0:
            raise ValueError("capacity must be >= 0")

    @property
    def n_pairs(self) -> int:
        return int(self.cand_app.size)

    def k_array(self) -> np.ndarray:
        """Reviewers wanted per application, as int32[n_apps]."""
        if np.ndim(self.k) == 0:
            return np.full(self.n_apps, int(self.k), dtype=np.int32)
        k = np.asarray(self.k, dtype=np.int32).reshape(-1)
        if k.size != self.n_apps:
            raise ValueError("k must be a scalar or have one entry per application")
        return k

    def org_keys(self) -> np.ndarray:
        """Organisation of each expert as int64 with unknown (-1) replaced by a unique id per expert."""
        org = self.expert_org.astype(np.int64)
        top = int(org.max()) + 1 if org.size else 0
        unknown = org < 0
        org[unknown] = top + np.flatnonzero(unknown)
        return org

    def usable(self) -> np.ndarray:
        """Indices of the candidate pairs that may be used (not forbidden, expert has capacity)."""
        ok = self.capacity[self.cand_exp] > 0
        if self.forbidden is not None:
            ok &= ~self.forbidden
        return np.flatnonzero(ok)


@dataclass
class Result:
    app: np.ndarray
    exp: np.ndarray
    affinity: np.ndarray
    total: float
    per_app: np.ndarray
    unfilled: np.ndarray
    stats: dict = field(default_factory=dict)

    @classmethod
    def from_pairs(cls, inst: Instance, app, exp, affinity, stats=None) -> Result:
        app = np.asarray(app, dtype=np.int32)
        exp = np.asarray(exp, dtype=np.int32)
        affinity = np.asarray(affinity, dtype=np.float64)
        order = np.lexsort((exp, app))
        app, exp, affinity = app[order], exp[order], affinity[order]
        per_app = np.bincount(app, weights=affinity, minlength=inst.n_apps).astype(np.float64)
        filled = np.bincount(app, minlength=inst.n_apps)
        unfilled = np.maximum(inst.k_array() - filled, 0).astype(np.int32)
        return cls(
            app=app,
            exp=exp,
            affinity=affinity,
            total=float(affinity.sum()),
            per_app=per_app,
            unfilled=unfilled,
            stats=dict(stats or {}),
        )


def check(inst: Instance, app, exp) -> list[str]:
    """The rules an assignment ``(app, exp)`` breaks (empty when it is valid): pairs outside the
    candidate graph or forbidden, an expert twice on one application, more than ``k`` reviewers on an
    application, an expert over capacity, two experts of one organisation on one application."""
    app = np.asarray(app, dtype=np.int64)
    exp = np.asarray(exp, dtype=np.int64)
    problems = []
    n_exp = max(inst.n_experts, 1)
    keys = app * n_exp + exp
    allowed = inst.cand_app.astype(np.int64) * n_exp + inst.cand_exp
    if inst.forbidden is not None:
        allowed = allowed[~inst.forbidden]
    if not np.isin(keys, allowed).all():
        problems.append("pair outside the candidate graph or forbidden")
    if np.unique(keys).size != keys.size:
        problems.append("expert twice on one application")
    if (np.bincount(app, minlength=inst.n_apps) > inst.k_array()).any():
        problems.append("more reviewers than k")
    if (np.bincount(exp, minlength=inst.n_experts) > inst.capacity).any():
        problems.append("expert over capacity")
    org = inst.org_keys()[exp]
    org_keys = app * (int(org.max()) + 1 if org.size else 1) + org
    if np.unique(org_keys).size != org_keys.size:
        problems.append("two experts of one organisation on one application")
    return problems

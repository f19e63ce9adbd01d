import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from techfund.review.engine import Instance, check, solve_optimal

from .conftest import random_instance, reference


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_apps=st.integers(1, 6),
    n_experts=st.integers(1, 8),
    k=st.integers(1, 3),
    n_orgs=st.integers(1, 4),
)
def test_optimal_matches_integer_program_and_keeps_every_rule(seed, n_apps, n_experts, k, n_orgs):
    rng = np.random.default_rng(seed)
    inst = random_instance(rng, n_apps, n_experts, k=k, n_orgs=n_orgs, forbid=0.15)
    res = solve_optimal(inst)
    seats, total = reference(inst)
    assert check(inst, res.app, res.exp) == []
    assert res.app.size == seats
    assert res.total == pytest.approx(total, abs=1e-6)
    assert (res.unfilled == inst.k_array() - np.bincount(res.app, minlength=n_apps)).all()
    assert res.per_app.sum() == pytest.approx(res.total)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_pruned_column_generation_reaches_the_full_graph_optimum(seed):
    rng = np.random.default_rng(seed)
    # 60 applications share 25 experts of 5 organisations; capacities are tight, so pruning to the best 2
    # candidates per application is infeasible at first and the priced columns must repair it.
    inst = random_instance(rng, 60, 25, density=0.5, n_orgs=5, k=3, cap=(6, 9))
    full = solve_optimal(inst, prune=0)
    pruned = solve_optimal(inst, prune=2, max_rounds=60, tol=0)
    assert full.stats["certified"]
    assert pruned.stats["certified"]
    assert pruned.stats["solves"] > 1
    assert check(inst, pruned.app, pruned.exp) == []
    assert pruned.app.size == full.app.size
    assert pruned.total == pytest.approx(full.total, abs=1e-6)
    assert pruned.total == pytest.approx(reference(inst)[1], abs=1e-6)


def _inst(pairs, *, orgs, caps, k):
    app, exp, aff = zip(*pairs, strict=True)
    return Instance(
        n_apps=max(app) + 1,
        n_experts=len(orgs),
        cand_app=app,
        cand_exp=exp,
        affinity=aff,
        expert_org=orgs,
        capacity=caps,
        k=k,
    )


def test_one_expert_per_organisation_binds():
    # Experts 0 and 1 (same organisation) are the application's two best; the rule forces expert 2 in.
    inst = _inst([(0, 0, 0.9), (0, 1, 0.8), (0, 2, 0.1)], orgs=[7, 7, 3], caps=[1, 1, 1], k=2)
    res = solve_optimal(inst)
    assert res.exp.tolist() == [0, 2]
    assert res.total == pytest.approx(1.0)
    # Unknown organisations (-1) are each their own.
    free = _inst([(0, 0, 0.9), (0, 1, 0.8), (0, 2, 0.1)], orgs=[-1, -1, 3], caps=[1, 1, 1], k=2)
    assert solve_optimal(free).exp.tolist() == [0, 1]


def test_unfilled_seats_are_reported_not_raised():
    # Application 0 has one candidate for three seats; application 1's only expert is full.
    inst = _inst([(0, 0, 0.5), (1, 1, 0.7), (2, 1, 0.9)], orgs=[0, 1], caps=[1, 1], k=3)
    res = solve_optimal(inst)
    assert res.unfilled.tolist() == [2, 3, 2]
    assert check(inst, res.app, res.exp) == []
    assert sorted(zip(res.app.tolist(), res.exp.tolist(), strict=True)) == [(0, 0), (2, 1)]


def test_most_seats_come_before_affinity():
    # Giving expert 0 to application 0 (0.9) would leave application 1 empty: 0.2 + 0.1 fills both.
    inst = _inst([(0, 0, 0.9), (0, 1, 0.2), (1, 0, 0.1)], orgs=[0, 1], caps=[1, 1], k=1)
    res = solve_optimal(inst)
    assert res.unfilled.tolist() == [0, 0]
    assert res.total == pytest.approx(0.3)


def test_forbidden_pairs_and_empty_capacity_are_never_used():
    inst = _inst([(0, 0, 0.9), (0, 1, 0.8), (0, 2, 0.7)], orgs=[0, 1, 2], caps=[1, 0, 1], k=2)
    inst.forbidden = np.array([True, False, False])
    res = solve_optimal(inst)
    assert res.exp.tolist() == [2]
    assert res.unfilled.tolist() == [1]


def test_progress_is_reported():
    calls = []
    inst = _inst([(0, 0, 0.9), (1, 1, 0.8)], orgs=[0, 1], caps=[1, 1], k=1)
    solve_optimal(inst, progress=lambda done, total, msg: calls.append((done, total, msg)))
    assert calls and calls[-1][0] == calls[-1][1]
    assert all(isinstance(m, str) for _, _, m in calls)


def _fair_instance():
    # Ten applications with their own experts (0.9 each) and two that compete: S and W both want P.
    pairs = [(i, i, 0.9) for i in range(10)]
    S, W, P, Q = 10, 11, 10, 11
    pairs += [(S, P, 0.9), (S, Q, 0.5), (W, P, 0.5), (W, Q, 0.3)]
    return _inst(pairs, orgs=list(range(12)), caps=[1] * 12, k=1)


def test_fairness_raises_the_weakest_application_within_the_budget():
    inst = _fair_instance()
    plain = solve_optimal(inst)
    assert plain.per_app.min() == pytest.approx(0.3)
    fair = solve_optimal(inst, fairness=True, fairness_budget=0.03)
    assert fair.per_app.min() == pytest.approx(0.5)
    assert fair.total >= (1 - 0.03) * plain.total
    assert check(inst, fair.app, fair.exp) == []
    info = fair.stats["fairness"]
    assert info["plain_min"] == pytest.approx(0.3) and info["min"] == pytest.approx(0.5)


def test_fairness_keeps_the_plain_optimum_when_the_budget_is_too_small():
    inst = _fair_instance()
    plain = solve_optimal(inst)
    fair = solve_optimal(inst, fairness=True, fairness_budget=0.003)
    assert fair.total == pytest.approx(plain.total)
    assert fair.per_app.min() == pytest.approx(0.3)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_apps=st.integers(2, 12), n_experts=st.integers(2, 10))
def test_pruning_to_one_candidate_still_reaches_the_optimum(seed, n_apps, n_experts):
    # Tight capacities: pruning to each application's best candidate leaves seats empty, so the slack,
    # the priced columns and the final maximum-flow solve must all work for the reference's answer.
    rng = np.random.default_rng(seed)
    inst = random_instance(rng, n_apps, n_experts, density=0.7, k=2, n_orgs=3, cap=(0, 2))
    res = solve_optimal(inst, prune=1, max_rounds=50, tol=0)
    seats, total = reference(inst)
    assert check(inst, res.app, res.exp) == []
    assert res.app.size == seats
    assert res.total == pytest.approx(total, abs=1e-6)

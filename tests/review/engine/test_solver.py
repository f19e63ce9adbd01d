import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from techfund.review.engine import Auction, Instance, check, solve_optimal
from techfund.review.engine.auction import EPS, SLACK

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
    full = solve_optimal(inst, method="flow")
    pruned = solve_optimal(inst, method="flow", prune=2, max_rounds=60)
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
    res = solve_optimal(inst, method="flow", prune=1, max_rounds=50)
    seats, total = reference(inst)
    assert check(inst, res.app, res.exp) == []
    assert res.app.size == seats
    assert res.total == pytest.approx(total, abs=1e-6)


# ----------------------------------------------------------------------------- the auction (large rounds)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_apps=st.integers(1, 10),
    n_experts=st.integers(1, 10),
    k=st.integers(1, 3),
    n_orgs=st.integers(1, 4),
)
def test_auction_is_within_its_proven_bound_of_the_integer_optimum(seed, n_apps, n_experts, k, n_orgs):
    rng = np.random.default_rng(seed)
    inst = random_instance(rng, n_apps, n_experts, k=k, n_orgs=n_orgs, cap=(0, 3), forbid=0.1)
    res = solve_optimal(inst, method="auction", polish=False)
    seats, total = reference(inst)
    assert check(inst, res.app, res.exp) == []
    # As many seats as the optimum fills, and within eps per seat of its affinity.
    assert res.app.size == seats
    assert res.total >= total - seats * EPS - 1e-6
    # The dual bound is a true upper bound on the optimum (empty seats counted at -SLACK).
    empty = int(inst.k_array().sum()) - seats
    assert res.stats["bound"] >= total - SLACK * empty - 1e-6
    assert 0 < res.stats["proven_share"] <= 1 + 1e-9 or res.stats["bound"] <= 0


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_apps=st.integers(2, 14), n_experts=st.integers(2, 10))
def test_polished_auction_is_the_certified_optimum(seed, n_apps, n_experts):
    rng = np.random.default_rng(seed)
    inst = random_instance(rng, n_apps, n_experts, density=0.7, k=2, n_orgs=3, cap=(0, 3))
    res = solve_optimal(inst, method="auction", polish=True)
    seats, total = reference(inst)
    assert res.stats["certified"]
    assert check(inst, res.app, res.exp) == []
    assert res.app.size == seats
    assert res.total == pytest.approx(total, abs=1e-6)


def test_auction_on_a_larger_round_matches_the_exact_flow():
    rng = np.random.default_rng(7)
    inst = random_instance(rng, 300, 120, density=0.25, n_orgs=12, k=3, cap=(3, 12))
    exact = solve_optimal(inst, method="flow")
    auc = solve_optimal(inst, method="auction", polish=False)
    polished = solve_optimal(inst, method="auction")
    assert check(inst, auc.app, auc.exp) == []
    assert auc.stats["bids"] >= auc.app.size
    assert exact.total - 900 * EPS <= auc.total <= exact.total + 1e-6
    assert auc.stats["bound"] >= exact.total - 1e-6
    assert polished.stats["certified"] and polished.total == pytest.approx(exact.total, abs=1e-6)


def test_reweighting_makes_only_those_applications_bid_again_and_keeps_every_rule():
    rng = np.random.default_rng(11)
    inst = random_instance(rng, 200, 60, density=0.3, n_orgs=6, k=2, cap=(2, 6))
    auc = Auction(inst)
    auc.run()
    before = auc.per_app()
    weak = int(np.argmin(np.where(inst.k_array() > 0, before, np.inf)))
    bids = auc.bids
    auc.reweight([weak], [50.0])
    auc.run()
    chosen = auc.chosen()
    assert check(inst, inst.cand_app[chosen], inst.cand_exp[chosen]) == []
    assert auc.bids > bids
    # With a large weight the application takes its best org-distinct candidates.
    assert auc.per_app()[weak] >= before[weak]
    # Back to weight 1. A warm start frees the re-bidding application's experts at price 0, so the
    # eps guarantee of a fresh auction no longer holds (fairness measures its own results); the dual
    # bound still does, and the answer stays close.
    auc.reweight([weak], [1.0])
    auc.run()
    exact = solve_optimal(inst, method="flow")
    chosen = auc.chosen()
    assert check(inst, inst.cand_app[chosen], inst.cand_exp[chosen]) == []
    assert auc.bound() >= auc.objective() - 1e-6
    assert auc.bound() >= exact.total - SLACK * int(exact.unfilled.sum()) - 1e-6
    assert auc.per_app().sum() >= 0.99 * exact.total


def test_fairness_on_a_round_with_a_short_subject():
    # Two subjects: the first has few experts for many applications, so the plain optimum leaves some of
    # them with weak reviewers borrowed from the second.
    rng = np.random.default_rng(5)
    n_apps, n_exp = 80, 40
    app, exp = np.nonzero(np.ones((n_apps, n_exp), dtype=bool))
    same = (app < 40) == (exp < 10)
    aff = np.where(same, 0.6 + 0.4 * rng.random(app.size), 0.1 * rng.random(app.size))
    inst = Instance(
        n_apps=n_apps,
        n_experts=n_exp,
        cand_app=app,
        cand_exp=exp,
        affinity=aff,
        expert_org=np.arange(n_exp),
        capacity=np.full(n_exp, 6),
        k=2,
    )
    plain = solve_optimal(inst)
    fair = solve_optimal(inst, fairness=True, fairness_budget=0.05)
    info = fair.stats["fairness"]
    assert check(inst, fair.app, fair.exp) == []
    assert fair.per_app.min() > plain.per_app.min() + 0.05
    assert fair.total >= (1 - 0.05) * plain.total
    assert info["min"] == pytest.approx(fair.per_app.min(), abs=1e-5)
    assert info["cost"] <= 0.05


def test_auctions_in_two_threads_at_once():
    # Jobs may run in threads of one process; numba's parallel kernels must not be launched from two
    # threads at once (it would abort the process): the engine serialises them.
    from concurrent.futures import ThreadPoolExecutor

    insts = [
        random_instance(np.random.default_rng(s), 400, 150, density=0.3, n_orgs=10, k=3, cap=(2, 10))
        for s in range(4)
    ]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda i: solve_optimal(i, method="auction", polish=False), insts))
    for inst, res in zip(insts, results, strict=True):
        assert check(inst, res.app, res.exp) == []
        assert res.stats["proven_share"] > 0.999

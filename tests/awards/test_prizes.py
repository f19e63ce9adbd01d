"""Prizes by rank to the fen: the pure arithmetic (ties included) and the schedule of a real call."""

from decimal import Decimal

from techfund.awards import prizes, services

D = Decimal


def tiers(*rows):
    return [prizes.Tier(a, b, D(x), n) for a, b, x, n in rows]


T = tiers((1, 1, "1000000.00", "一等奖"), (2, 3, "600000.00", "二等奖"), (4, 8, "300000.00", "三等奖"))


def test_no_ties_each_position_its_tier():
    t = T[:2] + [prizes.Tier(4, 4, D("300000.00"), "三等奖")]
    got = prizes.places(
        [("a", "SB1", 1), ("b", "SB2", 2), ("c", "SB3", 3), ("d", "SB4", 4), ("e", "SB5", 5)], t
    )
    assert [p.prize for p in got] == [
        D("1000000.00"),
        D("600000.00"),
        D("600000.00"),
        D("300000.00"),
        D("0.00"),
    ]
    assert got[0].tier_names == ("一等奖",)


def test_tie_across_tiers_shares_the_combined_prizes():
    # two tied first occupy positions 1 and 2: (1,000,000 + 600,000) / 2 each; next is 3rd
    got = prizes.places([("a", "SB2", 1), ("b", "SB1", 1), ("c", "SB3", 3)], T)
    assert [(p.key, p.prize, p.positions) for p in got] == [
        ("b", D("800000.00"), (1, 2)),
        ("a", D("800000.00"), (1, 2)),
        ("c", D("600000.00"), (3,)),
    ]
    assert got[0].tier_names == ("一等奖", "二等奖")


def test_tie_remainder_fens_to_first_by_number():
    t = tiers((1, 3, "33.34", "奖"), (4, 4, "0.01", "末"))
    # 3 tied at rank 1 share 3 × 33.34 = 100.02 → 33.34 each; 4 tied at rank 1 share 100.03 → 25.00 …
    got = prizes.places([("x", "SB3", 1), ("y", "SB1", 1), ("z", "SB2", 1), ("w", "SB4", 1)], t)
    assert [p.prize for p in got] == [D("25.03"), D("25.00"), D("25.00"), D("25.00")]
    assert got[0].key == "y" and got[0].remainder == D("0.03")
    assert prizes.total(got) == D("100.03")
    t3 = [prizes.Tier(1, 1, D("33.34"), "a"), prizes.Tier(2, 3, D("33.33"), "b")]
    got = prizes.places([("p", "SB7", 1), ("q", "SB5", 1), ("r", "SB6", 1)], t3)
    assert [(p.key, p.prize) for p in got] == [("q", D("33.34")), ("r", D("33.33")), ("p", D("33.33"))]
    assert prizes.total(got) == D("100.00")


def test_tie_at_the_edge_of_the_prizes():
    # ranks 8, 8 occupy positions 8 and 9: only position 8 has a prize (300,000) → 150,000 each
    rows = [(str(i), f"SB{i:02d}", i) for i in range(1, 8)] + [("h", "SB08", 8), ("i", "SB09", 8)]
    got = prizes.places(rows, T)
    assert [p.prize for p in got[-2:]] == [D("150000.00"), D("150000.00")]
    assert prizes.total(got) == D("1000000.00") + 2 * D("600000.00") + 5 * D("300000.00")


def test_subsidy_rounds_half_up_and_caps():
    assert prizes.subsidy(D("1234567.89"), D("0.30"), cap=None, arranged=D("5000000.00")) == D("370370.37")
    assert prizes.subsidy(D("0.05"), D("0.30"), cap=None, arranged=D("1.00")) == D("0.02")  # 0.015 → 0.02
    assert prizes.subsidy(D("20000000.00"), D("0.30"), cap=D("3000000.00"), arranged=D("9000000.00")) == D(
        "3000000.00"
    )
    assert prizes.subsidy(D("20000000.00"), D("0.30"), cap=None, arranged=D("2000000.00")) == D("2000000.00")


def test_schedule_of_a_call_with_a_tie(call, finalists):
    sched = services.prize_schedule(call)
    assert sched.tiers_from == "call"
    got = [(ln.application.number, ln.placing.rank, ln.prize) for ln in sched.lines]
    nums = [a.number for a in finalists]
    assert got == [
        (nums[0], 1, D("1000000.00")),
        (nums[1], 2, D("600000.00")),  # 90 and 90 share 2nd and 3rd: 600,000 each
        (nums[2], 2, D("600000.00")),
        (nums[3], 4, D("300000.00")),
        (nums[4], 5, D("300000.00")),
        (nums[5], 6, D("0.00")),
    ]
    assert sched.total == D("2800000.00")
    assert (sched.finalists, sched.diligence_required, sched.diligence_done) == (6, 2, 0)


def test_policy_prizes_when_the_call_has_none(fund_year):
    from tests.awards.conftest import competition_call, finalists_of

    call = competition_call(fund_year, tiers=[])
    apps = finalists_of(fund_year, call, ["88.00", "88.00", "70.00"])
    sched = services.prize_schedule(call)
    assert sched.tiers_from == "policy"
    # Rizhao's policy: 一等奖 1,000,000; 二等奖 600,000 (2nd–3rd). Tied first share 1st + 2nd.
    first = min(apps[0].number, apps[1].number)
    assert [(ln.application.number == first, ln.prize) for ln in sched.lines] == [
        (True, D("800000.00")),
        (False, D("800000.00")),
        (False, D("600000.00")),
    ]
    assert sched.lines[0].tier == "一等奖、二等奖"

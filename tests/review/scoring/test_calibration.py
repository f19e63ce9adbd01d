"""评分校准: each expert's z-score over their own sample (this round, else the fund year; none below
the policy's guard — 样本不足, the raw total counts), put back on the round's scale. Numbers by hand."""

import math
from decimal import Decimal

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from techfund.review import services
from techfund.review.services import calibration
from techfund.review.services.calibration import Review, Scale, calibrate, on_scale, scale, z_score
from tests.review.conftest import assignment_of, make_application, make_expert, score

D = Decimal


# ---------------------------------------------------------------- the pure arithmetic


def test_scale_is_the_population_mean_and_deviation():
    # 85, 75, 85, 75, 65, 55, 55, 65, 55, 65: mean 68; deviations² 289, 49, 289, 49, 9, 169, 169, 9,
    # 169, 9 = 1210; ÷ 10 = 121 → sd 11 (population: ÷ n, not n − 1)
    s = scale([D(x) for x in (85, 75, 85, 75, 65, 55, 55, 65, 55, 65)])
    assert (s.mean, s.sd, s.n) == (D("68"), D("11"), 10)
    assert scale([]) is None
    assert scale([D("70")]) == Scale(D("70"), D("0"), 1)


def test_z_score_and_back_on_the_rounds_scale():
    sample = Scale(D("80"), D("5"), 4)
    assert z_score(D("85"), sample) == D("1") and z_score(D("72.5"), sample) == D("-1.5")
    assert z_score(D("99"), Scale(D("80"), D("0"), 3)) == 0  # all alike: no information, the mean
    reference = Scale(D("68"), D("11"), 10)
    assert on_scale(D("1"), reference) == D("79.00")
    assert on_scale(D("-1.5"), reference) == D("51.50")
    assert on_scale(D("0.3333"), reference) == D("71.67")  # 71.6663 → 71.67 (half up)
    assert on_scale(D("3"), reference) == D("100.00")  # 101 clipped
    assert on_scale(D("-7"), reference) == D("0.00")  # −9 clipped


def round_reviews() -> list[Review]:
    """E1 lenient (85/75/85/75), E2 harsh (65/55/55/65) on applications a–d; E3 once (55 on a), E4
    once (65 on b). Round: mean 68, sd 11 (above)."""
    rows = [
        ("E1", "a", 85),
        ("E1", "b", 75),
        ("E1", "c", 85),
        ("E1", "d", 75),
        ("E2", "a", 65),
        ("E2", "b", 55),
        ("E2", "c", 55),
        ("E2", "d", 65),
        ("E3", "a", 55),
        ("E4", "b", 65),
    ]
    return [Review(key=i, expert=e, application=app, total=D(t)) for i, (e, app, t) in enumerate(rows)]


def test_calibrate_a_round_by_hand():
    reviews = round_reviews()
    # E3 has one review here but four in the fund year (55, 55, 75, 75: mean 65, sd 10);
    # E4 has two in the year (65, 45): below the guard of 3 — 样本不足.
    year = {"E3": [D(55), D(55), D(75), D(75)], "E4": [D(65), D(45)]}
    cal = calibrate(reviews, min_reviews=3, year_totals=year)
    assert cal.round_scale == Scale(D("68"), D("11"), 10)
    got = {k: (c.z, c.score, c.source, c.sample_size) for k, c in cal.reviews.items()}
    # E1: mean 80, sd 5 → z ±1 → 68 ± 11 = 79 / 57.  E2: mean 60, sd 5 → the same.
    assert got[0] == (D(1), D("79.00"), "round", 4) and got[1] == (D(-1), D("57.00"), "round", 4)
    assert got[4] == (D(1), D("79.00"), "round", 4) and got[5] == (D(-1), D("57.00"), "round", 4)
    # E3 from the year: (55 − 65) / 10 = −1 → 57.  E4: 样本不足, the raw 65.
    assert got[8] == (D(-1), D("57.00"), "year", 4)
    assert got[9] == (None, D("65.00"), "", 2) and cal.reviews[9].insufficient
    # per application: a = 79, 79, 57 → 215 / 3 = 71.67; b = 57, 57, 65 → 179 / 3 = 59.67
    keys = {app: [r.key for r in reviews if r.application == app] for app in "abcd"}
    assert [cal.mean(keys[a]) for a in "abcd"] == [D("71.67"), D("59.67"), D("68.00"), D("68.00")]
    assert [cal.insufficient(keys[a]) for a in "abcd"] == [0, 1, 0, 0]


def test_without_a_guard_nothing_is_calibrated():
    cal = calibrate(round_reviews(), min_reviews=None)
    assert not cal.enabled and cal.reviews == {} and cal.mean([0, 1]) is None
    assert calibration.min_reviews_of(None) is None


def test_every_expert_below_the_guard_leaves_the_raw_mean():
    cal = calibrate(round_reviews(), min_reviews=5, year_totals={})
    assert all(c.insufficient for c in cal.reviews.values())
    assert cal.mean([0, 4, 8]) == D("68.33")  # (85 + 65 + 55) / 3


#: A total of 0–100 with two places (drawn as cents: cheap to generate).
totals = st.integers(min_value=0, max_value=10000).map(lambda cents: D(cents) / 100)
cents = st.integers(min_value=-3000, max_value=3000).map(lambda c: D(c) / 100)


@settings(deadline=None)
@given(
    experts=st.lists(st.lists(totals, min_size=1, max_size=6), min_size=1, max_size=4),
    which=st.integers(min_value=0, max_value=3),
    shift=cents,
    guard=st.integers(min_value=2, max_value=4),
)
def test_adding_a_constant_to_one_experts_totals_changes_no_z_score(experts, which, shift, guard):
    """Calibration is invariant to an expert's leniency: shift all of one expert's totals (in the
    round and in the year) and every review keeps its z-score; against the same reference scale, the
    shifted expert's calibrated scores are unchanged."""
    which %= len(experts)

    def build(delta):
        reviews, year = [], {}
        for e, values in enumerate(experts):
            values = [v + (delta if e == which else 0) for v in values]
            reviews += [Review(key=(e, i), expert=e, application=i, total=v) for i, v in enumerate(values)]
            year[e] = values + values  # the year holds these and as many again
        return calibrate(reviews, min_reviews=guard, year_totals=year)

    before, after = build(D(0)), build(shift)
    assert before.reviews.keys() == after.reviews.keys()
    reference = Scale(D("70"), D("10"), 1)
    for key, b in before.reviews.items():
        a = after.reviews[key]
        assert (a.z is None) == (b.z is None) and a.source == b.source
        if b.z is not None:
            assert math.isclose(a.z, b.z, rel_tol=0, abs_tol=1e-12)
            edge = float(b.z) * 1000 % 1  # 70 + 10 z rounds at the cent: 1000 z ending in .5
            assume(abs(edge - 0.5) > 1e-9)
            assert on_scale(a.z, reference) == on_scale(b.z, reference)


@settings(deadline=None)
@given(values=st.lists(totals, min_size=2, max_size=8), factor=st.sampled_from([D("0.5"), D("1.25"), D(2)]))
def test_scaling_one_experts_totals_changes_no_z_score(values, factor):
    before = z_scores(values)
    after = z_scores([v * factor for v in values])
    assert all(math.isclose(a, b, abs_tol=1e-12) for a, b in zip(after, before, strict=True))


def z_scores(values):
    s = scale(values)
    return [z_score(v, s) for v in values]


# ---------------------------------------------------------------- the samples, from the database


@pytest.fixture
def guard_of_two(fund_year):
    """TEST SETUP: the profile's guard lowered to 2 (the policy allows 2–100) to keep rounds small."""
    profile = fund_year.profile
    profile.rules["review"]["calibration_min_reviews"] = 2
    profile.save(update_fields=["rules"])
    return profile


def one_criterion_round(call, office, name, previous=None):
    return services.create_round(
        call,
        actor=office,
        name=name,
        method="remote",
        criteria=[{"code": "all", "name": "综合", "weight": 100}],
        previous=previous,
    )


def run(round_, office, plan):
    """plan: [(application, expert, total)]: assign, open, score; the round stays open."""
    for app, ex, _t in plan:
        services.assign(round_, actor=office, application=app, expert=ex)
    services.open_round(round_, actor=office)
    for app, ex, total in plan:
        score(assignment_of(round_, app, ex), {"all": total})


def test_samples_come_from_the_round_then_the_fund_year(call, office, guard_of_two):
    a, b = make_application(call), make_application(call)
    e1, e2, e3 = (make_expert(office, name=n) for n in ("甲", "乙", "丙"))
    first = one_criterion_round(call, office, "初评")
    run(first, office, [(a, e2, "78")])
    services.close_round(first, actor=office)
    second = one_criterion_round(call, office, "复评", previous=first)
    # round totals 90, 70, 58, 54: mean 68; deviations 22, 2, −10, −14 → 784 / 4 = 196 → sd 14
    run(second, office, [(a, e1, "90"), (b, e1, "70"), (a, e2, "58"), (b, e3, "54")])
    cal = calibration.for_round(second)
    assert cal.round_scale == Scale(D("68"), D("14"), 4)

    def of(app, ex):
        c = cal.get(assignment_of(second, app, ex).pk)
        return (c.z, c.score, c.source, c.sample_size)

    # 甲 twice in the round (90, 70: mean 80, sd 10): z ±1 → 82 / 54
    assert of(a, e1) == (D(1), D("82.00"), "round", 2) and of(b, e1) == (D(-1), D("54.00"), "round", 2)
    # 乙 once here, twice in the year (78, 58: mean 68, sd 10): z −1 → 54
    assert of(a, e2) == (D(-1), D("54.00"), "year", 2)
    # 丙 once in all: 样本不足, the raw 54
    assert of(b, e3) == (None, D("54.00"), "", 1)
    results = {r.application: r for r in services.close_round(second, actor=office)}
    assert results[a].calibrated_score == D("68.00")  # (82 + 54) / 2
    assert results[b].calibrated_score == D("54.00")  # (54 + 54) / 2
    assert (results[a].score, results[b].score) == (D("74.00"), D("62.00"))  # the raw means rank
    assert "校准后得分 54.00 分（其中 1 份意见的专家评分样本不足 2 份，按原始分计入）。" in results[b].reasons

    # later reviews do not move a closed round's calibration: 丙 scores twice more in a later round
    c = make_application(call)
    third = one_criterion_round(call, office, "补评")
    run(third, office, [(c, e3, "90")])
    second.refresh_from_db()  # closed_at: the calibration is read as of the close
    again = calibration.for_round(second)
    assert again.reviews == cal.reviews
    live = calibration.for_round(third)  # 丙 now has 54 and 90 in the year: z +1 on a one-review round
    assert live.get(assignment_of(third, c, e3).pk).source == "year"

"""The round's arithmetic: weighted totals, their mean (half up), ranks per focus area with ties,
recommendations by the policy's lines (or the defaults), and the area ranking across calls."""

from decimal import Decimal

import pytest

from techfund.core.enums import Role
from techfund.core.models import Department
from techfund.review import services
from techfund.review.services.aggregate import Thresholds, assign_ranks, recommend, thresholds
from tests import factories
from tests.review.conftest import (
    assignment_of,
    make_application,
    make_call,
    make_expert,
    score,
    scores,
)


def one_criterion_round(call, office, name="通讯评审", previous=None):
    return services.create_round(
        call,
        actor=office,
        name=name,
        method="remote",
        criteria=[{"code": "all", "name": "综合", "weight": 100}],
        previous=previous,
    )


def run_round(round_, office, plan: dict, experts):
    """plan: application → list of totals (one per expert, in order); scores them and closes."""
    for app, totals in plan.items():
        for ex in experts[: len(totals)]:
            services.assign(round_, actor=office, application=app, expert=ex)
    services.open_round(round_, actor=office)
    for app, totals in plan.items():
        for ex, total in zip(experts, totals, strict=False):
            score(assignment_of(round_, app, ex), {"all": total})
    return services.close_round(round_, actor=office)


@pytest.fixture
def panel(office):
    return [make_expert(office, name=f"评委{i}") for i in range(3)]


def test_the_mean_is_rounded_half_up(call, office, panel):
    a, b, c = (make_application(call) for _ in range(3))
    results = run_round(
        one_criterion_round(call, office),
        office,
        {a: ["80.01", "80.00"], b: ["80.43", "77.12", "90.00"], c: ["59.99"]},
        panel,
    )
    got = {r.application.number: (r.score, r.reviews, r.rank, r.recommendation) for r in results}
    assert got == {
        "A-0001": (Decimal("80.01"), 2, 2, "support"),  # 80.005 → 80.01 (half up, not to even)
        "A-0002": (Decimal("82.52"), 3, 1, "support"),  # 247.55 / 3 = 82.5166…
        "A-0003": (Decimal("59.99"), 1, 3, "not_support"),
    }


def test_the_mean_of_weighted_totals(draft_round, office, app1, expert_a, expert_b, expert_c):
    for ex in (expert_a, expert_b, expert_c):
        services.assign(draft_round, actor=office, application=app1, expert=ex)
    services.open_round(draft_round, actor=office)
    # 45 + 24 + 18 = 87.00 ; 40 + 21 + 14 = 75.00 ; 36.25 + 22.5 + 20 = 78.75
    score(assignment_of(draft_round, app1, expert_a), scores(90, 80, 9))
    score(assignment_of(draft_round, app1, expert_b), scores(80, 70, 7))
    score(assignment_of(draft_round, app1, expert_c), scores("72.5", 75, 10))
    (result,) = services.close_round(draft_round, actor=office)
    assert result.score == Decimal("80.25") and result.reviews == 3  # 240.75 / 3
    assert result.recommendation == "support"


def test_ties_share_a_rank_listed_by_number(call, office, panel):
    apps = [make_application(call) for _ in range(4)]  # A-0001 … A-0004
    results = run_round(
        one_criterion_round(call, office),
        office,
        {apps[3]: ["60"], apps[1]: ["70"], apps[2]: ["90"], apps[0]: ["70"]},  # scored out of number order
        panel,
    )
    assert [(r.application.number, r.rank) for r in results] == [
        ("A-0003", 1),
        ("A-0001", 2),
        ("A-0002", 2),
        ("A-0004", 4),
    ]


def test_declined_and_unscored_assignments_do_not_count(
    open_round, office, app1, app2, expert_a, expert_b, expert_c
):
    score(assignment_of(open_round, app1, expert_a), scores(90, 80, 9))  # 87.00
    services.decline(assignment_of(open_round, app1, expert_b), actor=expert_b.user, reason="回避")
    services.assign(open_round, actor=office, application=app2, expert=expert_c)  # never scores
    score(assignment_of(open_round, app2, expert_a), scores(50, 50, 5))
    results = services.close_round(open_round, actor=office)
    assert [(r.application.number, r.score, r.reviews) for r in results] == [
        ("A-0001", Decimal("87.00"), 1),
        ("A-0002", Decimal("50.00"), 1),
    ]


@pytest.mark.parametrize(
    "value, expected",
    [
        ("80.00", "support"),
        ("79.99", "support_revised"),
        ("60.00", "support_revised"),
        ("59.99", "not_support"),
        ("0", "not_support"),
    ],
)
def test_default_lines(value, expected):
    assert recommend(Decimal(value), Thresholds()) == expected


def test_lines_from_the_policy_profile(rizhao, call, office, panel):
    # the presets carry no lines yet: the defaults apply (and Rizhao's ≥ 3 valid opinions is kept)
    assert thresholds(rizhao) == Thresholds(min_reviews=3)
    assert thresholds(None) == Thresholds()
    # TEST SETUP ONLY: the policy schema's review table gains these keys with the policy stage.
    rizhao.rules["review"]["support_min_score"] = 85
    rizhao.rules["review"]["revised_min_score"] = "70.5"
    rizhao.save(update_fields=["rules"])
    assert thresholds(rizhao) == Thresholds(Decimal("85"), Decimal("70.5"), True, 3)
    a, b = make_application(call), make_application(call)
    results = run_round(one_criterion_round(call, office), office, {a: ["84"], b: ["70.50"]}, panel)
    assert [(r.application.number, r.recommendation) for r in results] == [
        ("A-0001", "support_revised"),
        ("A-0002", "support_revised"),
    ]
    # one review: no spread sentence; the expert has one review in the year, below the guard of 5
    assert results[0].reasons.endswith(
        "不低于修改后支持线 70.50 分、低于建议支持线 85.00 分。"
        "校准后得分 84.00 分（其中 1 份意见的专家评分样本不足 5 份，按原始分计入）。专家建议：建议支持 1 份。"
        "有效评审意见少于政策配置要求的 3 份。（评分线取自政策配置。）"
    )


def test_assign_ranks_groups():
    class Row:
        def __init__(self, n, s, g):
            self.n, self.s, self.g = n, Decimal(s), g

    rows = [Row("b", "1", "x"), Row("a", "1", "x"), Row("c", "2", "y"), Row("d", "3", "y")]
    ranked = assign_ranks(rows, score=lambda r: r.s, number=lambda r: r.n, group=lambda r: r.g)
    assert [(r.n, r.rank) for r in ranked] == [("a", 1), ("b", 1), ("d", 1), ("c", 2)]


def test_ranking_per_focus_area_uses_the_latest_closed_round(fund_year, office, panel):
    first_call = make_call(fund_year, office, area="key_rd", code="K")
    second_call = make_call(fund_year, office, area="key_rd", code="L")
    other_area = make_call(fund_year, office, area="platforms", code="P")
    a1, a2 = make_application(first_call), make_application(first_call)  # K-0001, K-0002
    b1 = make_application(second_call)  # L-0001
    p1 = make_application(other_area)  # P-0001
    remote = one_criterion_round(first_call, office)
    run_round(remote, office, {a1: ["70"], a2: ["88"]}, panel)
    run_round(one_criterion_round(second_call, office), office, {b1: ["80"]}, panel)
    run_round(one_criterion_round(other_area, office), office, {p1: ["99"]}, panel)
    rows = services.ranking(fund_year, "key_rd")
    assert [(r.application.number, r.score, r.area_rank) for r in rows] == [
        ("K-0002", Decimal("88.00"), 1),
        ("L-0001", Decimal("80.00"), 2),
        ("K-0001", Decimal("70.00"), 3),
    ]
    # a meeting review of K-1 after the remote review supersedes it in the ranking
    meeting = one_criterion_round(first_call, office, name="会议评审", previous=remote)
    run_round(meeting, office, {a1: ["95"]}, panel)
    rows = services.ranking(fund_year, fund_year.profile.focus_areas.get(code="key_rd"))
    assert [(r.application.number, r.score, r.area_rank, r.round.name) for r in rows] == [
        ("K-0001", Decimal("95.00"), 1, "会议评审"),
        ("K-0002", Decimal("88.00"), 2, "通讯评审"),
        ("L-0001", Decimal("80.00"), 3, "通讯评审"),
    ]
    # the remote result of K-1 is still on record
    assert [r.score for r in services.results(remote) if r.application == a1] == [Decimal("70.00")]
    assert [r.application.number for r in services.ranking(fund_year, "platforms")] == ["P-0001"]


def test_a_department_officer_sees_their_rows_at_their_true_rank(fund_year, office, panel):
    call = make_call(fund_year, office, area="key_rd", code="D")
    app_a, app_b = make_application(call), make_application(call, department="ocean")
    run_round(one_criterion_round(call, office), office, {app_a: ["60"], app_b: ["90"]}, panel)
    officer = factories.user(Role.DEPARTMENT, department=Department.objects.get(code="science_technology"))
    rows = services.ranking(fund_year, "key_rd", user=officer)
    assert [(r.application.number, r.area_rank) for r in rows] == [("D-0001", 2)]
    assert list(services.results(app_a.round_results.get().round, user=officer)) == [
        app_a.round_results.get()
    ]

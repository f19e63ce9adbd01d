"""The round's score: trimmed of one highest and one lowest with enough scores (the score that
ranks and recommends), the spread and the disagreement flag, all by the policy's figures."""

from collections import Counter
from decimal import Decimal

import pytest

from techfund.core.models import AuditEvent
from techfund.review import services
from techfund.review.services import aggregate
from techfund.review.services.aggregate import (
    ScoringRules,
    Tally,
    Thresholds,
    scoring_rules,
    spread,
    trimmed_mean,
)
from tests.review.conftest import assignment_of, make_application, make_expert, score

D = Decimal


@pytest.mark.parametrize(
    "totals, trim_min, expected",
    [
        (["95", "60", "70", "80", "90"], 5, (D("80.00"), True)),  # (70 + 80 + 90) / 3
        (["95", "60", "70", "80"], 5, (D("76.25"), False)),  # 305 / 4: too few to trim
        (["60", "60", "60", "100", "100", "100"], 5, (D("80.00"), True)),  # one of each only: 320 / 4
        (["70.01", "70.02", "70.02", "99", "0"], 5, (D("70.02"), True)),  # 210.05 / 3 = 70.0166… → 70.02
        (["95", "60", "70", "80", "90"], None, (D("79.00"), False)),  # the policy does not trim
        (["50", "90", "70"], 3, (D("70.00"), True)),
    ],
)
def test_trimmed_mean(totals, trim_min, expected):
    assert trimmed_mean([D(t) for t in totals], trim_min) == expected


def test_spread():
    assert spread([D("87"), D("65")]) == D("22.00")
    assert spread([D("80.5")]) == D("0.00")
    assert aggregate.is_disagreement(D("20.01"), D("20")) and not aggregate.is_disagreement(D("20"), D("20"))
    assert not aggregate.is_disagreement(D("99"), None)


def test_scoring_rules_from_the_policy(rizhao):
    assert scoring_rules(rizhao) == ScoringRules(trim_min=5, spread_limit=D("20"), calibration_min=5)
    assert scoring_rules(None) == ScoringRules()
    # TEST SETUP ONLY: a profile without these keys applies none of them
    for key in ("trim_min_scores", "disagreement_spread", "calibration_min_reviews"):
        del rizhao.rules["review"][key]
    assert scoring_rules(rizhao) == ScoringRules()


def tally(totals, *, rank=1, **kw) -> Tally:
    t = Tally(application=None, totals=[D(x) for x in totals], rank=rank, **kw)
    t.recommendations = Counter({"support": len(totals)})
    return t


def test_reasons_without_the_scoring_rules():
    t = tally(["95", "60"], score=D("77.50"), raw_mean=D("77.50"), spread=D("35.00"))
    text = aggregate.reasons(t, "support_revised", Thresholds(), ScoringRules())
    assert text == (
        "综合得分 77.50 分（2 份有效评审意见，领域内排名第 1 位），不低于修改后支持线 60.00 分、低于建议支持线 80.00 分。"
        "评分极差 35.00 分。专家建议：建议支持 2 份。（评分线为系统默认值。）"
    )


def test_close_trims_flags_and_ranks_on_the_trimmed_score(call, office):
    """Rizhao: trim from 5 scores, disagreement above 20, calibration guard 5."""
    a, b = make_application(call), make_application(call)
    experts = [make_expert(office, name=f"评委{i}") for i in range(5)]
    r = services.create_round(
        call,
        actor=office,
        name="通讯评审",
        method="remote",
        criteria=[{"code": "all", "name": "综合", "weight": 100}],
    )
    plan = {a: ["95", "60", "70", "80", "90"], b: ["82", "78", "80", "76"]}
    for app, totals in plan.items():
        for ex in experts[: len(totals)]:
            services.assign(r, actor=office, application=app, expert=ex)
    services.open_round(r, actor=office)
    for app, totals in plan.items():
        for ex, total in zip(experts, totals, strict=False):
            score(assignment_of(r, app, ex), {"all": total})
    first, second = services.close_round(r, actor=office)
    # A: 60 70 80 90 95 → trimmed (70 + 80 + 90) / 3 = 80.00 (建议支持), raw 395 / 5 = 79.00; spread 35 > 20
    # B: four scores, not trimmed: 316 / 4 = 79.00 (修改后支持); spread 6
    assert (first.application, first.score, first.trimmed, first.rank, first.recommendation) == (
        a,
        D("80.00"),
        True,
        1,
        "support",
    )
    assert (first.spread, first.disagreement, first.reviews) == (D("35.00"), True, 5)
    assert (second.application, second.score, second.trimmed, second.rank, second.recommendation) == (
        b,
        D("79.00"),
        False,
        2,
        "support_revised",
    )
    assert (second.spread, second.disagreement) == (D("6.00"), False)
    # each expert has 2 reviews or fewer in the year (guard 5): every calibrated score is the raw mean
    assert (first.calibrated_score, second.calibrated_score) == (D("79.00"), D("79.00"))
    assert first.reasons == (
        "综合得分 80.00 分（5 份有效评审意见，去掉一个最高分 95.00 分和一个最低分 60.00 分后的平均分，"
        "原始平均分 79.00 分；领域内排名第 1 位），不低于建议支持线 80.00 分。"
        "评分极差 35.00 分，超过分歧阈值 20.00 分，评分分歧较大，提交会议论证。"
        "校准后得分 79.00 分（其中 5 份意见的专家评分样本不足 5 份，按原始分计入）。"
        "专家建议：建议支持 5 份。（评分线为系统默认值。）"
    )
    assert "评分极差 6.00 分，未超过分歧阈值 20.00 分。" in second.reasons
    assert services.disputed(r) == [first]
    ev = AuditEvent.objects.get(action="review.round.closed")
    assert ev.data["disputed"] == [a.number]
    assert (
        ev.data["results"][a.number]["trimmed"] is True and ev.data["results"][b.number]["spread"] == "6.00"
    )
    assert aggregate.raw_means(r) == {a.pk: D("79.00"), b.pk: D("79.00")}

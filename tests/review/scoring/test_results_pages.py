"""The round's results page and its Excel export: the ranked score (trimmed when enough), the plain
mean, the calibrated score, the spread with the disagreement flag and the number of reviews."""

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from techfund.core.models import AuditEvent
from techfund.review import services
from tests.review.conftest import assignment_of, nothing_saved, score, scores


@pytest.fixture
def closed(open_round, office, app1, app2, expert_a, expert_b):
    """A-0001: 87 and 65 (mean 76, spread 22 > 20: disputed); A-0002: 50."""
    score(assignment_of(open_round, app1, expert_a), scores(90, 80, 9))
    score(assignment_of(open_round, app1, expert_b), scores(70, 60, 6), recommendation="support_revised")
    score(assignment_of(open_round, app2, expert_a), scores(50, 50, 5), recommendation="not_support")
    services.close_round(open_round, actor=office)
    open_round.refresh_from_db()
    return open_round


def test_the_results_table(closed, leader, client):
    client.force_login(leader)
    page = client.get(f"/review/rounds/{closed.pk}/").content.decode()
    for header in ("综合得分", "原始平均分", "校准后得分", "评分极差", "有效评审数"):
        assert header in page, header
    row = page[page.index('class="row-disagreement"') :]
    row = row[: row.index("</tr>")]
    assert "A-0001" in row and "76.00" in row and "22.00" in row and "评分分歧" in row
    assert "1 个项目评分分歧较大，应提交会议论证。" in page
    assert "?export=xlsx" in page and "导出评审结果（Excel）" in page
    # each review beside its calibration: every expert has fewer than 5 reviews (样本不足)
    assert page.count(">样本不足</span>") == 3


def test_the_export(closed, leader, client):
    client.force_login(leader)
    r = client.get(f"/review/rounds/{closed.pk}/?export=xlsx")
    assert r.status_code == 200 and r["X-Rows"] == "2"
    assert r["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["评审结果", "导出说明"]
    rows = list(wb["评审结果"].iter_rows(values_only=True))
    assert rows[0] == (
        "领域排名",
        "申报编号",
        "项目名称",
        "申报单位",
        "结论依据",
        "综合得分",
        "原始平均分",
        "去掉最高最低分",
        "校准后得分",
        "评分极差",
        "评分分歧",
        "有效评审数",
        "评审结论",
        "理由",
    )
    first, second = rows[1], rows[2]
    assert first[:13] == (
        1,
        "A-0001",
        "深远海养殖平台关键技术",
        "日照海工装备有限公司",
        "专家评分",
        76,
        76,
        "否",
        76,
        22,
        "是",
        2,
        "修改后支持",
    )
    assert "评分分歧较大，提交会议论证" in first[13]
    assert second[:2] == (2, "A-0002") and second[5] == 50 and second[10] == "否"
    cover = dict(wb["导出说明"].iter_rows(values_only=True))
    assert "评分不少于 5 份时去掉一个最高分和一个最低分" in cover["口径"] and "超过 20.00 分" in cover["口径"]
    assert cover["记录条数"] == "2"
    ev = AuditEvent.objects.get(action="review.results.exported")
    assert ev.actor == leader and ev.data == {"rows": 2, "disputed": 1}


def test_the_export_of_an_open_round_is_refused(open_round, office, client):
    client.force_login(office)
    with nothing_saved():
        r = client.get(f"/review/rounds/{open_round.pk}/?export=xlsx", follow=True)
    assert "“通讯评审”尚未结束，还没有评审结果可导出。" in r.content.decode()
    assert "导出评审结果（Excel）" not in r.content.decode()


@pytest.mark.parametrize("who, status", [("applicant_x", 404), ("officer", 404)])
def test_others_cannot_export(closed, who, status, client, request):
    client.force_login(request.getfixturevalue(who))
    with nothing_saved():
        assert client.get(f"/review/rounds/{closed.pk}/?export=xlsx").status_code == status


def test_the_api_result_fields(closed, leader):
    from rest_framework.test import APIClient

    c = APIClient()
    c.force_authenticate(leader)
    body = c.get(f"/api/review/rounds/{closed.pk}/results/").json()
    assert {
        k: body[0][k] for k in ("basis", "trimmed", "calibrated_score", "spread", "disagreement", "votes")
    } == {
        "basis": "scores",
        "trimmed": False,
        "calibrated_score": "76.00",
        "spread": "22.00",
        "disagreement": True,
        "votes": {},
    }
    assert Decimal(body[1]["score"]) == Decimal("50")

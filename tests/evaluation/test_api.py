"""The REST API: the same services, permissions and scope (404 outside it, 403 for the wrong role,
400 with the message on bad input) for the self-evaluation, the comprehensive evaluation, the grades
and the next-year proposal."""

import pytest
from rest_framework.test import APIClient

from techfund.evaluation.models import NextYearProposal, SelfEvaluation
from tests.evaluation.conftest import GRADE_SCORES, OPINIONS, nothing_saved, targets_of


@pytest.fixture
def api():
    def as_user(user=None):
        c = APIClient()
        if user is not None:
            c.force_authenticate(user)
        return c

    return as_user


def body(project, **over):
    t = targets_of(project)
    data = {
        "project": project.pk,
        "summary": "全部完成。",
        "spent": "2400000.00",
        "satisfaction": "95",
        "results": [
            {"target": t["higher"].pk, "actual": "10"},
            {"target": t["lower"].pk, "actual": "60"},
            {"target": t["zero"].pk, "actual": "0"},
            {"target": t["qualitative"].pk, "band": "achieved", "band_score": "90"},
        ],
    }
    data.update(over)
    return data


def test_self_evaluation_through_the_api(paid, project, unit_user, office, applicant, dept_officer, api):
    c = api(unit_user)
    t = targets_of(project)
    bad = body(project)
    bad["results"][0] = {"target": t["higher"].pk, "actual": "13"}
    with nothing_saved():
        r = c.post("/api/evaluation/self-evaluations/", bad, format="json")
    assert r.status_code == 400 and r.json()["code"] == "self_evaluation_invalid"
    assert r.json()["errors"] == {
        f"results.{t['higher'].pk}.explanation": [
            "“发表高水平论文”实际完成值 13篇 达到目标值 10篇 的 130% 以上，请填写偏差原因说明。"
        ]
    }
    with nothing_saved():
        assert (
            api(applicant).post("/api/evaluation/self-evaluations/", body(project), format="json").status_code
            == 404
        )
        assert (
            api(office).post("/api/evaluation/self-evaluations/", body(project), format="json").status_code
            == 403
        )
    r = c.post("/api/evaluation/self-evaluations/", body(project), format="json")
    assert r.status_code == 201, r.json()
    ev = r.json()
    # output mean(100, 80, 100) = 93.33; (93.33·50 + 90·30 + 95·10 + 100·10) / 100 = 93.17
    assert ev["output_score"] == "93.33" and ev["total"] == "93.17" and ev["grade"] == "excellent"
    lower = next(k for k in ev["results"] if k["indicator_type"] == "lower")
    assert lower["score"] == "80.00" and lower["basis"].startswith(
        "越小越好：实际 60千瓦时 超过目标 50千瓦时"
    )
    assert ev["weights"] == {"output": 50, "outcome": 30, "satisfaction": 10, "budget_execution": 10}
    url = f"/api/evaluation/self-evaluations/{ev['id']}/"
    assert api(dept_officer).get(url).status_code == 200 and api(applicant).get(url).status_code == 404
    assert api(applicant).get("/api/evaluation/self-evaluations/").json()["results"] == []
    assert api(unit_user).post(f"{url}accept/").status_code == 403
    with nothing_saved():
        r = api(office).post(f"{url}return/", {"reason": ""}, format="json")
    assert r.status_code == 400 and r.json()["detail"] == "退回自评须说明理由。"
    r = api(office).post(f"{url}accept/", {"note": "同意。"}, format="json")
    assert r.status_code == 200 and r.json()["state"] == "accepted"


def test_comprehensive_through_the_api(accepted, project, office, finance, unit_user, api):
    data = {"project": project.pk, "signatory": "赵办公"}
    data |= {f"{p}_score": v for p, v in GRADE_SCORES["fair"].items()}
    data |= {f"{p}_opinion": v for p, v in OPINIONS.items()}
    with nothing_saved():
        r = api(office).post("/api/evaluation/comprehensive/", data | {"outcome_score": "x"}, format="json")
    assert r.status_code == 400 and r.json()["errors"] == {"outcome_score": ["“效益”得分“x”不是有效的数字。"]}
    assert api(finance).post("/api/evaluation/comprehensive/", data, format="json").status_code == 403
    r = api(office).post("/api/evaluation/comprehensive/", data, format="json")
    assert r.status_code == 201 and r.json()["grade"] == "fair" and r.json()["total"] == "70.00"
    assert [p["part"] for p in r.json()["parts"]] == ["decision", "process", "output", "outcome"]
    url = f"/api/evaluation/comprehensive/{r.json()['id']}/"
    assert api(office).post(f"{url}confirm/", {"signatory": "x"}, format="json").status_code == 403
    with nothing_saved():
        r = api(finance).post(f"{url}confirm/", {"signatory": ""}, format="json")
    assert r.status_code == 400 and r.json()["errors"] == {"signatory": ["请填写签署人姓名。"]}
    r = api(finance).post(f"{url}confirm/", {"signatory": "钱财政"}, format="json")
    assert r.status_code == 200 and r.json()["state"] == "confirmed"
    grades = api(office).get("/api/evaluation/grades/").json()["results"]
    assert [(g["project_number"], g["grade"]) for g in grades] == [(project.number, "fair")]
    assert (
        api(unit_user).get("/api/evaluation/grades/").json()["count"] == 0
    )  # grades are the government's view
    summary = api(office).get("/api/evaluation/grades/summary/").json()
    assert summary["by_department"]["total"]["grades"] == {"excellent": 0, "good": 0, "fair": 1, "poor": 0}


def test_next_year_through_the_api(graded_year, fund_year, office, leader, finance, api):
    with nothing_saved():
        assert (
            api(finance)
            .post("/api/evaluation/next-year/", {"year": fund_year.year}, format="json")
            .status_code
            == 403
        )
    r = api(office).post("/api/evaluation/next-year/", {"year": fund_year.year}, format="json")
    assert r.status_code == 201 and r.json()["target_year"] == fund_year.year + 1
    assert r.json()["total"] == "8900000.00"
    line = next(
        x
        for x in r.json()["lines"]
        if x["focus_area"] == "key_rd" and x["department"] == "science_technology"
    )
    assert line["actions"] == ["差 1 项：取消或暂停", "未完成评价 1 项：按原安排金额结转"]
    url = f"/api/evaluation/next-year/{r.json()['id']}/"
    with nothing_saved():
        r = api(office).post(
            f"{url}adjust/", {"lines": [{"line": line["id"], "amount": "2000000"}]}, format="json"
        )
    assert r.status_code == 400 and r.json()["code"] == "adjustment_invalid"
    r = api(office).post(
        f"{url}adjust/",
        {"lines": [{"line": line["id"], "amount": "2000000", "reason": "新增方向。"}]},
        format="json",
    )
    assert r.status_code == 200 and r.json()["total"] == "9400000.00"
    with nothing_saved():
        r = api(office).post(f"{url}submit/", {}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "target_year_missing"
    assert api(leader).get(url).status_code == 200 and api(leader).post(f"{url}submit/").status_code == 403
    assert NextYearProposal.objects.get().state == "draft" and SelfEvaluation.objects.count() == 4

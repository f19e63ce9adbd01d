"""The evaluation pages: the unit's self-evaluation form (each KPI with its target, errors beside the
fields, the 130% explanation), the saved page with each KPI's score and why, the office's accept and
return, the comprehensive evaluation form and finance's confirmation, the grades pages with their
Excel exports, the next-year proposal with editable amounts; buttons only for the roles that act."""

import io
from decimal import Decimal as D

import pytest
from openpyxl import load_workbook

from techfund.core.models import AuditEvent
from techfund.evaluation.models import ComprehensiveEvaluation, NextYearProposal, SelfEvaluation
from techfund.projects.enums import ProjectState
from tests.evaluation.conftest import GRADE_SCORES, OPINIONS, nothing_saved, targets_of


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def form_data(project, **over) -> dict:
    t = targets_of(project)
    data = {
        "summary": "全部完成。",
        "spent": "2400000.00",
        "satisfaction": "95",
        f"t{t['higher'].pk}_actual": "10",
        f"t{t['lower'].pk}_actual": "50",
        f"t{t['zero'].pk}_actual": "0",
        f"t{t['qualitative'].pk}_band": "achieved",
        f"t{t['qualitative'].pk}_band_score": "95",
    }
    data.update(over)
    return data


def test_the_unit_self_evaluates_through_the_form(paid, project, unit_user, as_user, office, dept_officer):
    c = as_user(unit_user)
    url = f"/evaluation/projects/{project.pk}/self-evaluation/"
    page = text(c.get(url))
    # each KPI with its target, the money arrived, the confirmation
    for needle in (
        "发表高水平论文",
        "10篇",
        "50千瓦时",
        "0起",
        "形成行业示范应用",
        "2,400,000.00",
        "data-confirm",
    ):
        assert needle in page, needle
    t = targets_of(project)
    with nothing_saved():
        page = text(c.post(url, form_data(project, **{f"t{t['higher'].pk}_actual": "13"})))
    msg = "“发表高水平论文”实际完成值 13篇 达到目标值 10篇 的 130% 以上，请填写偏差原因说明。"
    assert msg in page and f"t{t['higher'].pk}_explanation_errors" in page  # beside its field
    with nothing_saved():
        page = text(c.post(url, form_data(project, spent="9999999", satisfaction="")))
    assert "实际支出 9,999,999.00 元超过到位资金 2,400,000.00 元。" in page and "请填写满意度得分。" in page
    r = c.post(
        url,
        form_data(
            project,
            **{f"t{t['higher'].pk}_actual": "13", f"t{t['higher'].pk}_explanation": "合作单位追加投入。"},
        ),
    )
    ev = SelfEvaluation.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/evaluation/self-evaluations/{ev.pk}/"
    page = text(c.get(r["Location"]))
    # each KPI's score and why; the unit sees no office buttons
    assert "越大越好：实际 13篇 ≥ 目标 10篇，得满分 100。" in page and "合作单位追加投入。" in page
    assert "98.00" in page and "受理</button>" not in page
    # the department officer reads it, without buttons; the office accepts
    assert "受理</button>" not in text(as_user(dept_officer).get(r["Location"]))
    c = as_user(office)
    page = text(c.get(r["Location"]))
    assert "受理</button>" in page and "退回（须说明理由）" in page and "data-confirm" in page
    r = c.post(f"/evaluation/self-evaluations/{ev.pk}/accept/", {"note": "同意。"}, follow=True)
    assert "已受理该自评" in text(r)
    ev.refresh_from_db()
    assert ev.state == "accepted"


def test_office_returns_with_a_reason(self_ev, project, office, unit_user, as_user):
    c = as_user(office)
    url = f"/evaluation/self-evaluations/{self_ev.pk}/return/"
    with nothing_saved():
        page = text(c.post(url, {"reason": ""}))
    assert "退回自评须说明理由。" in page and "请填写退回理由。" in page
    r = c.post(url, {"reason": "请补充检测报告。"})
    assert r.status_code == 302
    project.refresh_from_db()
    assert project.state == ProjectState.IN_PROGRESS
    # the unit sees the return on the form and may submit again
    page = text(as_user(unit_user).get(f"/evaluation/projects/{project.pk}/self-evaluation/"))
    assert "请补充检测报告。" in page
    assert as_user(unit_user).post(url, {"reason": "x"}).status_code == 403


def test_comprehensive_evaluation_pages(accepted, project, office, finance, unit_user, as_user):
    c = as_user(office)
    page = text(c.get(f"/evaluation/projects/{project.pk}/"))
    assert "提出综合绩效评价" in page and "受理单位自评" in page  # the button and the trail
    url = f"/evaluation/projects/{project.pk}/comprehensive/"
    page = text(c.get(url))
    assert "政策权重 15 分" in page and "优 ≥ 90" in page
    data = {f"{p}_score": v for p, v in GRADE_SCORES["good"].items()}
    data |= {f"{p}_opinion": v for p, v in OPINIONS.items()}
    with nothing_saved():
        page = text(c.post(url, data | {"decision_score": "120", "signatory": ""}))
    assert "“决策”得分应在0至100之间，实际为120。" in page and "请填写签署人姓名。" in page
    r = c.post(url, data | {"signatory": "赵办公"})
    ce = ComprehensiveEvaluation.objects.get()
    assert r.status_code == 302 and ce.grade == "good"
    detail = f"/evaluation/comprehensive/{ce.pk}/"
    assert "确认并签署" not in text(c.get(detail))
    assert as_user(unit_user).post(f"{detail}confirm/", {"signatory": "x"}).status_code == 403
    c = as_user(finance)
    page = text(c.get(detail))
    assert "确认并签署" in page and "85.00" in page and "data-confirm" in page
    with nothing_saved():
        page = text(c.post(f"{detail}confirm/", {"signatory": ""}))
    assert "请填写签署人姓名。" in page
    r = c.post(f"{detail}confirm/", {"signatory": "钱财政"}, follow=True)
    assert "项目验收评价完成" in text(r)
    project.refresh_from_db()
    assert project.state == ProjectState.COMPLETED


def test_grades_pages_and_exports(graded_year, office, officer_of, st_department, as_user):
    c = as_user(office)
    page = text(c.get("/evaluation/grades/"))
    for title in ("海洋装备关键技术", "工业软件平台", "智能传感器", "工业机器人控制器"):
        assert title in page
    assert "海水淡化膜材料" not in page  # not evaluated
    page = text(c.get("/evaluation/grades/?grade=poor"))
    assert "智能传感器" in page and "海洋装备关键技术" not in page
    r = c.get("/evaluation/grades/export/?area=key_rd")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(r.content))
    rows = list(wb["项目评价结果"].iter_rows(values_only=True))
    assert len(rows) == 3 and {row[2] for row in rows[1:]} == {"智能传感器", "工业机器人控制器"}
    event = AuditEvent.objects.get(action="evaluation.grades.exported")
    assert event.data == {
        "filters": {"year": None, "focus_area": "key_rd", "department": "", "grade": ""},
        "rows": 2,
    }
    page = text(c.get("/evaluation/grades/summary/"))
    assert "市科学技术局" in page and "重点研发专项" in page
    r = c.get("/evaluation/grades/summary/export/")
    wb = load_workbook(io.BytesIO(r.content))
    dept = {row[0]: row for row in wb["按主管部门"].iter_rows(values_only=True)}
    # 科技局: A 优 and C 差; (93.25 + 46.00) / 2 = 69.63 (half up); amounts 5,000,000
    assert dept["市科学技术局"][1:] == (2, 1, 0, 0, 1, 69.63, 5000000)
    # a department officer sees their own department's projects only
    page = text(as_user(officer_of(st_department)).get("/evaluation/grades/"))
    assert "海洋装备关键技术" in page and "工业软件平台" not in page


def test_next_year_pages(graded_year, fund_year, office, leader, as_user):
    c = as_user(office)
    page = text(c.get("/evaluation/next-year/"))
    assert "生成框架建议" in page
    r = c.post("/evaluation/next-year/new/", {"fund_year": fund_year.pk, "target_year": "", "note": ""})
    proposal = NextYearProposal.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/evaluation/next-year/{proposal.pk}/"
    page = text(c.get(r["Location"]))
    assert "中 1 项：按比例压减 20%" in page and "2,400,000.00" in page and "保存调整" in page
    assert "2027 年度资金尚未设立" in page and "data-confirm" in page
    line = proposal.lines.get(focus_area__code="key_rd", department__code="science_technology")
    data = {f"line{x.pk}_amount": f"{x.amount:.2f}" for x in proposal.lines.all()}
    with nothing_saved():
        page = text(
            c.post(
                f"/evaluation/next-year/{proposal.pk}/adjust/", data | {f"line{line.pk}_amount": "2000000"}
            )
        )
    assert "调整“重点研发专项 · 市科学技术局”的建议金额须说明理由。" in page
    r = c.post(
        f"/evaluation/next-year/{proposal.pk}/adjust/",
        data | {f"line{line.pk}_amount": "2000000", f"line{line.pk}_reason": "新增方向。"},
    )
    assert r.status_code == 302
    line.refresh_from_db()
    assert line.amount == D("2000000.00")
    r = c.post(f"/evaluation/next-year/{proposal.pk}/submit/", follow=True)
    assert "2027 年度资金尚未设立" in text(r)
    # the leading group reads it without buttons
    page = text(as_user(leader).get(f"/evaluation/next-year/{proposal.pk}/"))
    assert "保存调整" not in page and "报领导小组审定</button>" not in page
    assert as_user(leader).post(f"/evaluation/next-year/{proposal.pk}/submit/").status_code == 403


SCOPE = [
    # (role, project list, project page, self-evaluation, comprehensive, grades, next-year list)
    ("office", 200, 200, 200, 200, 200, 200),
    ("leader", 200, 200, 200, 200, 200, 200),
    ("finance", 200, 200, 200, 200, 200, 200),
    ("auditor", 200, 200, 200, 200, 200, 200),
    ("dept_officer", 200, 200, 200, 200, 200, 404),
    ("other_officer", 200, 404, 404, 404, 200, 404),
    ("unit_user", 200, 200, 200, 200, 404, 404),
    ("applicant", 200, 404, 404, 404, 404, 404),
    ("expert", 404, 404, 404, 404, 404, 404),
    ("sysadmin", 404, 404, 404, 404, 404, 404),
]


def test_scope_matrix(confirmed_ce, project, client, request, officer_of, it_department):
    ev = confirmed_ce.self_evaluation
    users = {"other_officer": officer_of(it_department)}
    urls = [
        "/evaluation/",
        f"/evaluation/projects/{project.pk}/",
        f"/evaluation/self-evaluations/{ev.pk}/",
        f"/evaluation/comprehensive/{confirmed_ce.pk}/",
        "/evaluation/grades/",
        "/evaluation/next-year/",
    ]
    for role, *expected in SCOPE:
        user = users.get(role) or request.getfixturevalue(role)
        client.force_login(user)
        got = [client.get(u).status_code for u in urls]
        assert got == expected, role
    client.logout()
    assert client.get("/evaluation/").status_code == 302


def test_the_project_panel(confirmed_ce, project, office, unit_user, applicant, rf):
    from django.template.loader import render_to_string

    for user, shown in ((office, True), (unit_user, True), (applicant, False)):
        request = rf.get("/")
        request.user = user
        html = render_to_string("evaluation/_project_panel.html", {"project": project, "request": request})
        assert ("综合得分 93.25" in html) is shown, user
        assert ("提出综合绩效评价" in html) is False

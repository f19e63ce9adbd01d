"""Every role × every page and endpoint × in-scope and out-of-scope objects, over HTTP.

One table says what each role gets: 200 (sees it), 404 (outside its scope: as if it did not exist),
403 (sees the record, may not take the action), 302 (anonymous: sent to the login page). Each app
also tests its own actions' 403s in detail; this file is the cross-cutting check that no page or
endpoint shows anything to a role outside its scope.
"""

import io
import json
from decimal import Decimal

import pytest
from django.urls import reverse

from techfund.core.enums import Role
from techfund.core.models import Department
from techfund.funds import services as funds
from tests import factories
from tests.projects.conftest import *  # noqa: F403

ROLES = [
    "office",
    "leader",
    "finance",
    "auditor",
    "officer_st",
    "officer_ocean",
    "applicant_a",
    "applicant_b",
    "expert",
    "sysadmin",
    "secadmin",
    "auditadmin",
]
GOV = {"office", "leader", "finance", "auditor"}
OFFICERS = {"officer_st", "officer_ocean"}


@pytest.fixture
def world(rizhao):
    st = Department.objects.get(code="science_technology")
    ocean = Department.objects.get(code="ocean")
    org_a, org_b = factories.organisation(), factories.organisation()
    users = {
        "office": factories.user(Role.OFFICE),
        "leader": factories.user(Role.LEADING_GROUP),
        "finance": factories.user(Role.FINANCE),
        "auditor": factories.user(Role.AUDITOR),
        "officer_st": factories.user(Role.DEPARTMENT, department=st),
        "officer_ocean": factories.user(Role.DEPARTMENT, department=ocean),
        "applicant_a": factories.user(Role.APPLICANT, organisation=org_a),
        "applicant_b": factories.user(Role.APPLICANT, organisation=org_b),
        "expert": factories.user(Role.EXPERT),
        "sysadmin": factories.user(Role.SYSADMIN),
        "secadmin": factories.user(Role.SECADMIN),
        "auditadmin": factories.user(Role.AUDITADMIN),
    }
    fy = funds.open_fund_year(actor=users["office"], year=rizhao.year)
    c_st = funds.record_contribution(
        fy, actor=users["office"], source_type="st_innovation", amount="150000000.00"
    )
    c_ocean = funds.record_contribution(
        fy, actor=users["office"], source_type="marine_economy", amount="60000000.00"
    )
    fw = funds.propose_framework(
        fy, actor=users["office"], allocations={"major_projects": Decimal("90000000.00")}
    )
    funds.submit_framework(fw, actor=users["office"])
    funds.approve_framework(fw, actor=users["leader"], reason="同意。")
    return {"users": users, "fy": fy, "fw": fw, "org_a": org_a, "c_st": c_st, "c_ocean": c_ocean}


def _expect(role: str, allowed: set[str]) -> int:
    return 200 if role in allowed else 404


# (name, url builder, roles that see it)
PAGES = [
    ("policy", lambda w: reverse("policy:active"), GOV | OFFICERS | {"sysadmin"}),
    ("fund years", lambda w: reverse("funds:year_list"), GOV | OFFICERS),
    ("fund year", lambda w: reverse("funds:year_detail", args=[w["fy"].year]), GOV | OFFICERS),
    ("framework", lambda w: reverse("funds:framework_detail", args=[w["fw"].pk]), GOV | OFFICERS),
    (
        "organisation A",
        lambda w: reverse("organisation_detail", args=[w["org_a"].pk]),
        GOV | OFFICERS | {"sysadmin", "applicant_a"},
    ),
    ("api policy", lambda w: "/api/policy/active/", GOV | OFFICERS | {"sysadmin"}),
    ("api fund year", lambda w: f"/api/funds/years/{w['fy'].year}/", GOV | OFFICERS),
    ("api framework", lambda w: f"/api/funds/frameworks/{w['fw'].pk}/", GOV | OFFICERS),
    ("api contribution st", lambda w: f"/api/funds/contributions/{w['c_st'].pk}/", GOV | {"officer_st"}),
    (
        "api contribution ocean",
        lambda w: f"/api/funds/contributions/{w['c_ocean'].pk}/",
        GOV | {"officer_ocean"},
    ),
    (
        "api organisation A",
        lambda w: f"/api/organisations/{w['org_a'].pk}/",
        GOV | OFFICERS | {"sysadmin", "applicant_a"},
    ),
]

# Role-only pages: those outside the role answer 403 or 404 (never 200).
ROLE_PAGES = [
    ("accounts", lambda w: reverse("user_list"), {"sysadmin"}),
    ("grants", lambda w: reverse("grant_list"), {"secadmin"}),
    ("audit", lambda w: reverse("audit_list"), {"auditor", "auditadmin"}),
    ("api audit", lambda w: "/api/audit-events/", {"auditor", "auditadmin"}),
]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_exactly_its_scope(client, world, role):
    client.force_login(world["users"][role])
    got, want = {}, {}
    for name, url, allowed in PAGES:
        got[name] = client.get(url(world)).status_code
        want[name] = _expect(role, allowed)
    for name, url, allowed in ROLE_PAGES:
        status = client.get(url(world)).status_code
        got[name] = 200 if status == 200 else "refused"
        want[name] = 200 if role in allowed else "refused"
        if role not in allowed:
            assert status in (403, 404), (name, status)
    assert got == want


def test_anonymous_is_sent_to_login_and_api_refuses(client, world):
    for _name, url, _allowed in PAGES + ROLE_PAGES:
        path = url(world)
        resp = client.get(path)
        if path.startswith("/api/"):
            assert resp.status_code in (401, 403), path
        else:
            assert resp.status_code == 302 and reverse("login") in resp["Location"], path


def test_contribution_lists_are_scoped(client, world):
    """A department officer's list shows its own department's contributions only."""
    client.force_login(world["users"]["officer_st"])
    data = client.get("/api/funds/contributions/").json()
    rows = data["results"] if isinstance(data, dict) else data
    assert {r["id"] for r in rows} == {world["c_st"].pk}
    client.force_login(world["users"]["applicant_a"])
    resp = client.get("/api/funds/contributions/")
    rows = resp.json()["results"] if resp.status_code == 200 else []
    assert rows == []


# =============================================================================================
# The execution stages (issue 4): projects and contracts, monitoring, sanctions, evaluation,
# emergency requests and periodic reports.
#
# One world built through the services: project A (科技局, organisation A) signed, paid, reported on,
# ordered to rectify, escalated, proposed for suspension, ordered to pay back, self-evaluated,
# accepted and comprehensively evaluated; project B (工信局, organisation B) arranged; an approved
# emergency request of 科技局 for organisation A (its project and 任务书); a report run. Then every
# role opens every list page, detail page, action form, export and API endpoint of those records, and
# no page it opens (its home included) names a record outside its scope.
# =============================================================================================

STAGE_ROLES = [
    "office",
    "leader",
    "finance",
    "auditor",
    "officer_own",  # 科技局: manages project A and the emergency request
    "officer_other",  # 工信局: manages project B only
    "applicant_own",  # organisation A: implements project A
    "applicant_other",  # organisation B: implements project B only
    "expert",
    "sysadmin",
    "secadmin",
    "auditadmin",
]
#: Who sees project A and everything hung on it.
SEES_A = GOV | {"officer_own", "applicant_own"}
#: Roles with a page for projects (each with its own scope).
PROJECT_ROLES = GOV | {"officer_own", "officer_other", "applicant_own", "applicant_other"}
SUPERVISORS = GOV | {"officer_own", "officer_other"}


@pytest.fixture
def stages(paid, project, project_b, contract, unit_user, dept_officer, it_department, fund_year):
    from techfund.emergency import services as emergency_services
    from techfund.evaluation import services as evaluation_services
    from techfund.monitoring import services as monitoring_services
    from techfund.reports import services as report_services
    from techfund.sanctions import services as sanction_services
    from tests.emergency.conftest import data as emergency_data
    from tests.evaluation.conftest import (
        ACCEPT_DAY,
        GRADE_SCORES,
        OPINIONS,
        REVIEW_DAY,
        self_evaluate,
    )
    from tests.monitoring.conftest import IN_P1, submit
    from tests.reports.conftest import Q4_END, Q4_START
    from tests.reports.conftest import TODAY as REPORT_DAY
    from tests.sanctions.conftest import DEADLINE, DECIDED_ON, PROPOSED_ON

    office = factories.user(Role.OFFICE)
    finance = factories.user(Role.FINANCE)
    users = {
        "office": office,
        "leader": factories.user(Role.LEADING_GROUP),
        "finance": finance,
        "auditor": factories.user(Role.AUDITOR),
        "officer_own": dept_officer,
        "officer_other": factories.user(Role.DEPARTMENT, department=it_department),
        "applicant_own": unit_user,
        "applicant_other": factories.user(Role.APPLICANT, organisation=project_b.organisation),
        "expert": factories.user(Role.EXPERT),
        "sysadmin": factories.user(Role.SYSADMIN),
        "secadmin": factories.user(Role.SECADMIN),
        "auditadmin": factories.user(Role.AUDITADMIN),
    }
    # 追回 and a proposal to suspend (the finance bureau rejects it, so A stays in progress)
    order = sanction_services.propose_sanction(
        project,
        actor=office,
        kind="suspend",
        reason="中期检查发现进度滞后",
        basis="领导小组办公室会议纪要〔2026〕9号",
        today=PROPOSED_ON,
    )
    sanction_services.decide_sanction(
        order, actor=finance, decision="reject", opinion="进度已追回，暂不暂停。", today=DECIDED_ON
    )
    recovery = sanction_services.issue_recovery(
        project,
        actor=office,
        amount="100000.00",
        reason="部分资金用于与项目无关的支出",
        basis="审计报告（日审〔2026〕15号）",
        deadline=DEADLINE,
        today=PROPOSED_ON,
    )
    sanction_services.decide_recovery(recovery, actor=finance, decision="concur", today=DECIDED_ON)
    receipt = sanction_services.record_receipt(
        recovery, actor=finance, amount="40000.00", treasury_ref="JK2026-0001", today=DECIDED_ON
    )
    # monitoring
    report = submit(project, unit_user, today=IN_P1)
    rectification = monitoring_services.issue_rectification(
        project, actor=dept_officer, issue="经费支出凭证不全", requirement="补齐凭证", today=IN_P1
    )
    escalation = monitoring_services.escalate(
        project, actor=dept_officer, summary="关键设备采购严重滞后", suggested_action="suspend", today=IN_P1
    )
    # acceptance and evaluation
    self_ev = self_evaluate(project, unit_user, spent="2300000.00")
    evaluation_services.accept_self_evaluation(self_ev, actor=office, today=ACCEPT_DAY)
    ce = evaluation_services.propose_comprehensive(
        project,
        actor=office,
        scores=GRADE_SCORES["good"],
        opinions=OPINIONS,
        signatory="赵办公",
        today=REVIEW_DAY,
    )
    # 一事一议 of 科技局 for organisation A (organisation A's applicant sees the project, not the request)
    req = emergency_services.submit_emergency(
        fund_year,
        actor=office,
        today=REPORT_DAY,
        **emergency_data(project.organisation, project.department, amount="1000000.00"),
    )
    emergency_services.approve_emergency(
        req, actor=users["leader"], basis="领导小组2026年第5次会议同意", today=REPORT_DAY
    )
    req.refresh_from_db()
    # 定期调度
    run = report_services.generate_run(fund_year, actor=office, start=Q4_START, end=Q4_END, today=REPORT_DAY)
    project.refresh_from_db()
    return {
        "users": users,
        "project": project,
        "project_b": project_b,
        "contract": contract,
        "report": report,
        "rectification": rectification,
        "escalation": escalation,
        "order": order,
        "recovery": recovery,
        "receipt": receipt,
        "payment": paid,
        "tranche": contract.tranches.get(seq=1),
        "self_ev": self_ev,
        "ce": ce,
        "request": req,
        "run": run,
    }


#: Statuses other than 200/403/404: (role, page) → status.
STAGE_OTHER = {("leader", "decide emergency request"): 302}


def _stage_expect(role: str, sees: set[str], forbidden: set[str] = frozenset(), name: str = "") -> int:
    if (role, name) in STAGE_OTHER:
        return STAGE_OTHER[(role, name)]
    return 200 if role in sees else 403 if role in forbidden else 404


# (name, url builder, roles that get 200, roles that get 403; the others get 404)
STAGE_PAGES = [
    # lists: each role with the stage's pages opens them (showing its own scope, checked below)
    ("projects list", lambda s: "/projects/", PROJECT_ROLES, set()),
    ("monitoring overview", lambda s: "/monitoring/", PROJECT_ROLES, set()),
    ("monitoring reports", lambda s: "/monitoring/reports/", PROJECT_ROLES, set()),
    ("monitoring rectifications", lambda s: "/monitoring/rectifications/", PROJECT_ROLES, set()),
    ("monitoring escalations", lambda s: "/monitoring/escalations/", SUPERVISORS, set()),
    ("sanctions overview", lambda s: "/sanctions/", PROJECT_ROLES, set()),
    ("sanction orders", lambda s: "/sanctions/orders/", PROJECT_ROLES, set()),
    ("recovery orders", lambda s: "/sanctions/recoveries/", PROJECT_ROLES, set()),
    ("evaluation projects", lambda s: "/evaluation/", PROJECT_ROLES, set()),
    ("self-evaluations", lambda s: "/evaluation/self-evaluations/", PROJECT_ROLES, set()),
    ("comprehensive evaluations", lambda s: "/evaluation/comprehensive/", PROJECT_ROLES, set()),
    ("grades", lambda s: "/evaluation/grades/", SUPERVISORS, set()),
    ("grade summary", lambda s: "/evaluation/grades/summary/", SUPERVISORS, set()),
    ("next-year proposals", lambda s: "/evaluation/next-year/", GOV, set()),
    ("emergency requests", lambda s: "/emergency/", SUPERVISORS, set()),
    ("reports", lambda s: "/reports/", GOV, set()),
    # detail pages of project A's records
    ("project", lambda s: f"/projects/{s['project'].pk}/", SEES_A, set()),
    ("contract", lambda s: f"/projects/{s['project'].pk}/contract/", SEES_A, set()),
    ("project monitoring", lambda s: f"/monitoring/projects/{s['project'].pk}/", SEES_A, set()),
    ("progress report", lambda s: f"/monitoring/reports/{s['report'].pk}/", SEES_A, set()),
    (
        "rectification",
        lambda s: f"/monitoring/rectifications/{s['rectification'].pk}/",
        SEES_A,
        set(),
    ),
    # escalations are the government's internal matter: not the implementing unit's
    (
        "escalation",
        lambda s: f"/monitoring/escalations/{s['escalation'].pk}/",
        GOV | {"officer_own"},
        set(),
    ),
    ("sanction order", lambda s: f"/sanctions/orders/{s['order'].pk}/", SEES_A, set()),
    ("recovery order", lambda s: f"/sanctions/recoveries/{s['recovery'].pk}/", SEES_A, set()),
    ("project evaluation", lambda s: f"/evaluation/projects/{s['project'].pk}/", SEES_A, set()),
    ("self-evaluation", lambda s: f"/evaluation/self-evaluations/{s['self_ev'].pk}/", SEES_A, set()),
    ("comprehensive", lambda s: f"/evaluation/comprehensive/{s['ce'].pk}/", SEES_A, set()),
    # the request is internal (the unit sees the project once approved)
    ("emergency request", lambda s: f"/emergency/{s['request'].pk}/", GOV | {"officer_own"}, set()),
    ("report download", lambda s: f"/reports/runs/{s['run'].pk}/download/", GOV, set()),
    # project B: 工信局's, organisation B's
    (
        "project B",
        lambda s: f"/projects/{s['project_b'].pk}/",
        GOV | {"officer_other", "applicant_other"},
        set(),
    ),
    (
        "api project B",
        lambda s: f"/api/projects/{s['project_b'].pk}/",
        GOV | {"officer_other", "applicant_other"},
        set(),
    ),
    # the emergency project: organisation A's, managed by 科技局, like project A
    ("emergency project", lambda s: f"/projects/{s['request'].project_id}/", SEES_A, set()),
    (
        "emergency project contract",
        lambda s: f"/projects/{s['request'].project_id}/contract/",
        SEES_A,
        set(),
    ),
    # forms of actions: 403 for those who see the record but may not act
    # the arrangement page lists the items awaiting arrangement to every reader; finance acts
    ("arrange", lambda s: "/projects/arrange/", GOV, set()),
    (
        "propose sanction",
        lambda s: f"/sanctions/projects/{s['project'].pk}/propose/",
        {"office"},
        SEES_A - {"office"},
    ),
    (
        "issue recovery",
        lambda s: f"/sanctions/projects/{s['project'].pk}/recover/",
        {"office"},
        SEES_A - {"office"},
    ),
    (
        "escalate",
        lambda s: f"/monitoring/projects/{s['project'].pk}/escalate/",
        {"officer_own"},
        SEES_A - {"officer_own"},
    ),
    (
        "rectify",
        lambda s: f"/monitoring/projects/{s['project'].pk}/rectify/",
        {"office", "officer_own"},
        SEES_A - {"office", "officer_own"},
    ),
    (
        "respond rectification",
        lambda s: f"/monitoring/rectifications/{s['rectification'].pk}/respond/",
        {"applicant_own"},
        SEES_A - {"applicant_own"},
    ),
    (
        "handle escalation",
        lambda s: f"/monitoring/escalations/{s['escalation'].pk}/handle/",
        {"office"},
        GOV - {"office"} | {"officer_own"},
    ),
    (
        "return self-evaluation",
        lambda s: f"/evaluation/self-evaluations/{s['self_ev'].pk}/return/",
        {"office"},
        SEES_A - {"office"},
    ),
    (
        "return comprehensive",
        lambda s: f"/evaluation/comprehensive/{s['ce'].pk}/return/",
        {"finance"},
        SEES_A - {"finance"},
    ),
    ("new emergency request", lambda s: "/emergency/new/", {"office"}, SUPERVISORS - {"office"}),
    (
        "decide emergency request",
        lambda s: f"/emergency/{s['request'].pk}/decide/",
        set(),  # the leading group: decided already, so sent back to the request (302)
        GOV - {"leader"} | {"officer_own"},
    ),
    # the API's detail endpoints
    ("api project", lambda s: f"/api/projects/{s['project'].pk}/", SEES_A, set()),
    ("api contract", lambda s: f"/api/projects/contracts/{s['contract'].pk}/", SEES_A, set()),
    ("api progress report", lambda s: f"/api/monitoring/reports/{s['report'].pk}/", SEES_A, set()),
    (
        "api rectification",
        lambda s: f"/api/monitoring/rectifications/{s['rectification'].pk}/",
        SEES_A,
        set(),
    ),
    (
        "api escalation",
        lambda s: f"/api/monitoring/escalations/{s['escalation'].pk}/",
        GOV | {"officer_own"},
        set(),
    ),
    ("api schedule", lambda s: f"/api/monitoring/schedules/{s['project'].pk}/", SEES_A, set()),
    ("api sanction order", lambda s: f"/api/sanctions/orders/{s['order'].pk}/", SEES_A, set()),
    ("api recovery order", lambda s: f"/api/sanctions/recoveries/{s['recovery'].pk}/", SEES_A, set()),
    ("api recovery receipt", lambda s: f"/api/sanctions/receipts/{s['receipt'].pk}/", SEES_A, set()),
    ("api payment", lambda s: f"/api/projects/payments/{s['payment'].pk}/", SEES_A, set()),
    ("api tranche", lambda s: f"/api/projects/tranches/{s['tranche'].pk}/", SEES_A, set()),
    (
        "api self-evaluation",
        lambda s: f"/api/evaluation/self-evaluations/{s['self_ev'].pk}/",
        SEES_A,
        set(),
    ),
    ("api comprehensive", lambda s: f"/api/evaluation/comprehensive/{s['ce'].pk}/", SEES_A, set()),
    (
        "api emergency request",
        lambda s: f"/api/emergency/requests/{s['request'].pk}/",
        GOV | {"officer_own"},
        set(),
    ),
    ("api report run", lambda s: f"/api/reports/runs/{s['run'].pk}/", GOV, set()),
]

# API lists: every signed-in person gets 200, with exactly the records of its scope.
STAGE_API_LISTS = [
    # (name, url, key of the world's record of project A, who sees it)
    ("projects", "/api/projects/", "project", SEES_A),
    ("contracts", "/api/projects/contracts/", "contract", SEES_A),
    ("progress reports", "/api/monitoring/reports/", "report", SEES_A),
    ("rectifications", "/api/monitoring/rectifications/", "rectification", SEES_A),
    ("escalations", "/api/monitoring/escalations/", "escalation", GOV | {"officer_own"}),
    ("payments", "/api/projects/payments/", "payment", SEES_A),
    ("tranches", "/api/projects/tranches/", "tranche", SEES_A),
    ("sanction orders", "/api/sanctions/orders/", "order", SEES_A),
    ("recovery receipts", "/api/sanctions/receipts/", "receipt", SEES_A),
    ("recovery orders", "/api/sanctions/recoveries/", "recovery", SEES_A),
    ("self-evaluations", "/api/evaluation/self-evaluations/", "self_ev", SEES_A),
    ("comprehensive", "/api/evaluation/comprehensive/", "ce", SEES_A),
    ("emergency requests", "/api/emergency/requests/", "request", GOV | {"officer_own"}),
    ("report runs", "/api/reports/runs/", "run", GOV),
]

# Web lists that name project A's record (by its number) to those who see it, and only to them.
STAGE_LIST_MARKERS = [
    # (name, url, the marker's builder, who sees it)
    ("projects list", "/projects/", lambda s: s["project"].number, SEES_A),
    ("monitoring reports", "/monitoring/reports/", lambda s: s["project"].number, SEES_A),
    ("monitoring rectifications", "/monitoring/rectifications/", lambda s: s["project"].number, SEES_A),
    (
        "monitoring escalations",
        "/monitoring/escalations/",
        lambda s: s["project"].number,
        GOV | {"officer_own"},
    ),
    ("sanction orders", "/sanctions/orders/", lambda s: s["order"].number, SEES_A),
    ("recovery orders", "/sanctions/recoveries/", lambda s: s["recovery"].number, SEES_A),
    ("self-evaluations", "/evaluation/self-evaluations/", lambda s: s["project"].number, SEES_A),
    ("comprehensive", "/evaluation/comprehensive/", lambda s: s["project"].number, SEES_A),
    ("emergency requests", "/emergency/", lambda s: s["request"].number, GOV | {"officer_own"}),
]

# Excel exports: (name, url, who gets the file, who gets 403, the marker's builder, who finds it in
# the file); the others get 404.
STAGE_EXPORTS = [
    (
        "projects export",
        "/projects/export.xlsx",
        PROJECT_ROLES,
        set(),
        lambda s: s["project"].number,
        SEES_A,
    ),
    (
        "overdue export",
        "/monitoring/overdue.xlsx",
        SUPERVISORS,
        {"applicant_own", "applicant_other"},
        None,
        set(),
    ),
    (
        "sanctions register",
        "/sanctions/export/",
        GOV,
        {"officer_own", "officer_other", "applicant_own", "applicant_other"},
        lambda s: s["order"].number,
        GOV,
    ),
    ("grades export", "/evaluation/grades/export/", SUPERVISORS, set(), None, set()),
    ("grade summary export", "/evaluation/grades/summary/export/", SUPERVISORS, set(), None, set()),
]

#: Slow pages (PDF rendering): only their refusals are checked here (the crawl opens one as the office).
STAGE_REFUSALS = [
    ("contract pdf", lambda s: f"/projects/{s['project'].pk}/contract.pdf", SEES_A),
]


def _workbook_text(content: bytes) -> str:
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return " ".join(
        str(v) for ws in wb for row in ws.iter_rows(values_only=True) for v in row if v is not None
    )


def _ids(resp) -> set:
    data = resp.json()
    rows = data["results"] if isinstance(data, dict) else data
    return {r["id"] for r in rows}


def _secrets(stages) -> list[tuple[str, set[str]]]:
    """Texts that only some roles may ever read, with those roles: project A's number, title and
    orders (those who see A); the escalation and the emergency request (the government side of A)."""
    s = stages
    internal = GOV | {"officer_own"}
    return [
        (s["project"].number, SEES_A),
        (s["project"].title, SEES_A),
        (s["order"].number, SEES_A),
        (s["recovery"].number, SEES_A),
        (s["escalation"].summary, internal),
        # (its number is no secret: the emergency project's 任务书 names it as the project's authority)
        (s["request"].justification, internal),
        (s["request"].basis, internal),
    ]


def test_stages_each_role_sees_exactly_its_scope(client, stages):
    """Statuses by role, API lists and web lists holding exactly the role's records, and no page a
    role opens (home included) naming a record outside its scope."""
    secrets = _secrets(stages)
    got, want = {}, {}

    def leaks(role, name, resp):
        if resp.status_code != 200 or not resp.get("Content-Type", "").startswith(
            ("text/html", "application/json")
        ):
            return
        body = resp.content.decode()
        if resp["Content-Type"].startswith("application/json"):
            body = json.dumps(resp.json(), ensure_ascii=False)
        leaked = [text for text, allowed in secrets if role not in allowed and text in body]
        if leaked:
            got[(role, "leak " + name)] = leaked
            want[(role, "leak " + name)] = []

    for role in STAGE_ROLES:
        client.force_login(stages["users"][role])
        leaks(role, "home", client.get("/"))
        for name, url, sees, forbidden in STAGE_PAGES:
            resp = client.get(url(stages))
            got[(role, name)] = resp.status_code
            want[(role, name)] = _stage_expect(role, sees, forbidden, name)
            leaks(role, name, resp)
        for name, url, key, sees in STAGE_API_LISTS:
            resp = client.get(url)
            got[(role, "api list " + name)] = (resp.status_code, stages[key].pk in _ids(resp))
            want[(role, "api list " + name)] = (200, role in sees)
            leaks(role, "api list " + name, resp)
        for name, url, marker, sees in STAGE_LIST_MARKERS:
            resp = client.get(url)
            shown = resp.status_code == 200 and marker(stages) in resp.content.decode()
            got[(role, "list shows " + name)] = shown
            want[(role, "list shows " + name)] = role in sees
        for name, url, ok, forbidden, marker, sees in STAGE_EXPORTS:
            resp = client.get(url)
            got[(role, name)] = resp.status_code
            want[(role, name)] = _stage_expect(role, ok, forbidden)
            if resp.status_code == 200:
                text = _workbook_text(resp.content)
                leaked = [t for t, allowed in secrets if role not in allowed and t in text]
                got[(role, name + " leaks")] = leaked
                want[(role, name + " leaks")] = []
                if marker is not None:
                    got[(role, name + " shows A")] = marker(stages) in text
                    want[(role, name + " shows A")] = role in sees
        for name, url, sees in STAGE_REFUSALS:
            if role not in sees:
                got[(role, name)] = client.get(url(stages)).status_code
                want[(role, name)] = 404
        client.logout()
    assert {k: v for k, v in got.items() if v != want.get(k)} == {}


def test_stages_anonymous_is_sent_to_login_and_api_refuses(client, stages):
    urls = [url(stages) for _name, url, _sees, _forbidden in STAGE_PAGES]
    urls += [url for _name, url, _key, _sees in STAGE_API_LISTS]
    urls += [url for _name, url, *_rest in STAGE_EXPORTS]
    urls += [url(stages) for _name, url, _sees in STAGE_REFUSALS]
    for path in urls:
        resp = client.get(path)
        if path.startswith("/api/"):
            assert resp.status_code in (401, 403), path
        else:
            assert resp.status_code == 302 and reverse("login") in resp["Location"], path

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


# =============================================================================================
# Expert review (专家评审): the pool, conflicts, exclusions, plans, rounds, tasks, panels, meetings and
# site visits — every page and API endpoint with an object in its address.
#
# One world built through the services: a call with application OWN (科技局, organisation A) and
# application OTHER (工信局, organisation B), each with an exclusion (申请回避) its applicant typed; a
# remote round R1 (expert IN and a co-reviewer on OWN, two others on OTHER) scored and closed, with
# its conflict check (an expert of organisation A); a meeting round (IN on the panel, OWN on the
# agenda), a site-visit round (IN visited OWN, one attachment), a remote round with a computed plan;
# IN's availability window and declared relationship. Expert OUT is in the pool, on nothing.
#
# Every role GETs every page and POSTs every action (each POST inside a savepoint that is rolled
# back, so one role's action never changes what the next role meets); no page a role opens names an
# expert, a score comment, an exclusion or a conflict outside its scope.
# =============================================================================================

REVIEW_ROLES = [
    "office",
    "leader",
    "finance",
    "auditor",
    "officer_own",  # 科技局: application OWN's department
    "officer_other",  # 工信局: application OTHER's department
    "applicant_own",  # organisation A: application OWN
    "applicant_other",  # organisation B: application OTHER
    "expert_in",  # on R1 (OWN), the panel and the site visit
    "expert_out",  # in the pool, on nothing
    "sysadmin",
    "secadmin",
    "auditadmin",
]
CONFLICT_READERS = {"office", "auditor"}
ATTACHMENT_READERS = {"office", "auditor", "expert_in"}
OFFICE = {"office"}
READERS_BUT_OFFICE = GOV - OFFICE
OFFICERS_OF_REVIEW = {"officer_own", "officer_other"}


class _Rollback(Exception):
    pass


@pytest.fixture
def review_world(rizhao, office, settings, tmp_path, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from techfund.review import models as review_models
    from techfund.review import services as review
    from techfund.review.models import Assignment, ConflictFinding, RoundResult
    from techfund.review.services import meetings, plans, site_visits
    from tests.review.conftest import CRITERIA, make_application, make_call, make_expert, scores
    from tests.review.meetings.conftest import PDF, at

    settings.TECHFUND_JOBS = "eager"
    settings.MEDIA_ROOT = tmp_path / "media"
    st = Department.objects.get(code="science_technology")
    it = Department.objects.get(code="industry_it")
    org_a, org_b = factories.organisation(), factories.organisation()
    fy = funds.open_fund_year(actor=office, year=rizhao.year)
    call = make_call(fy, office, code="R", title="重点研发计划（评审范围测试）")
    own = make_application(call, organisation=org_a, title="评审范围测试甲项目")
    other = make_application(call, organisation=org_b, title="评审范围测试乙项目", department="industry_it")
    users = {
        "office": office,
        "leader": factories.user(Role.LEADING_GROUP),
        "finance": factories.user(Role.FINANCE),
        "auditor": factories.user(Role.AUDITOR),
        "officer_own": factories.user(Role.DEPARTMENT, department=st),
        "officer_other": factories.user(Role.DEPARTMENT, department=it),
        "applicant_own": factories.user(Role.APPLICANT, organisation=org_a),
        "applicant_other": factories.user(Role.APPLICANT, organisation=org_b),
        "sysadmin": factories.user(Role.SYSADMIN),
        "secadmin": factories.user(Role.SECADMIN),
        "auditadmin": factories.user(Role.AUDITADMIN),
    }
    # 申请回避, typed by each applicant before review
    excl_own = review.add_exclusion(
        own, actor=users["applicant_own"], name="回避甲某", reason="甲项目回避理由：长期竞争关系"
    )
    excl_other = review.add_exclusion(
        other, actor=users["applicant_other"], name="回避乙某", reason="乙项目回避理由：曾有学术争议"
    )
    schools = ["山东大学", "中国海洋大学", "青岛科技大学", "曲阜师范大学", "山东科技大学", "济南大学"]
    ex_in = make_expert(office, name="范围专家甲", organisation_name=schools[0], subjects=["F01"])
    ex_out = make_expert(office, name="范围专家乙", organisation_name="烟台大学", subjects=["F01"])
    co = make_expert(office, name="范围同评丙", organisation_name=schools[1])
    others = [
        make_expert(office, name=f"范围委员{i}", organisation_name=s) for i, s in enumerate(schools[2:])
    ]
    insider = make_expert(office, name="范围内部丁", organisation=org_a)
    users["expert_in"], users["expert_out"] = ex_in.user, ex_out.user
    window = review.add_availability(ex_in, actor=ex_in.user, starts_on="2020-01-01", ends_on="2029-12-31")
    relation = review.declare_relation(
        ex_in, actor=ex_in.user, kind="economic", person_name="范围关系人", note="合作"
    )
    # R1: remote, scored, closed
    r1 = review.create_round(call, actor=office, name="通讯评审", method="remote", criteria=CRITERIA)
    for app, ex in ((own, ex_in), (own, co), (other, co), (other, others[0])):
        review.assign(r1, actor=office, application=app, expert=ex)
    review.check_round_conflicts(r1, actor=office)
    finding = ConflictFinding.objects.get(round=r1, expert=insider)
    review.open_round(r1, actor=office)
    comments = {}
    for a in Assignment.objects.filter(round=r1).select_related("expert__user"):
        comments[a.pk] = f"评审意见{a.pk}：范围测试意见"
        review.submit_score(
            a, actor=a.expert.user, scores=scores(80, 80, 8), comment=comments[a.pk], recommendation="support"
        )
    review.close_round(r1, actor=office)
    a_in = Assignment.objects.get(round=r1, expert=ex_in)
    a_co = Assignment.objects.get(round=r1, application=own, expert=co)
    # a meeting round: IN chairs the panel; OWN on the agenda
    r2 = review.create_round(
        call, actor=office, name="会议论证", method="meeting", criteria=CRITERIA, previous=r1
    )
    panel = meetings.create_panel(r2, actor=office, name="范围专家组", members=[ex_in, *others], chair=ex_in)
    meeting = meetings.schedule_meeting(
        panel,
        actor=office,
        held_at=at(3),
        place="范围测试会议室",
        applications=[(own.pk, "需要会议论证")],
        include_disputed=False,
    )
    review.open_round(r2, actor=office)
    # a site-visit round: IN and one panel member visited OWN
    r3 = review.create_round(
        call, actor=office, name="现场考核", method="site_visit", criteria=CRITERIA, previous=r1
    )
    for ex in (ex_in, others[1]):
        review.assign(r3, actor=office, application=own, expert=ex)
    review.open_round(r3, actor=office)
    visit = site_visits.record_site_visit(
        r3,
        own,
        actor=office,
        visited_on=timezone.localdate(),
        place="范围测试厂区",
        experts=[ex_in, others[1]],
        findings="现场考核发现：范围测试考核情况",
        conclusion="support",
        attachments=[SimpleUploadedFile("考核表.pdf", PDF)],
    )
    attachment = visit.attachments.get()
    # a remote round with a computed plan (ready, not released)
    r4 = review.create_round(call, actor=office, name="复评", method="remote", criteria=CRITERIA, previous=r1)
    with django_capture_on_commit_callbacks(execute=True):
        plan = plans.create_plan(r4, actor=office, mode="optimal", k=3)
    plan.refresh_from_db()
    # an expert the office imported without an account (the security administrator links one)
    from tests.review.pool.test_import import row, workbook

    review.import_experts(workbook([row(name="范围无账号戊", org="鲁东大学")]), actor=office)
    return {
        "users": users,
        "no_account": review_models.Expert.objects.get(name="范围无账号戊"),
        "call": call,
        "own": own,
        "other": other,
        "excl_own": excl_own,
        "excl_other": excl_other,
        "ex_in": ex_in,
        "ex_out": ex_out,
        "co": co,
        "insider": insider,
        "window": window,
        "relation": relation,
        "r1": r1,
        "r2": r2,
        "r3": r3,
        "r4": r4,
        "a_in": a_in,
        "a_co": a_co,
        "comments": comments,
        "finding": finding,
        "result_own": RoundResult.objects.get(round=r1, application=own),
        "result_other": RoundResult.objects.get(round=r1, application=other),
        "panel": panel,
        "meeting": meeting,
        "visit": visit,
        "attachment": attachment,
        "plan": plan,
    }


def _r(key: str, path: str):
    """``/review/<path>`` with ``{}`` filled by the world's ``key`` record's pk."""
    return lambda w: "/review/" + path.format(w[key].pk)


def _api(key: str, path: str):
    return lambda w: "/api/review/" + path.format(w[key].pk)


# (name, method, url builder, data, roles that act or read, their status, roles that get 403; the
# others get 404). Methods: get; post (a form); json (a JSON POST); patch; delete; upload (a file).
# A refusal by the service (state, validation) still counts as "acts": the page answers as for a
# refused form (200 with the errors, or a redirect with the message), the API 400.
REVIEW_PAGES = [
    # ---- the pool: an expert's record (an expert's own page is /review/me/; the office's is 403)
    ("expert IN", "get", _r("ex_in", "experts/{}/"), None, GOV, 200, {"expert_in"}),
    ("expert OUT", "get", _r("ex_out", "experts/{}/"), None, GOV, 200, {"expert_out"}),
    ("expert without account", "get", _r("no_account", "experts/{}/"), None, GOV, 200, set()),
    # ---- the security administrator links an account to an expert imported without one (三员分立)
    ("link account", "get", _r("no_account", "experts/{}/account/"), None, {"secadmin"}, 200, GOV),
    (
        "link account post",
        "post",
        _r("no_account", "experts/{}/account/"),
        {"username": ""},
        {"secadmin"},
        200,
        GOV,
    ),
    ("link account IN", "get", _r("ex_in", "experts/{}/account/"), None, set(), 200, set()),  # has one
    (
        "expert edit",
        "get",
        _r("ex_in", "experts/{}/edit/"),
        None,
        OFFICE,
        200,
        READERS_BUT_OFFICE | {"expert_in"},
    ),
    (
        "expert edit post",
        "post",
        _r("ex_in", "experts/{}/edit/"),
        {},
        OFFICE,
        200,
        READERS_BUT_OFFICE | {"expert_in"},
    ),
    (
        "expert status",
        "get",
        _r("ex_in", "experts/{}/status/"),
        None,
        OFFICE,
        200,
        READERS_BUT_OFFICE | {"expert_in"},
    ),
    (
        "expert status post",
        "post",
        _r("ex_in", "experts/{}/status/"),
        {},
        OFFICE,
        200,
        READERS_BUT_OFFICE | {"expert_in"},
    ),
    (
        "availability add",
        "post",
        _r("ex_in", "experts/{}/availability/"),
        {},
        {"office", "expert_in"},
        302,
        READERS_BUT_OFFICE,
    ),
    (
        "availability remove",
        "post",
        _r("window", "availability/{}/remove/"),
        {},
        {"office", "expert_in"},
        302,
        READERS_BUT_OFFICE,
    ),
    (
        "relation withdraw",
        "post",
        _r("relation", "relations/{}/withdraw/"),
        {"reason": "撤回"},
        {"office", "expert_in"},
        302,
        READERS_BUT_OFFICE,
    ),
    # ---- calls and rounds (the fund's readers; the office acts)
    ("call rounds", "get", _r("call", "calls/{}/"), None, GOV, 200, set()),
    ("new round", "get", _r("call", "calls/{}/rounds/new/"), None, OFFICE, 200, READERS_BUT_OFFICE),
    ("new round post", "post", _r("call", "calls/{}/rounds/new/"), {}, OFFICE, 200, READERS_BUT_OFFICE),
    ("round", "get", _r("r1", "rounds/{}/"), None, GOV, 200, set()),
    ("round export", "get", lambda w: f"/review/rounds/{w['r1'].pk}/?export=xlsx", None, GOV, 200, set()),
    ("round assign", "get", _r("r4", "rounds/{}/assign/"), None, OFFICE, 200, READERS_BUT_OFFICE),
    (
        "round assign post",
        "post",
        _r("r4", "rounds/{}/assign/"),
        lambda w: {"application": w["own"].pk, "expert": ""},
        OFFICE,
        200,
        READERS_BUT_OFFICE,
    ),
    ("round open", "post", _r("r1", "rounds/{}/open/"), {}, OFFICE, 302, READERS_BUT_OFFICE),
    ("round close", "post", _r("r1", "rounds/{}/close/"), {}, OFFICE, 302, READERS_BUT_OFFICE),
    ("meetings of a remote round", "get", _r("r1", "rounds/{}/meetings/"), None, set(), 200, set()),
    (
        "unassign",
        "post",
        _r("a_co", "assignments/{}/unassign/"),
        {"reason": "撤销"},
        OFFICE,
        302,
        READERS_BUT_OFFICE,
    ),
    ("replace", "post", _r("a_in", "assignments/{}/replace/"), {}, OFFICE, 302, READERS_BUT_OFFICE),
    # ---- one application's review: its department and applicant see closed results (no experts)
    (
        "application review OWN",
        "get",
        _r("own", "applications/{}/"),
        None,
        GOV | {"officer_own", "applicant_own"},
        200,
        set(),
    ),
    (
        "application review OTHER",
        "get",
        _r("other", "applications/{}/"),
        None,
        GOV | {"officer_other", "applicant_other"},
        200,
        set(),
    ),
    # ---- an expert's tasks: their own only (nobody else's, the office's neither)
    ("task IN", "get", _r("a_in", "tasks/{}/"), None, {"expert_in"}, 200, set()),
    ("task IN post", "post", _r("a_in", "tasks/{}/"), {}, {"expert_in"}, 302, set()),  # scored: refused
    ("task CO", "get", _r("a_co", "tasks/{}/"), None, set(), 200, set()),
    ("task decline", "get", _r("a_in", "tasks/{}/decline/"), None, {"expert_in"}, 200, set()),
    ("task decline post", "post", _r("a_in", "tasks/{}/decline/"), {}, {"expert_in"}, 200, set()),
    ("task accept", "post", _r("a_in", "tasks/{}/accept/"), {}, {"expert_in"}, 302, set()),
    ("task accept CO", "post", _r("a_co", "tasks/{}/accept/"), {}, set(), 302, set()),
    # ---- 申请回避: the applicant's own list; the fund's readers read it
    (
        "exclusions OWN",
        "get",
        _r("own", "applications/{}/exclusions/"),
        None,
        GOV | {"applicant_own"},
        200,
        set(),
    ),
    (
        "exclusions OWN post",
        "post",
        _r("own", "applications/{}/exclusions/"),
        {"name": "某某", "reason": "理由"},
        {"applicant_own"},
        200,
        GOV,
    ),
    (
        "exclusions OTHER",
        "get",
        _r("other", "applications/{}/exclusions/"),
        None,
        GOV | {"applicant_other"},
        200,
        set(),
    ),
    ("exclusion remove", "post", _r("excl_own", "exclusions/{}/remove/"), {}, {"applicant_own"}, 302, GOV),
    # ---- conflicts name experts: the office and the auditor
    (
        "application conflicts",
        "get",
        _r("own", "applications/{}/conflicts/"),
        None,
        CONFLICT_READERS,
        200,
        set(),
    ),
    ("round conflicts", "get", _r("r1", "rounds/{}/conflicts/"), None, CONFLICT_READERS, 200, set()),
    (
        "round conflicts xlsx",
        "get",
        lambda w: f"/review/rounds/{w['r1'].pk}/conflicts/?format=xlsx",
        None,
        CONFLICT_READERS,
        200,
        set(),
    ),
    ("conflict check", "post", _r("r1", "rounds/{}/conflicts/check/"), {}, OFFICE, 302, {"auditor"}),
    # ---- plans name experts: the fund's readers; the office acts
    ("round plans", "get", _r("r4", "rounds/{}/plans/"), None, GOV, 200, set()),
    ("round plans post", "post", _r("r4", "rounds/{}/plans/"), {}, OFFICE, 200, READERS_BUT_OFFICE),
    ("plan", "get", _r("plan", "plans/{}/"), None, GOV, 200, set()),
    ("plan release", "post", _r("plan", "plans/{}/release/"), {}, OFFICE, 302, READERS_BUT_OFFICE),
    (
        "plan discard",
        "post",
        _r("plan", "plans/{}/discard/"),
        {"reason": "作废"},
        OFFICE,
        302,
        READERS_BUT_OFFICE,
    ),
    ("plan export", "get", _r("plan", "plans/{}/export/"), None, GOV, 200, set()),
    # ---- meetings: the fund's readers; the panel's experts see their meeting
    ("round meetings", "get", _r("r2", "rounds/{}/meetings/"), None, GOV, 200, set()),
    ("new panel", "get", _r("r2", "rounds/{}/panels/new/"), None, OFFICE, 200, READERS_BUT_OFFICE),
    ("new panel post", "post", _r("r2", "rounds/{}/panels/new/"), {}, OFFICE, 200, READERS_BUT_OFFICE),
    ("panel edit", "get", _r("panel", "panels/{}/edit/"), None, OFFICE, 200, READERS_BUT_OFFICE),
    ("panel edit post", "post", _r("panel", "panels/{}/edit/"), {}, OFFICE, 200, READERS_BUT_OFFICE),
    ("new meeting", "get", _r("panel", "panels/{}/meetings/new/"), None, OFFICE, 200, READERS_BUT_OFFICE),
    ("new meeting post", "post", _r("panel", "panels/{}/meetings/new/"), {}, OFFICE, 200, READERS_BUT_OFFICE),
    ("meeting", "get", _r("meeting", "meetings/{}/"), None, GOV | {"expert_in"}, 200, set()),
    (
        "meeting application OWN",
        "get",
        lambda w: f"/review/meetings/{w['meeting'].pk}/applications/{w['own'].pk}/",
        None,
        GOV | {"expert_in"},
        200,
        set(),
    ),
    (
        "meeting application OTHER",  # not on the agenda
        "get",
        lambda w: f"/review/meetings/{w['meeting'].pk}/applications/{w['other'].pk}/",
        None,
        set(),
        200,
        set(),
    ),
    ("meeting record", "get", _r("meeting", "meetings/{}/record/"), None, OFFICE, 200, READERS_BUT_OFFICE),
    (
        "meeting record post",
        "post",
        _r("meeting", "meetings/{}/record/"),
        {},
        OFFICE,
        200,
        READERS_BUT_OFFICE,
    ),
    ("meeting cancel", "post", _r("meeting", "meetings/{}/cancel/"), {}, OFFICE, 302, READERS_BUT_OFFICE),
    # ---- site visits: the fund's readers and the visit's experts; files: office, auditor, its experts
    ("round site visits", "get", _r("r3", "rounds/{}/site-visits/"), None, GOV, 200, set()),
    ("new site visit", "get", _r("r3", "rounds/{}/site-visits/new/"), None, OFFICE, 200, READERS_BUT_OFFICE),
    (
        "new site visit post",
        "post",
        _r("r3", "rounds/{}/site-visits/new/"),
        {},
        OFFICE,
        200,
        READERS_BUT_OFFICE,
    ),
    ("site visit", "get", _r("visit", "site-visits/{}/"), None, GOV | {"expert_in"}, 200, set()),
    (
        "site visit post",
        "post",
        _r("visit", "site-visits/{}/"),
        {},
        OFFICE,
        200,
        READERS_BUT_OFFICE | {"expert_in"},
    ),
    (
        "site visit file",
        "get",
        _r("attachment", "site-visit-attachments/{}/"),
        None,
        ATTACHMENT_READERS,
        200,
        set(),
    ),
    # ---- the API
    ("api expert IN", "get", _api("ex_in", "experts/{}/"), None, GOV | {"expert_in"}, 200, set()),
    ("api expert OUT", "get", _api("ex_out", "experts/{}/"), None, GOV | {"expert_out"}, 200, set()),
    (
        "api expert patch",
        "patch",
        _api("ex_in", "experts/{}/"),
        {"title": "研究员"},
        OFFICE,
        200,
        READERS_BUT_OFFICE | {"expert_in"},
    ),
    (
        "api expert status",
        "json",
        _api("ex_in", "experts/{}/status/"),
        {"status": "suspended", "reason": "调查"},
        OFFICE,
        200,
        READERS_BUT_OFFICE | {"expert_in"},
    ),
    (
        "api expert windows",
        "get",
        _api("ex_in", "experts/{}/availability/"),
        None,
        GOV | {"expert_in"},
        200,
        set(),
    ),
    (
        "api expert window add",
        "json",
        _api("ex_in", "experts/{}/availability/"),
        {"starts_on": "2030-01-01", "ends_on": "2030-02-01"},
        {"office", "expert_in"},
        201,
        READERS_BUT_OFFICE,
    ),
    (
        "api expert window remove",
        "delete",
        lambda w: f"/api/review/experts/{w['ex_in'].pk}/availability/{w['window'].pk}/",
        None,
        {"office", "expert_in"},
        204,
        READERS_BUT_OFFICE,
    ),
    (
        "api expert history",
        "get",
        _api("ex_in", "experts/{}/history/"),
        None,
        GOV | {"expert_in"},
        200,
        set(),
    ),
    ("api round R1", "get", _api("r1", "rounds/{}/"), None, GOV | {"expert_in"}, 200, set()),
    ("api round R2", "get", _api("r2", "rounds/{}/"), None, GOV | {"expert_in"}, 200, set()),  # on the panel
    ("api round R3", "get", _api("r3", "rounds/{}/"), None, GOV | {"expert_in"}, 200, set()),
    ("api round R4", "get", _api("r4", "rounds/{}/"), None, GOV, 200, set()),
    (
        "api round R2 open",
        "json",
        _api("r2", "rounds/{}/open/"),
        {},
        OFFICE,
        400,
        READERS_BUT_OFFICE | {"expert_in"},
    ),
    ("api round results", "get", _api("r1", "rounds/{}/results/"), None, GOV | {"expert_in"}, 200, set()),
    (
        "api round open",
        "json",
        _api("r1", "rounds/{}/open/"),
        {},
        OFFICE,
        400,
        READERS_BUT_OFFICE | {"expert_in"},
    ),
    (
        "api round close",
        "json",
        _api("r1", "rounds/{}/close/"),
        {},
        OFFICE,
        400,
        READERS_BUT_OFFICE | {"expert_in"},
    ),
    ("api assignment IN", "get", _api("a_in", "assignments/{}/"), None, GOV | {"expert_in"}, 200, set()),
    ("api assignment CO", "get", _api("a_co", "assignments/{}/"), None, GOV, 200, set()),
    (
        "api assignment delete",
        "delete",
        _api("a_co", "assignments/{}/"),
        None,
        OFFICE,
        400,
        READERS_BUT_OFFICE,
    ),
    (
        "api assignment score",
        "json",
        _api("a_in", "assignments/{}/score/"),
        {"scores": {}},
        {"expert_in"},
        400,
        GOV,
    ),
    ("api assignment accept", "json", _api("a_in", "assignments/{}/accept/"), {}, {"expert_in"}, 400, GOV),
    (
        "api assignment decline",
        "json",
        _api("a_in", "assignments/{}/decline/"),
        {"reason": "出差"},
        {"expert_in"},
        400,
        GOV,
    ),
    ("api assignment accept CO", "json", _api("a_co", "assignments/{}/accept/"), {}, set(), 400, GOV),
    (
        "api assignment replace",
        "json",
        _api("a_in", "assignments/{}/replace/"),
        {},
        OFFICE,
        400,
        READERS_BUT_OFFICE | {"expert_in"},
    ),
    (
        "api result OWN",
        "get",
        _api("result_own", "results/{}/"),
        None,
        GOV | {"officer_own", "applicant_own"},
        200,
        set(),
    ),
    (
        "api result OTHER",
        "get",
        _api("result_other", "results/{}/"),
        None,
        GOV | {"officer_other", "applicant_other"},
        200,
        set(),
    ),
    ("api conflict", "get", _api("finding", "conflicts/{}/"), None, CONFLICT_READERS, 200, set()),
    (
        "api exclusion OWN",
        "get",
        _api("excl_own", "exclusions/{}/"),
        None,
        GOV | {"applicant_own"},
        200,
        set(),
    ),
    (
        "api exclusion OTHER",
        "get",
        _api("excl_other", "exclusions/{}/"),
        None,
        GOV | {"applicant_other"},
        200,
        set(),
    ),
    ("api exclusion delete", "delete", _api("excl_own", "exclusions/{}/"), None, {"applicant_own"}, 400, GOV),
    ("api plan", "get", _api("plan", "plans/{}/"), None, GOV, 200, set()),
    ("api plan pairs", "get", _api("plan", "plans/{}/pairs/"), None, GOV, 200, set()),
    ("api plan release", "json", _api("plan", "plans/{}/release/"), {}, OFFICE, 200, READERS_BUT_OFFICE),
    (
        "api plan discard",
        "json",
        _api("plan", "plans/{}/discard/"),
        {"reason": "作废"},
        OFFICE,
        200,
        READERS_BUT_OFFICE,
    ),
    ("api plan job", "get", lambda w: f"/api/jobs/{w['plan'].job_id}/", None, CONFLICT_READERS, 200, set()),
    ("api panel", "get", _api("panel", "panels/{}/"), None, GOV | {"expert_in"}, 200, set()),
    (
        "api panel patch",
        "patch",
        _api("panel", "panels/{}/"),
        lambda w: {"members": [], "chair": None, "reason": "调整"},
        OFFICE,
        400,
        READERS_BUT_OFFICE | {"expert_in"},
    ),
    ("api meeting", "get", _api("meeting", "meetings/{}/"), None, GOV | {"expert_in"}, 200, set()),
    (
        "api meeting record",
        "json",
        _api("meeting", "meetings/{}/record/"),
        {"attendance": {}, "minutes": "", "votes": {}},
        OFFICE,
        400,
        READERS_BUT_OFFICE | {"expert_in"},
    ),
    (
        "api meeting cancel",
        "json",
        _api("meeting", "meetings/{}/cancel/"),
        {"reason": ""},
        OFFICE,
        400,
        READERS_BUT_OFFICE | {"expert_in"},
    ),
    ("api site visit", "get", _api("visit", "site-visits/{}/"), None, GOV | {"expert_in"}, 200, set()),
    (
        "api site visit file add",
        "upload",
        _api("visit", "site-visits/{}/attachments/"),
        None,
        OFFICE,
        201,
        READERS_BUT_OFFICE | {"expert_in"},
    ),
    (
        "api site visit file",
        "get",
        _api("attachment", "site-visit-attachments/{}/"),
        None,
        ATTACHMENT_READERS,
        200,
        set(),
    ),
    # ---- the API's creations naming a record in their body: the same scope as its address would
    (
        "api round create",
        "json",
        lambda w: "/api/review/rounds/",
        lambda w: {"call": w["call"].pk, "name": "", "method": "remote", "criteria": []},
        OFFICE,
        400,
        READERS_BUT_OFFICE,
    ),
    (
        "api assignment create",
        "json",
        lambda w: "/api/review/assignments/",
        lambda w: {"round": w["r4"].pk, "application": w["own"].pk, "expert": w["insider"].pk},
        OFFICE,
        400,  # the expert works at the applicant: 回避
        READERS_BUT_OFFICE,
    ),
    (
        "api plan create",
        "json",
        lambda w: "/api/review/plans/",
        lambda w: {"round": w["r4"].pk, "mode": "nonsense"},
        OFFICE,
        400,
        READERS_BUT_OFFICE,
    ),
    (
        "api conflict check",
        "json",
        lambda w: "/api/review/conflicts/check/",
        lambda w: {"round": w["r1"].pk},
        OFFICE,
        200,
        {"auditor"},
    ),
    (
        "api exclusion create OWN",
        "json",
        lambda w: "/api/review/exclusions/",
        lambda w: {"application": w["own"].pk, "name": "某某", "reason": "理由"},
        {"applicant_own"},
        400,  # in review: the list is closed
        GOV | {"officer_own"},
    ),
    (
        "api panel create",
        "json",
        lambda w: "/api/review/panels/",
        lambda w: {"round": w["r2"].pk, "name": "", "members": [], "chair": None},
        OFFICE,
        400,
        READERS_BUT_OFFICE | {"expert_in"},
    ),
    (
        "api meeting create",
        "json",
        lambda w: "/api/review/meetings/",
        lambda w: {"panel": w["panel"].pk, "held_at": "", "place": ""},
        OFFICE,
        400,
        READERS_BUT_OFFICE | {"expert_in"},
    ),
    (
        "api site visit create",
        "json",
        lambda w: "/api/review/site-visits/",
        lambda w: {
            "round": w["r3"].pk,
            "application": w["own"].pk,
            "visited_on": "",
            "place": "",
            "experts": [],
            "findings": "",
            "conclusion": "",
        },
        OFFICE,
        400,
        READERS_BUT_OFFICE | {"expert_in"},
    ),
    (
        "api site visit file download",
        "get",
        _api("attachment", "site-visit-attachments/{}/download/"),
        None,
        ATTACHMENT_READERS,
        200,
        set(),
    ),
]

# API lists: every signed-in person gets 200, with exactly the records of its scope:
# (name, url, key of the world's record, who finds it in the list).
REVIEW_API_LISTS = [
    ("experts IN", "/api/review/experts/", "ex_in", GOV | {"expert_in"}),
    ("experts OUT", "/api/review/experts/", "ex_out", GOV | {"expert_out"}),
    ("rounds", "/api/review/rounds/", "r1", GOV | {"expert_in"}),
    ("assignments IN", "/api/review/assignments/", "a_in", GOV | {"expert_in"}),
    ("assignments CO", "/api/review/assignments/", "a_co", GOV),
    ("results OWN", "/api/review/results/", "result_own", GOV | {"officer_own", "applicant_own"}),
    ("results OTHER", "/api/review/results/", "result_other", GOV | {"officer_other", "applicant_other"}),
    ("conflicts", "/api/review/conflicts/", "finding", CONFLICT_READERS),
    ("exclusions OWN", "/api/review/exclusions/", "excl_own", GOV | {"applicant_own"}),
    ("exclusions OTHER", "/api/review/exclusions/", "excl_other", GOV | {"applicant_other"}),
    ("plans", "/api/review/plans/", "plan", GOV),
    ("panels", "/api/review/panels/", "panel", GOV | {"expert_in"}),
    ("meetings", "/api/review/meetings/", "meeting", GOV | {"expert_in"}),
    ("site visits", "/api/review/site-visits/", "visit", GOV | {"expert_in"}),
    ("site visit files", "/api/review/site-visit-attachments/", "attachment", ATTACHMENT_READERS),
]

# Web lists and role pages: (name, url, who opens it (the others are refused: 403 or 404), the
# marker's builder, who finds the marker on it).
REVIEW_LISTS = [
    ("expert pool", "/review/experts/", GOV, lambda w: w["ex_in"].name, GOV),
    ("rounds", "/review/rounds/", GOV, lambda w: w["r4"].name, GOV),
    ("my tasks", "/review/tasks/", {"expert_in", "expert_out"}, lambda w: w["own"].number, {"expert_in"}),
    (
        "my meetings",
        "/review/meetings/mine/",
        {"expert_in", "expert_out"},
        lambda w: w["meeting"].place,
        {"expert_in"},
    ),
    (
        "my profile",
        "/review/me/",
        {"expert_in", "expert_out"},
        lambda w: w["relation"].person_name,
        {"expert_in"},
    ),
    ("conflict rounds", "/review/conflicts/", CONFLICT_READERS, lambda w: w["r1"].name, CONFLICT_READERS),
    (
        "experts without account",
        "/review/experts/accounts/",
        {"secadmin"},
        lambda w: w["no_account"].name,
        {"secadmin"},
    ),
    (
        "ranking OWN",
        lambda w: f"/review/ranking/?year={w['call'].fund_year.year}&area={w['call'].focus_area.code}",
        GOV | OFFICERS_OF_REVIEW,
        lambda w: w["own"].number,
        GOV | {"officer_own"},
    ),
    (
        "ranking OTHER",
        lambda w: f"/review/ranking/?year={w['call'].fund_year.year}&area={w['call'].focus_area.code}",
        GOV | OFFICERS_OF_REVIEW,
        lambda w: w["other"].number,
        GOV | {"officer_other"},
    ),
]

#: Slow pages (PDF rendering): only their refusals are checked here.
REVIEW_REFUSALS = [("minutes pdf", _r("meeting", "meetings/{}/minutes.pdf"), GOV)]

#: Statuses other than the table's: (role, page) → status.
REVIEW_OTHER = {
    # an expert opening an application they review is sent to their task
    ("expert_in", "application review OWN"): 302,
}


def _review_secrets(w) -> list[tuple[str, set[str]]]:
    """Texts only some roles may read: experts' names (never to applicants or departments; a
    co-reviewer's never to another expert), score comments, exclusions, conflict reasons, findings."""
    finding_reason = w["finding"].reason
    return [
        (w["ex_in"].name, GOV | {"expert_in"}),
        (w["ex_out"].name, GOV | {"expert_out"}),
        (w["co"].name, GOV),
        (w["insider"].name, GOV),
        (w["comments"][w["a_co"].pk], GOV),
        (w["comments"][w["a_in"].pk], GOV | {"expert_in"}),
        (w["excl_own"].name, GOV | {"applicant_own"}),
        (w["excl_own"].reason, GOV | {"applicant_own"}),
        (w["excl_other"].name, GOV | {"applicant_other"}),
        (w["excl_other"].reason, GOV | {"applicant_other"}),
        (finding_reason, CONFLICT_READERS),
        (w["visit"].findings, GOV | {"expert_in"}),
        (w["relation"].person_name, GOV | {"expert_in"}),
        (w["no_account"].name, GOV | {"secadmin"}),
    ]


def _review_request(client, method: str, url: str, data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.review.meetings.conftest import PDF

    if method == "get":
        return client.get(url)
    if method == "post":
        return client.post(url, data or {})
    if method == "json":
        return client.post(url, data or {}, content_type="application/json")
    if method == "patch":
        return client.patch(url, data or {}, content_type="application/json")
    if method == "delete":
        return client.delete(url)
    assert method == "upload", method
    extra = PDF.replace(b"%%EOF", b"% supplement\n%%EOF")  # not the visit's own file again
    return client.post(url, {"file": SimpleUploadedFile("补充考核表.pdf", extra)})


def _consume(resp) -> None:
    """Read a file download to its end (the test client then closes the file)."""
    if resp.streaming:
        b"".join(resp.streaming_content)


def _rolled_back(fn):
    """Run ``fn()`` inside a savepoint that is rolled back: one role's action leaves the world as it was."""
    from django.db import transaction

    out = []
    try:
        with transaction.atomic():
            out.append(fn())
            raise _Rollback
    except _Rollback:
        pass
    return out[0]


def test_review_each_role_sees_exactly_its_scope(client, review_world):
    """Statuses by role for every review page and endpoint (GET and the actions' POSTs), and no
    page a role opens (home included) naming a review record outside its scope."""
    w = review_world
    secrets = _review_secrets(w)
    got, want = {}, {}

    def leaks(role, name, resp):
        kind = resp.get("Content-Type", "")
        if resp.status_code != 200 or not kind.startswith(("text/html", "application/json")):
            return
        body = resp.content.decode()
        if kind.startswith("application/json"):
            body = json.dumps(resp.json(), ensure_ascii=False)
        leaked = [text for text, allowed in secrets if role not in allowed and text in body]
        if leaked:
            got[(role, "leak " + name)] = leaked
            want[(role, "leak " + name)] = []

    for role in REVIEW_ROLES:
        client.force_login(w["users"][role])
        leaks(role, "home", client.get("/"))
        for name, method, url, data, ok, status, forbidden in REVIEW_PAGES:
            path, body = url(w), data(w) if callable(data) else data
            resp = _rolled_back(
                lambda path=path, body=body, method=method: _review_request(client, method, path, body)
            )
            got[(role, name)] = resp.status_code
            want[(role, name)] = REVIEW_OTHER.get(
                (role, name), status if role in ok else 403 if role in forbidden else 404
            )
            leaks(role, name, resp)
            _consume(resp)
        for name, url, key, sees in REVIEW_API_LISTS:
            resp = client.get(url)
            got[(role, "api list " + name)] = (resp.status_code, w[key].pk in _ids(resp))
            want[(role, "api list " + name)] = (200, role in sees)
            leaks(role, "api list " + name, resp)
        for name, url, opens, marker, sees in REVIEW_LISTS:
            resp = client.get(url(w) if callable(url) else url)
            got[(role, "list " + name)] = (
                200
                if resp.status_code == 200
                else "refused"
                if resp.status_code in (403, 404)
                else resp.status_code,
                resp.status_code == 200 and marker(w) in resp.content.decode(),
            )
            want[(role, "list " + name)] = (200 if role in opens else "refused", role in sees)
            leaks(role, "list " + name, resp)
        for name, url, sees in REVIEW_REFUSALS:
            if role not in sees:
                got[(role, name)] = client.get(url(w)).status_code
                want[(role, name)] = 404
        client.logout()
    assert {k: (v, want.get(k)) for k, v in got.items() if v != want.get(k)} == {}


def test_review_anonymous_is_sent_to_login_and_api_refuses(client, review_world):
    w = review_world
    paths = [(m, url(w), d(w) if callable(d) else d) for _n, m, url, d, *_rest in REVIEW_PAGES]
    paths += [("get", url(w), None) for _n, url, _s in REVIEW_REFUSALS]
    for method, path, data in paths:
        resp = _rolled_back(lambda: _review_request(client, method, path, data))  # noqa: B023
        if path.startswith("/api/"):
            assert resp.status_code in (401, 403), (method, path)
        else:
            assert resp.status_code == 302 and reverse("login") in resp["Location"], (method, path)

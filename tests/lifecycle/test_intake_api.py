"""A year's intake for each city driven only through the REST API, each step by the role that takes
it: fund year and framework, a call, applications, pre-screen and forward, formal check, expert
review, proposal batch, leading-group decisions, publicity with an objection, the final list."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.test import TestCase, override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from techfund.applications.enums import ApplicationState
from techfund.applications.models import Application
from techfund.core import workdays
from techfund.core.enums import OrganisationKind, Role
from techfund.core.models import Department
from techfund.decisions.models import ProposalItem
from techfund.demo.intake import id_number
from techfund.funds.models import FundYear
from tests import factories
from tests.lifecycle import checks

YEAR = 2026
CITY = {
    "rizhao": {"source": "st_innovation", "area": "major_projects", "dept": "science_technology"},
    "taian": {"source": "st_innovation", "area": "key_technologies", "dept": "science_technology"},
}


def api(user) -> APIClient:
    c = APIClient()
    if user is not None:
        c.force_authenticate(user)
    return c


def ok(resp, status=(200, 201)):
    assert resp.status_code in ((status,) if isinstance(status, int) else status), (
        resp.status_code,
        resp.content[:600],
    )
    return resp.json() if resp.content else None


def draft_body(org_name: str, n: int) -> dict:
    import random

    rng = random.Random(n)
    return {
        "abstract": "面向产业需求开展关键技术研究，形成自主知识产权并示范应用。",
        "keywords": ["关键技术", "示范应用"],
        "subject_code": "460",
        "requested_amount": "1000000.00",
        "self_raised": "600000.00",
        "support_mode": "grant",
        "start_date": f"{YEAR + 1}-01-01",
        "end_date": f"{YEAR + 2}-12-31",
        "team": [
            {
                "name": "王海涛",
                "id_number": id_number(rng, "371100"),
                "role": "lead",
                "organisation_name": org_name,
            },
        ],
        "budget_lines": [
            {"category": "equipment", "item": "设备购置", "amount": "300000.00", "equipment_purchase": True},
            {"category": "business", "item": "材料与测试", "amount": "470000.00"},
            {"category": "labour", "item": "劳务费", "amount": "150000.00"},
            {"category": "indirect", "item": "间接费用", "amount": "80000.00"},
        ],
        "targets": [
            {
                "kind": "output",
                "name": "申请发明专利",
                "indicator_type": "higher",
                "unit": "件",
                "target_value": "3",
            },
            {
                "kind": "outcome",
                "name": "新增销售收入",
                "indicator_type": "higher",
                "unit": "万元",
                "target_value": "800",
            },
        ],
        "milestones": [{"due_date": f"{YEAR + 1}-12-31", "description": "完成样机研制"}],
    }


@pytest.mark.parametrize("preset", ["rizhao", "taian"])
def test_a_year_of_intake_through_the_http_api(db, client, preset):
    run_intake(preset)
    checks.allocations_never_exceeded(FundYear.objects.get(year=YEAR))
    checks.chain_verifies()
    checks.scopes_hold(client)


def run_intake(preset: str, *, extra: int = 0) -> SimpleNamespace:
    """The intake through the API, asserting each step; returns the people and records made.

    Four applicants: three recommended, one returned; of the three, one becomes final, one is
    withdrawn after an upheld objection, one is rejected. ``extra`` more applicants go straight
    through (recommended, reviewed, approved, publicised) to the final list with the first, and the
    area's allocation grows by their amounts, so a later stage starts from a final list of
    ``1 + extra`` items."""
    from techfund.policy.loader import load_preset

    load_preset(preset, actor=None, year=YEAR)
    city = CITY[preset]
    dept = Department.objects.get(code=city["dept"])
    office, leader = factories.user(Role.OFFICE), factories.user(Role.LEADING_GROUP)
    officer = factories.user(Role.DEPARTMENT, department=dept)
    orgs = [factories.organisation() for _ in range(4 + extra)]
    applicants = [factories.user(Role.APPLICANT, organisation=o) for o in orgs]
    expert_orgs = [factories.organisation(kind=OrganisationKind.UNIVERSITY) for _ in range(4)]
    expert_users = [factories.user(Role.EXPERT) for _ in range(4)]
    today = timezone.localdate()
    if today.year > workdays.package_years()[1]:  # this test outlived the holiday data it was written with
        workdays.mark_year_complete(actor=office, year=today.year, document="测试：按周末计算")

    # 年度资金: contributions and a framework, approved by the leading group.
    ok(api(office).post("/api/funds/years/", {"year": YEAR}, format="json"))
    ok(
        api(office).post(
            "/api/funds/contributions/",
            {"year": YEAR, "source_type": city["source"], "amount": "50000000.00"},
            format="json",
        )
    )
    fw = ok(
        api(office).post(
            "/api/funds/frameworks/",
            {"year": YEAR, "allocations": {city["area"]: f"{4000000 + extra * 1000000}.00"}},
            format="json",
        )
    )
    ok(api(office).post(f"/api/funds/frameworks/{fw['id']}/submit/"))
    ok(api(leader).post(f"/api/funds/frameworks/{fw['id']}/approve/", {"reason": "同意。"}, format="json"))

    # 申报指南: drafted and published by the office; visible on the public API without login.
    now = timezone.now()
    call = ok(
        api(office).post(
            "/api/calls/",
            {
                "year": YEAR,
                "focus_area": city["area"],
                "code": f"{preset}-API-01",
                "title": "关键技术攻关（竞争立项）",
                "establishment_mode": "competitive",
                "ceiling": "2000000.00",
                "co_funding_ratio": "0.5",
                "opens_at": (now - dt.timedelta(days=1)).isoformat(),
                "closes_at": (now + dt.timedelta(days=30)).isoformat(),
                "quotas": {city["dept"]: 10},
            },
            format="json",
        )
    )
    ok(api(office).post(f"/api/calls/{call['id']}/publish/"))
    assert any(c["id"] == call["id"] for c in rows(ok(api(None).get("/api/public/calls/"))))

    # 项目申报: each applicant starts, fills and submits.
    app_ids = []
    for n, (org, user) in enumerate(zip(orgs, applicants, strict=True)):
        app = ok(
            api(user).post(
                "/api/applications/",
                {"call": call["id"], "department": city["dept"], "title": f"关键技术研究{n}"},
                format="json",
            )
        )
        ok(api(user).patch(f"/api/applications/{app['id']}/", draft_body(org.name, n), format="json"))
        ok(api(user).post(f"/api/applications/{app['id']}/submit/"))
        app_ids.append(app["id"])
    # Another applicant cannot see it (404), nor can the expert.
    assert api(applicants[1]).get(f"/api/applications/{app_ids[0]}/").status_code == 404
    assert api(expert_users[0]).get(f"/api/applications/{app_ids[0]}/").status_code == 404
    # The three that go forward, and the extra ones that go straight to the final list.
    forward, extras = app_ids[:3] + app_ids[4:], app_ids[4:]

    # 职能部门: recommend three, return one with a reason; forward a numbered batch.
    for i in forward:
        ok(api(officer).post(f"/api/applications/{i}/prescreen/", {"decision": "recommend"}, format="json"))
    ok(
        api(officer).post(
            f"/api/applications/{app_ids[3]}/prescreen/",
            {"decision": "return", "reason": "请补充预算依据。"},
            format="json",
        )
    )
    ok(
        api(officer).post(
            "/api/batches/",
            {"call": call["id"], "department": city["dept"], "applications": forward},
            format="json",
        )
    )

    # 形式审查 by the office.
    for i in forward:
        ok(api(office).post(f"/api/applications/{i}/formal-check/", {}, format="json"))
    assert set(Application.objects.filter(pk__in=forward).values_list("state", flat=True)) == {
        ApplicationState.FORMAL_PASSED
    }

    # 专家评审: experts registered, a remote round, three reviewers each, scored, closed.
    experts = [
        ok(
            api(office).post(
                "/api/review/experts/",
                {"user": u.pk, "name": f"专家{k}", "organisation": o.pk},
                format="json",
            )
        )
        for k, (u, o) in enumerate(zip(expert_users, expert_orgs, strict=True))
    ]
    rnd = ok(
        api(office).post(
            "/api/review/rounds/",
            {
                "call": call["id"],
                "name": "通讯评审",
                "method": "remote",
                "criteria": [
                    {"code": "innovation", "name": "创新性", "weight": 60},
                    {"code": "feasibility", "name": "可行性", "weight": 40},
                ],
            },
            format="json",
        )
    )
    # The engine assigns: an optimal plan (three reviewers each, at most one per organisation, no
    # conflicted pair), computed as a background job, reviewed, then released.
    with override_settings(TECHFUND_JOBS="eager"), TestCase.captureOnCommitCallbacks(execute=True):
        plan = ok(
            api(office).post(
                "/api/review/plans/", {"round": rnd["id"], "mode": "optimal", "k": "3"}, format="json"
            )
        )
    plan = ok(api(office).get(f"/api/review/plans/{plan['id']}/"))
    assert plan["state"] == "ready", plan
    job = ok(api(office).get(f"/api/jobs/{plan['job']['id']}/"))
    assert job["state"] == "done" and job["result"]["filled"] == 3 * len(forward)
    assert api(expert_users[0]).get(f"/api/review/plans/{plan['id']}/").status_code == 404
    ok(api(office).post(f"/api/review/plans/{plan['id']}/release/", {}, format="json"))
    ok(api(office).post(f"/api/review/rounds/{rnd['id']}/open/"))
    tasks = rows(ok(api(office).get("/api/review/assignments/", {"round": rnd["id"]})))
    assert len(tasks) == 3 * len(forward)
    assert all(len({t["expert"] for t in tasks if t["application"] == i}) == 3 for i in forward)
    by_id = {e["id"]: u for e, u in zip(experts, expert_users, strict=True)}
    # One expert declines: the engine names the fourth expert in the same transaction.
    first = tasks[0]
    ok(
        api(by_id[first["expert"]]).post(
            f"/api/review/assignments/{first['id']}/decline/", {"reason": "时间冲突"}, format="json"
        )
    )
    tasks = rows(ok(api(office).get("/api/review/assignments/", {"round": rnd["id"]})))
    live = [t for t in tasks if t["state"] != "declined"]
    assert len(live) == 3 * len(forward)
    assert len({t["expert"] for t in live if t["application"] == first["application"]}) == 3
    for t in live:
        i, user = t["application"], by_id[t["expert"]]
        ok(api(user).post(f"/api/review/assignments/{t['id']}/accept/"))
        base = 90 - app_ids.index(i) * 10 if i not in extras else 88 - extras.index(i)
        ok(
            api(user).post(
                f"/api/review/assignments/{t['id']}/score/",
                {
                    "scores": {"innovation": base, "feasibility": base - 5},
                    "comment": "思路清晰。",
                    "recommendation": "support",
                },
                format="json",
            )
        )
    # An expert sees only its own assignments.
    mine = rows(ok(api(expert_users[0]).get("/api/review/assignments/")))
    assert {a["id"] for a in mine} == {t["id"] for t in tasks if t["expert"] == experts[0]["id"]}
    ok(api(office).post(f"/api/review/rounds/{rnd['id']}/close/"))

    # 立项建议: a batch with all three; the third would exceed the area's 4,000,000 allocation.
    batch = ok(
        api(office).post(
            "/api/decisions/batches/", {"year": YEAR, "title": "第一批立项建议清单"}, format="json"
        )
    )
    items = [
        ok(
            api(office).post(
                "/api/decisions/items/",
                {"batch": batch["id"], "application": i, "amount": "1000000.00", "support_mode": "grant"},
                format="json",
            )
        )
        for i in forward
    ]
    too_much = api(office).post(
        "/api/decisions/items/",
        {"batch": batch["id"], "application": app_ids[0], "amount": "1.00"},
        format="json",
    )
    assert too_much.status_code == 400
    ok(api(office).post(f"/api/decisions/batches/{batch['id']}/submit/"))
    # 领导小组定项目: approve two, modify none, reject one.
    ok(
        api(leader).post(
            f"/api/decisions/items/{items[0]['id']}/decide/",
            {"decision": "approve", "basis": "同意。"},
            format="json",
        )
    )
    ok(
        api(leader).post(
            f"/api/decisions/items/{items[1]['id']}/decide/",
            {"decision": "approve", "basis": "同意。"},
            format="json",
        )
    )
    ok(
        api(leader).post(
            f"/api/decisions/items/{items[2]['id']}/decide/",
            {"decision": "reject", "basis": "技术路线不成熟。"},
            format="json",
        )
    )

    for extra_item in items[3:]:
        ok(
            api(leader).post(
                f"/api/decisions/items/{extra_item['id']}/decide/",
                {"decision": "approve", "basis": "同意。"},
                format="json",
            )
        )

    # 公示: the first item (and the extra ones) in a publicity that has already run its course; the
    # second in one open now.
    past_items = [items[0]["id"]] + [it["id"] for it in items[3:]]
    past = ok(
        api(office).post(
            "/api/decisions/publicities/",
            {"year": YEAR, "items": past_items, "starts_on": f"{YEAR}-07-06"},
            format="json",
        )
    )
    current_start = workdays.add_working_days(today, 1)
    current = ok(
        api(office).post(
            "/api/decisions/publicities/",
            {"year": YEAR, "items": [items[1]["id"]], "starts_on": current_start.isoformat()},
            format="json",
        )
    )
    objection = ok(
        api(None).post(
            "/api/decisions/objections/",
            {
                "publicity": current["id"],
                "item": items[1]["id"],
                "name": "李女士",
                "contact": "13906330000",
                "reason": "该项目与已获省级立项的项目内容重复。",
            },
            format="json",
        )
    )
    ok(
        api(office).post(
            f"/api/decisions/objections/{objection['id']}/resolve/",
            {"upheld": True, "reply": "经核查属实，撤销立项。"},
            format="json",
        )
    )
    ok(api(office).post(f"/api/decisions/publicities/{past['id']}/end/"))

    states = dict(Application.objects.filter(pk__in=app_ids).values_list("pk", "state"))
    assert states == {
        app_ids[0]: ApplicationState.FINAL,
        app_ids[1]: ApplicationState.WITHDRAWN,
        app_ids[2]: ApplicationState.NOT_APPROVED,
        app_ids[3]: ApplicationState.RETURNED,
        **{i: ApplicationState.FINAL for i in extras},
    }
    final = sorted(ProposalItem.objects.filter(state="final").values_list("application_id", flat=True))
    assert final == [app_ids[0], *extras]
    from techfund.core.models import Account
    from techfund.core.services import ledger

    # The final items' amounts stay reserved in the area until finance arranges their budgets.
    assert ledger.balance(Account.objects.get(code=f"fund:{YEAR}:reserved:{city['area']}")) == Decimal(
        "1000000.00"
    ) * (1 + extra)
    return SimpleNamespace(
        preset=preset,
        year=YEAR,
        city=city,
        dept=dept,
        office=office,
        leader=leader,
        officer=officer,
        orgs=orgs,
        applicants=applicants,
        experts=expert_users,
        call=call,
        app_ids=app_ids,
        items=items,
        final_items=[items[0]["id"]] + [it["id"] for it in items[3:]],
    )


def rows(data):
    """The rows of a list answer, paginated or not."""
    return data["results"] if isinstance(data, dict) and "results" in data else data

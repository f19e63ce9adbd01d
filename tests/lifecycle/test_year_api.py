"""A year for each city after the final list, driven only through the REST API, each step by the role
that takes it: budget arrangement (one awaiting its statutory approval), contracts signed by both
sides, direct payments, monitoring (a report returned then accepted, a rectification closed, an
escalation handled), a suspension lifted, a termination with recovery, an emergency project, a
self-evaluation and the comprehensive evaluation, next year's framework proposed from the grades and
approved, and the periodic report — then checked as a whole: the ledger reconciled for both years,
the audit chain intact, every role within its scope.

Along the way, wrong roles get 403, people outside the scope 404, and bad input 400 with its message
and nothing saved. The API works with the real date, so every date here is relative to today."""

import contextlib
import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from techfund.core.enums import Role
from techfund.core.models import Account, AuditEvent, JournalEntry, Posting
from techfund.core.services import ledger
from techfund.emergency.models import EmergencyRequest
from techfund.evaluation.models import ComprehensiveEvaluation, NextYearProposal, SelfEvaluation
from techfund.funds.models import Contribution, Framework, FundYear
from techfund.monitoring.models import Escalation, ProgressReport, Rectification
from techfund.projects.models import Contract, Payment, Project
from techfund.reports.models import ReportRun
from techfund.sanctions.models import RecoveryOrder, RecoveryReceipt, SanctionOrder
from tests import factories
from tests.lifecycle import checks
from tests.lifecycle.test_intake_api import api, ok, rows, run_intake

MODELS = (
    Project,
    Contract,
    Payment,
    ProgressReport,
    Rectification,
    Escalation,
    SanctionOrder,
    RecoveryOrder,
    RecoveryReceipt,
    EmergencyRequest,
    SelfEvaluation,
    ComprehensiveEvaluation,
    NextYearProposal,
    FundYear,
    Contribution,
    Framework,
    ReportRun,
    JournalEntry,
    Posting,
)


def snapshot() -> dict:
    out = {m.__name__: m.objects.count() for m in MODELS}
    out["AuditEvent"] = AuditEvent.objects.exclude(action__startswith="auth.").count()
    out["projects"] = sorted(Project.objects.values_list("id", "state", "statutory_approved"))
    out["contracts"] = sorted(Contract.objects.values_list("id", "state"))
    out["reports"] = sorted(ProgressReport.objects.values_list("id", "state"))
    out["rectifications"] = sorted(Rectification.objects.values_list("id", "state"))
    out["orders"] = sorted(SanctionOrder.objects.values_list("id", "state"))
    out["recoveries"] = sorted(RecoveryOrder.objects.values_list("id", "state"))
    out["self_evaluations"] = sorted(SelfEvaluation.objects.values_list("id", "state"))
    out["next_year"] = sorted(NextYearProposal.objects.values_list("id", "state"))
    # Postings are append-only: with their count unchanged, no balance moved.
    return out


@contextlib.contextmanager
def nothing_changed():
    """The block writes no record, no ledger entry and no audit event, and moves no state."""
    before = snapshot()
    yield
    assert snapshot() == before


def refused(resp, status: int, message: str | None = None, *, field: str | None = None) -> dict:
    """``resp`` answered ``status``; for a 400, its ``detail`` (or ``errors[field]``) says ``message``."""
    assert resp.status_code == status, (resp.status_code, resp.content[:600])
    body = resp.json()
    if message is not None:
        said = " ".join(body["errors"][field]) if field else body["detail"]
        assert message in said, (message, body)
    return body


def balance(code: str) -> Decimal:
    acct = Account.objects.filter(code=code).first()
    return ledger.balance(acct) if acct else ledger.ZERO


@pytest.mark.parametrize("preset", ["rizhao", "taian"])
def test_a_year_through_the_http_api(db, client, preset):
    # The intake through the API, with three more applicants going to the final list: four items.
    intake = run_intake(preset, extra=3)
    year, area, dept_code = intake.year, intake.city["area"], intake.city["dept"]
    office, leader, officer = intake.office, intake.leader, intake.officer
    finance, auditor = factories.user(Role.FINANCE), factories.user(Role.AUDITOR)
    unit_of = {o.pk: u for o, u in zip(intake.orgs, intake.applicants, strict=True)}
    # Outside every project's scope: an applicant whose application was returned, an officer of
    # another department.
    stranger, other_officer = intake.applicants[3], factories.user(Role.DEPARTMENT)
    today = timezone.localdate()
    days = dt.timedelta
    finals = intake.final_items
    assert len(finals) == 4
    # The amounts below follow from 1,000,000 per item and both presets' first tranche of 60%.
    profile = FundYear.objects.get(year=year).profile
    assert Decimal(str(profile.rule("tranches.first_tranche_min_ratio"))) == Decimal("0.6")

    # ------------------------------------------------------------ 1. 财政部门下资金
    for who in (office, auditor):
        refused(api(who).post("/api/projects/arrange/", {"items": finals}, format="json"), 403)
    with nothing_changed():
        body = refused(
            api(finance).post(
                "/api/projects/arrange/", {"items": finals, "fiscal_year": year + 5}, format="json"
            ),
            400,
            f"预算年度应为{year}年或{year + 1}年",
            field="fiscal_year",
        )
        assert "均未安排" in body["detail"]
    arranged = ok(
        api(finance).post(
            "/api/projects/arrange/",
            {"items": finals[:3], "statutory_approved": True, "note": "列入年度预算"},
            format="json",
        ),
        201,
    )
    pending = ok(
        api(finance).post(
            "/api/projects/arrange/", {"items": finals[3:], "statutory_approved": False}, format="json"
        ),
        201,
    )
    projects = arranged + pending
    assert [p["state"] for p in projects] == ["arranged"] * 4
    assert [p["statutory_approved"] for p in projects] == [True, True, True, False]
    assert all(p["unpaid"] == "1000000.00" and p["paid"] == "0.00" for p in projects)
    assert balance(f"fund:{year}:reserved:{area}") == 0
    # Arranged once only.
    with nothing_changed():
        refused(
            api(finance).post("/api/projects/arrange/", {"items": finals[:1]}, format="json"),
            400,
            "不能重复安排",
        )
    p_mon, p_susp, p_term, p_wait = projects
    unit = {p["id"]: unit_of[p["organisation"]] for p in projects}
    # Scope: the unit sees its own project only; another unit and another department see none.
    assert [p["id"] for p in rows(ok(api(unit[p_mon["id"]]).get("/api/projects/")))] == [p_mon["id"]]
    assert rows(ok(api(stranger).get("/api/projects/"))) == []
    assert rows(ok(api(other_officer).get("/api/projects/"))) == []
    assert len(rows(ok(api(officer).get("/api/projects/")))) == 4
    refused(api(stranger).get(f"/api/projects/{p_mon['id']}/"), 404)
    refused(api(other_officer).get(f"/api/projects/{p_mon['id']}/"), 404)

    # ------------------------------------------------------------ 2. 任务书, signatures, 直通车
    start, end = today, today + days(730)
    contract_body = {
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        "milestones": [
            {"due_date": (today + days(365)).isoformat(), "description": "完成样机研制"},
            {"due_date": end.isoformat(), "description": "完成示范应用"},
        ],
    }
    with nothing_changed():
        refused(
            api(officer).post(
                f"/api/projects/{p_mon['id']}/generate-contract/",
                {**contract_body, "end_date": (today - days(1)).isoformat()},
                format="json",
            ),
            400,
            "完成日期必须晚于起始日期",
            field="end_date",
        )
    refused(
        api(other_officer).post(
            f"/api/projects/{p_mon['id']}/generate-contract/", contract_body, format="json"
        ),
        404,
    )
    refused(
        api(unit[p_mon["id"]]).post(
            f"/api/projects/{p_mon['id']}/generate-contract/", contract_body, format="json"
        ),
        403,
    )
    contracts = {}
    for n, p in enumerate(projects):
        author = officer if n % 2 == 0 else office  # the managing department or the office
        c = ok(
            api(author).post(f"/api/projects/{p['id']}/generate-contract/", contract_body, format="json"), 201
        )
        assert c["state"] == "draft" and [t["seq"] for t in c["tranches"]] == [1, 2]
        assert {t["kind"] for t in c["targets"]} == {"output", "outcome"}
        contracts[p["id"]] = c
    for p in projects:
        cid = contracts[p["id"]]["id"]
        if p is p_mon:
            refused(api(stranger).post(f"/api/projects/contracts/{cid}/sign/", {"signatory": "某人"}), 404)
            with nothing_changed():
                refused(
                    api(unit[p["id"]]).post(
                        f"/api/projects/contracts/{cid}/sign/", {"signatory": " "}, format="json"
                    ),
                    400,
                    "请填写签署人姓名",
                    field="signatory",
                )
        c = ok(
            api(unit[p["id"]]).post(
                f"/api/projects/contracts/{cid}/sign/", {"signatory": "王海涛"}, format="json"
            )
        )
        assert c["state"] == "unit_signed"
        if p is p_mon:
            with nothing_changed():
                refused(
                    api(unit[p["id"]]).post(
                        f"/api/projects/contracts/{cid}/sign/", {"signatory": "王海涛"}, format="json"
                    ),
                    400,
                    "不能重复签署",
                )
        c = ok(
            api(officer).post(f"/api/projects/contracts/{cid}/sign/", {"signatory": "李处长"}, format="json")
        )
        assert c["state"] == "signed" and c["signed_on"] == today.isoformat()
        contracts[p["id"]] = c
        assert ok(api(finance).get(f"/api/projects/{p['id']}/"))["state"] == "in_progress"

    def tranche(p, seq):
        c = ok(api(finance).get(f"/api/projects/contracts/{contracts[p['id']]['id']}/"))
        return next(t for t in c["tranches"] if t["seq"] == seq)

    def pay(p, seq, ref, **extra):
        return api(finance).post(
            f"/api/projects/tranches/{tranche(p, seq)['id']}/pay/",
            {"treasury_ref": ref, **extra},
            format="json",
        )

    first = tranche(p_mon, 1)
    assert first["amount"] == "600000.00" and first["remaining"] == "600000.00"
    with nothing_changed():
        refused(pay(p_mon, 1, ""), 400, "请填写国库支付凭证号", field="treasury_ref")
        refused(pay(p_mon, 1, "GK-X", amount="700000.00"), 400, "本次最多可拨 600,000.00 元", field="amount")
        refused(pay(p_mon, 2, "GK-X"), 400, "第1期尚未拨付完毕")
    for who in (office, unit[p_mon["id"]]):
        refused(api(who).post(f"/api/projects/tranches/{first['id']}/pay/", {"treasury_ref": "GK-X"}), 403)
    refused(api(stranger).post(f"/api/projects/tranches/{first['id']}/pay/", {"treasury_ref": "GK-X"}), 404)
    for n, p in enumerate(projects[:3]):
        payment = ok(pay(p, 1, f"GK{year}-{n + 1:04d}"), 201)
        assert payment["amount"] == "600000.00" and payment["paid_on"] == today.isoformat()
    with nothing_changed():
        refused(pay(p_mon, 1, "GK-Y"), 400, "第1期已全额拨付")
        refused(pay(p_susp, 2, f"GK{year}-0001"), 400, "已登记过，不能重复使用", field="treasury_ref")
    # The project whose budget awaits its statutory approval: no payment until finance confirms it.
    with nothing_changed():
        refused(pay(p_wait, 1, "GK-W"), 400, "尚未确认按法定程序批准")
    refused(
        api(office).post(f"/api/projects/{p_wait['id']}/confirm-statutory-approval/", {"reason": "已批准"}),
        403,
    )
    assert ok(
        api(finance).post(
            f"/api/projects/{p_wait['id']}/confirm-statutory-approval/",
            {"reason": "市人大批准年度预算"},
            format="json",
        )
    )["statutory_approved"]
    ok(pay(p_wait, 1, f"GK{year}-0004"), 201)
    got = ok(api(unit[p_mon["id"]]).get(f"/api/projects/{p_mon['id']}/"))
    assert (got["paid"], got["unpaid"]) == ("600000.00", "400000.00")
    assert [x["treasury_ref"] for x in rows(ok(api(unit[p_mon["id"]]).get("/api/projects/payments/")))] == [
        f"GK{year}-0001"
    ]
    assert rows(ok(api(stranger).get("/api/projects/payments/"))) == []

    # ------------------------------------------------------------ 3. monitoring
    mon, mon_unit = p_mon["id"], unit[p_mon["id"]]
    schedule = ok(api(mon_unit).get(f"/api/monitoring/schedules/{mon}/"))
    assert schedule["periods"][0]["status"] == "open" and schedule["periods"][0]["start"] == today.isoformat()
    refused(api(stranger).get(f"/api/monitoring/schedules/{mon}/"), 404)
    report_body = {
        "project": mon,
        "period": 1,
        "progress": "完成关键部件设计与试制。",
        "milestones": "阶段目标按计划推进。",
        "funds_spent": "350000.00",
    }
    with nothing_changed():
        refused(
            api(mon_unit).post(
                "/api/monitoring/reports/", {**report_body, "funds_spent": "600000.01"}, format="json"
            ),
            400,
            "超过截至目前已拨付的 600,000.00 元",
            field="funds_spent",
        )
        refused(
            api(mon_unit).post("/api/monitoring/reports/", {**report_body, "period": 2}, format="json"),
            400,
            "尚未开始，不能报送",
            field="period",
        )
    refused(api(stranger).post("/api/monitoring/reports/", report_body, format="json"), 404)
    refused(api(officer).post("/api/monitoring/reports/", report_body, format="json"), 403)
    report = ok(api(mon_unit).post("/api/monitoring/reports/", report_body, format="json"), 201)
    assert report["state"] == "submitted" and report["paid_to_date"] == "600000.00"
    rid = report["id"]
    refused(api(mon_unit).post(f"/api/monitoring/reports/{rid}/review/", {"decision": "accept"}), 403)
    refused(api(other_officer).post(f"/api/monitoring/reports/{rid}/review/", {"decision": "accept"}), 404)
    with nothing_changed():
        refused(
            api(officer).post(
                f"/api/monitoring/reports/{rid}/review/", {"decision": "return"}, format="json"
            ),
            400,
            "退回进展报告须写明审核意见",
            field="opinion",
        )
    returned = ok(
        api(officer).post(
            f"/api/monitoring/reports/{rid}/review/",
            {"decision": "return", "opinion": "资金使用明细不全，请补充后重报。"},
            format="json",
        )
    )
    assert returned["state"] == "returned"
    again = ok(
        api(mon_unit).post(
            "/api/monitoring/reports/", {**report_body, "problems": "已补充支出明细。"}, format="json"
        ),
        201,
    )
    accepted = ok(
        api(officer).post(
            f"/api/monitoring/reports/{again['id']}/review/",
            {"decision": "accept", "opinion": "同意。"},
            format="json",
        )
    )
    assert accepted["state"] == "accepted"
    assert ok(api(mon_unit).get(f"/api/monitoring/schedules/{mon}/"))["periods"][0]["status"] == "accepted"

    # 整改: issued by the department, answered by the unit, verified and closed.
    rect_body = {
        "project": mon,
        "report": again["id"],
        "issue": "设备采购程序材料不全",
        "requirement": "补充采购合同",
    }
    with nothing_changed():
        refused(
            api(officer).post(
                "/api/monitoring/rectifications/",
                {**rect_body, "deadline": (today - days(1)).isoformat()},
                format="json",
            ),
            400,
            field="deadline",
        )
    refused(api(mon_unit).post("/api/monitoring/rectifications/", rect_body, format="json"), 403)
    rect = ok(api(officer).post("/api/monitoring/rectifications/", rect_body, format="json"), 201)
    assert rect["state"] == "issued" and rect["deadline"] > today.isoformat()
    refused(api(stranger).get(f"/api/monitoring/rectifications/{rect['id']}/"), 404)
    refused(api(other_officer).get(f"/api/monitoring/rectifications/{rect['id']}/"), 404)
    refused(
        api(officer).post(f"/api/monitoring/rectifications/{rect['id']}/respond/", {"response": "已整改"}),
        403,
    )
    assert (
        ok(
            api(mon_unit).post(
                f"/api/monitoring/rectifications/{rect['id']}/respond/",
                {"response": "已补充采购合同和验收单。"},
                format="json",
            )
        )["state"]
        == "responded"
    )
    closed = ok(
        api(officer).post(
            f"/api/monitoring/rectifications/{rect['id']}/verify/",
            {"decision": "close", "opinion": "整改到位。"},
            format="json",
        )
    )
    assert closed["state"] == "closed"

    # 重大问题: the department escalates to the office, which decides to suspend payments.
    esc_body = {
        "project": p_susp["id"],
        "summary": "核心团队变动，进度严重滞后。",
        "suggested_action": "suspend",
    }
    refused(api(office).post("/api/monitoring/escalations/", esc_body, format="json"), 403)
    refused(api(other_officer).post("/api/monitoring/escalations/", esc_body, format="json"), 404)
    esc = ok(api(officer).post("/api/monitoring/escalations/", esc_body, format="json"), 201)
    refused(api(officer).post(f"/api/monitoring/escalations/{esc['id']}/handle/", {"decision": "同意"}), 403)
    refused(api(unit[p_susp["id"]]).get(f"/api/monitoring/escalations/{esc['id']}/"), 404)
    handled = ok(
        api(office).post(
            f"/api/monitoring/escalations/{esc['id']}/handle/",
            {"decision": "经研究，暂停拨款，限期整改。"},
            format="json",
        )
    )
    assert (handled["state"], handled["decided_action"]) == ("handled", "suspend")

    # ------------------------------------------------------------ 4. suspension, termination, recovery
    susp = p_susp["id"]
    order_body = {
        "project": susp,
        "kind": "suspend",
        "reason": "中期进度严重滞后",
        "basis": "办公室会议纪要〔2026〕5号",
    }
    refused(api(finance).post("/api/sanctions/orders/", order_body, format="json"), 403)
    with nothing_changed():
        refused(
            api(office).post("/api/sanctions/orders/", {**order_body, "basis": ""}, format="json"),
            400,
            field="basis",
        )
    order = ok(api(office).post("/api/sanctions/orders/", order_body, format="json"), 201)
    refused(api(office).post(f"/api/sanctions/orders/{order['id']}/decide/", {"decision": "concur"}), 403)
    refused(api(stranger).get(f"/api/sanctions/orders/{order['id']}/"), 404)
    assert ok(api(unit[susp]).get(f"/api/sanctions/orders/{order['id']}/"))["kind"] == "suspend"
    assert (
        ok(
            api(finance).post(
                f"/api/sanctions/orders/{order['id']}/decide/",
                {"decision": "concur", "opinion": "同意暂停拨款。"},
                format="json",
            )
        )["state"]
        == "effective"
    )
    assert ok(api(finance).get(f"/api/projects/{susp}/"))["state"] == "suspended"
    with nothing_changed():
        refused(pay(p_susp, 2, "GK-S"), 400, f"项目 {p_susp['number']} 已暂停拨款，解除暂停前不能拨付。")
        refused(
            api(office).post("/api/sanctions/orders/", order_body, format="json"),
            400,
            "已暂停拨款，不能重复暂停",
        )
    lift = ok(
        api(office).post(
            "/api/sanctions/orders/",
            {"project": susp, "kind": "lift", "reason": "已完成整改", "basis": "整改验收意见"},
            format="json",
        ),
        201,
    )
    ok(
        api(finance).post(
            f"/api/sanctions/orders/{lift['id']}/decide/", {"decision": "concur"}, format="json"
        )
    )
    assert ok(api(finance).get(f"/api/projects/{susp}/"))["state"] == "in_progress"
    ok(pay(p_susp, 2, f"GK{year}-0005"), 201)  # payments resume
    assert ok(api(finance).get(f"/api/projects/{susp}/"))["paid"] == "1000000.00"

    # 终止: the unpaid commitment goes back to the area's allocation.
    term = p_term["id"]
    area_before = balance(f"fund:{year}:area:{area}")
    t_order = ok(
        api(office).post(
            "/api/sanctions/orders/",
            {
                "project": term,
                "kind": "terminate",
                "reason": "研发团队解散，无法继续实施",
                "basis": "领导小组会议纪要",
            },
            format="json",
        ),
        201,
    )
    t_order = ok(
        api(finance).post(
            f"/api/sanctions/orders/{t_order['id']}/decide/",
            {"decision": "concur", "opinion": "同意终止。"},
            format="json",
        )
    )
    assert (t_order["state"], t_order["released_amount"]) == ("effective", "400000.00")
    got = ok(api(finance).get(f"/api/projects/{term}/"))
    assert (got["state"], got["paid"], got["unpaid"], got["released"]) == (
        "terminated",
        "600000.00",
        "0.00",
        "400000.00",
    )
    assert balance(f"fund:{year}:area:{area}") == area_before + Decimal("400000.00")
    with nothing_changed():
        refused(pay(p_term, 2, "GK-T"), 400, "不能拨付")

    # 追回: drafted by the office, confirmed by finance; the receipt flows back to the pool.
    pool_before = Decimal(ok(api(finance).get(f"/api/funds/years/{year}/"))["summary"]["pool_unallocated"])
    rec_body = {
        "project": term,
        "amount": "600000.00",
        "deadline": (today + days(30)).isoformat(),
        "reason": "项目终止，退回已拨资金",
        "basis": "领导小组会议纪要",
    }
    with nothing_changed():
        refused(
            api(office).post(
                "/api/sanctions/recoveries/", {**rec_body, "amount": "600000.01"}, format="json"
            ),
            400,
            "超过可追回金额 600,000.00 元",
            field="amount",
        )
    refused(api(finance).post("/api/sanctions/recoveries/", rec_body, format="json"), 403)
    recovery = ok(api(office).post("/api/sanctions/recoveries/", rec_body, format="json"), 201)
    ok(
        api(finance).post(
            f"/api/sanctions/recoveries/{recovery['id']}/decide/", {"decision": "concur"}, format="json"
        )
    )
    refused(
        api(office).post(
            f"/api/sanctions/recoveries/{recovery['id']}/receipts/",
            {"amount": "1.00", "treasury_ref": "JK-0"},
        ),
        403,
    )
    with nothing_changed():
        refused(
            api(finance).post(
                f"/api/sanctions/recoveries/{recovery['id']}/receipts/",
                {"amount": "100000.00", "treasury_ref": ""},
                format="json",
            ),
            400,
            field="treasury_ref",
        )
    recovery = ok(
        api(finance).post(
            f"/api/sanctions/recoveries/{recovery['id']}/receipts/",
            {"amount": "600000.00", "treasury_ref": f"JK{year}-0001"},
            format="json",
        ),
        201,
    )
    assert (recovery["state"], recovery["received"], recovery["outstanding"]) == (
        "settled",
        "600000.00",
        "0.00",
    )
    pool_after = Decimal(ok(api(finance).get(f"/api/funds/years/{year}/"))["summary"]["pool_unallocated"])
    assert pool_after == pool_before + Decimal("600000.00")
    assert ok(api(finance).get(f"/api/projects/{term}/"))["recovered"] == "600000.00"
    refused(api(stranger).get(f"/api/sanctions/recoveries/{recovery['id']}/"), 404)

    # ------------------------------------------------------------ 5. 一事一议
    emergency_body = {
        "year": year,
        "title": "突发公共事件应急检测关键技术攻关",
        "organisation": intake.orgs[0].pk,
        "department": dept_code,
        "focus_area": area,
        "amount": "1000000.00",
        "justification": "汛期前须形成快速检测能力，常规程序无法满足时限。",
        "basis": "市政府专题会议纪要〔2026〕18号",
        "content": "研制应急快速检测设备并投入使用。",
        "start_date": today.isoformat(),
        "end_date": (today + days(365)).isoformat(),
        "targets": [
            {
                "kind": "output",
                "name": "研制应急检测设备",
                "indicator_type": "higher",
                "unit": "台",
                "target_value": "5",
            },
            {
                "kind": "outcome",
                "name": "保障应急处置",
                "indicator_type": "qualitative",
                "target_text": "形成可推广的应急处置方案",
            },
        ],
        "milestones": [{"due_date": (today + days(180)).isoformat(), "description": "完成样机并投入使用"}],
    }
    refused(api(leader).post("/api/emergency/requests/", emergency_body, format="json"), 403)
    area_now = balance(f"fund:{year}:area:{area}")
    with nothing_changed():
        refused(
            api(office).post(
                "/api/emergency/requests/", {**emergency_body, "amount": f"{area_now + 1}"}, format="json"
            ),
            400,
            "不足以安排本申请",
            field="amount",
        )
    req = ok(api(office).post("/api/emergency/requests/", emergency_body, format="json"), 201)
    refused(api(office).post(f"/api/emergency/requests/{req['id']}/approve/", {"basis": "同意"}), 403)
    refused(api(stranger).get(f"/api/emergency/requests/{req['id']}/"), 404)
    with nothing_changed():
        refused(
            api(leader).post(f"/api/emergency/requests/{req['id']}/approve/", {"basis": ""}, format="json"),
            400,
        )
    req = ok(
        api(leader).post(
            f"/api/emergency/requests/{req['id']}/approve/",
            {"basis": "领导小组第5次会议审定同意"},
            format="json",
        )
    )
    assert req["state"] == "approved" and req["project"]
    flagged = rows(ok(api(office).get("/api/projects/?emergency=1")))
    assert [(p["id"], p["emergency"]) for p in flagged] == [(req["project"], True)]
    assert ok(api(officer).get(f"/api/projects/{req['project']}/"))["emergency"] is True
    (e_contract,) = rows(ok(api(office).get(f"/api/projects/contracts/?project={req['project']}")))
    assert e_contract["state"] == "draft" and e_contract["amount"] == "1000000.00"
    assert balance(f"fund:{year}:area:{area}") == area_now - Decimal("1000000.00")
    # Contracted directly: both sides sign, finance confirms the budget and pays the first tranche.
    e_cid, e_unit = e_contract["id"], unit_of[intake.orgs[0].pk]
    ok(api(e_unit).post(f"/api/projects/contracts/{e_cid}/sign/", {"signatory": "项目负责人"}, format="json"))
    ok(api(office).post(f"/api/projects/contracts/{e_cid}/sign/", {"signatory": "办公室"}, format="json"))
    ok(
        api(finance).post(
            f"/api/projects/{req['project']}/confirm-statutory-approval/",
            {"reason": "市政府常务会议同意动用预备费"},
            format="json",
        )
    )
    (e_first,) = [
        t for t in ok(api(finance).get(f"/api/projects/contracts/{e_cid}/"))["tranches"] if t["seq"] == 1
    ]
    ok(
        api(finance).post(
            f"/api/projects/tranches/{e_first['id']}/pay/", {"treasury_ref": f"YJ{year}-0001"}, format="json"
        ),
        201,
    )
    assert ok(api(e_unit).get(f"/api/projects/{req['project']}/"))["paid"] == "600000.00"
    # Nothing overdue today in the department's scope: every period has just begun.
    overdue = ok(api(officer).get("/api/monitoring/overdue/"))
    assert (overdue["reports"], overdue["rectifications"]) == ([], [])

    # ------------------------------------------------------------ 6. 验收与绩效评价
    targets = {t["kind"]: t for t in contracts[mon]["targets"]}
    out_t, outcome_t = targets["output"], targets["outcome"]
    self_body = {
        "project": mon,
        "summary": "按任务书完成主要研究内容，形成自主知识产权并示范应用。",
        "spent": "550000.00",
        "satisfaction": "92",
        "results": [
            {"target": out_t["id"], "actual": "3"},
            {"target": outcome_t["id"], "actual": "1100", "explanation": "新产品市场需求超出预期。"},
        ],
    }
    with nothing_changed():
        refused(
            api(mon_unit).post(
                "/api/evaluation/self-evaluations/", {**self_body, "spent": "600000.01"}, format="json"
            ),
            400,
            "超过到位资金 600,000.00 元",
            field="spent",
        )
        refused(
            api(mon_unit).post(
                "/api/evaluation/self-evaluations/",
                {
                    **self_body,
                    "results": [self_body["results"][0], {"target": outcome_t["id"], "actual": "1100"}],
                },
                format="json",
            ),
            400,
            "请填写偏差原因说明",
            field=f"results.{outcome_t['id']}.explanation",
        )
    refused(api(stranger).post("/api/evaluation/self-evaluations/", self_body, format="json"), 404)
    refused(api(officer).post("/api/evaluation/self-evaluations/", self_body, format="json"), 403)
    self_ev = ok(api(mon_unit).post("/api/evaluation/self-evaluations/", self_body, format="json"), 201)
    assert self_ev["state"] == "submitted" and self_ev["total"]
    assert ok(api(finance).get(f"/api/projects/{mon}/"))["state"] == "acceptance"
    refused(api(mon_unit).post(f"/api/evaluation/self-evaluations/{self_ev['id']}/accept/", {}), 403)
    refused(api(stranger).get(f"/api/evaluation/self-evaluations/{self_ev['id']}/"), 404)
    ok(
        api(office).post(
            f"/api/evaluation/self-evaluations/{self_ev['id']}/accept/", {"note": "材料齐全。"}, format="json"
        )
    )
    parts = ("decision", "process", "output", "outcome")
    comp_body = {
        "project": mon,
        **{f"{p}_score": s for p, s in zip(parts, ("95", "92", "96", "90"), strict=True)},
        **{f"{p}_opinion": "经核查，情况属实。" for p in parts},
        "conclusion": "项目完成良好。",
        "signatory": "办公室 经办人",
    }
    with nothing_changed():
        refused(
            api(office).post(
                "/api/evaluation/comprehensive/", {**comp_body, "process_score": "101"}, format="json"
            ),
            400,
        )
    refused(api(finance).post("/api/evaluation/comprehensive/", comp_body, format="json"), 403)
    comp = ok(api(office).post("/api/evaluation/comprehensive/", comp_body, format="json"), 201)
    refused(
        api(office).post(f"/api/evaluation/comprehensive/{comp['id']}/confirm/", {"signatory": "某"}), 403
    )
    comp = ok(
        api(finance).post(
            f"/api/evaluation/comprehensive/{comp['id']}/confirm/",
            {"signatory": "财政局 经办人"},
            format="json",
        )
    )
    assert comp["state"] == "confirmed" and comp["grade"]
    assert ok(api(finance).get(f"/api/projects/{mon}/"))["state"] == "completed"
    grades = rows(ok(api(leader).get(f"/api/evaluation/grades/?year={year}")))
    assert [(g["project"], g["grade"]) for g in grades] == [(mon, comp["grade"])]
    assert [g["project"] for g in rows(ok(api(officer).get("/api/evaluation/grades/")))] == [mon]
    assert rows(ok(api(other_officer).get("/api/evaluation/grades/"))) == []
    summary = ok(api(office).get(f"/api/evaluation/grades/summary/?year={year}"))
    assert summary["by_focus_area"]["total"]["n"] == 1

    # 评价结果与以后年度预算安排挂钩: proposed from the grades, adjusted, registered, approved.
    refused(api(finance).post("/api/evaluation/next-year/", {"year": year}, format="json"), 403)
    proposal = ok(
        api(office).post(
            "/api/evaluation/next-year/", {"year": year, "note": "依据评价结果提出。"}, format="json"
        ),
        201,
    )
    assert proposal["target_year"] == year + 1 and proposal["lines"]
    refused(api(officer).get(f"/api/evaluation/next-year/{proposal['id']}/"), 404)
    line = proposal["lines"][0]
    new_amount = (Decimal(line["suggested_amount"]) + Decimal("500000.00")).quantize(Decimal("0.01"))
    with nothing_changed():
        refused(
            api(office).post(
                f"/api/evaluation/next-year/{proposal['id']}/adjust/",
                {"lines": [{"line": line["id"], "amount": str(new_amount)}]},
                format="json",
            ),
            400,
            "须说明理由",
            field=f"lines.{line['id']}.reason",
        )
    proposal = ok(
        api(office).post(
            f"/api/evaluation/next-year/{proposal['id']}/adjust/",
            {
                "lines": [
                    {"line": line["id"], "amount": str(new_amount), "reason": "承接国家重大任务，适当增加。"}
                ]
            },
            format="json",
        )
    )
    adjusted = next(x for x in proposal["lines"] if x["id"] == line["id"])
    assert Decimal(adjusted["amount"]) == new_amount
    # Next year's fund is not open yet: the proposal cannot become a framework.
    with nothing_changed():
        refused(
            api(office).post(f"/api/evaluation/next-year/{proposal['id']}/submit/", {}, format="json"),
            400,
            f"{year + 1} 年度资金尚未设立",
        )
    # The office opens next year's fund (under the profile active for it) and registers its sources.
    nfy = ok(api(office).post("/api/funds/years/", {"year": year + 1}, format="json"), 201)
    assert nfy["profile_code"] == preset
    ok(
        api(office).post(
            "/api/funds/contributions/",
            {
                "year": year + 1,
                "source_type": intake.city["source"],
                "amount": "50000000.00",
                "note": "预算草案",
            },
            format="json",
        ),
        201,
    )
    proposal = ok(
        api(office).post(
            f"/api/evaluation/next-year/{proposal['id']}/submit/",
            {"title": f"{year + 1}年度框架配置建议"},
            format="json",
        )
    )
    assert proposal["state"] == "submitted" and proposal["framework"]
    framework = ok(api(leader).get(f"/api/funds/frameworks/{proposal['framework']}/"))
    assert framework["state"] == "submitted" and Decimal(framework["total"]) == Decimal(proposal["total"])
    refused(api(office).post(f"/api/funds/frameworks/{framework['id']}/approve/", {"reason": "同意"}), 403)
    framework = ok(
        api(leader).post(
            f"/api/funds/frameworks/{framework['id']}/approve/", {"reason": "同意。"}, format="json"
        )
    )
    assert framework["state"] == "approved"

    # ------------------------------------------------------------ 7. 定期调度 report
    period = {
        "year": year,
        "start": max(dt.date(year, 1, 1), today.replace(day=1)).isoformat(),
        "end": today.isoformat(),
    }
    refused(api(finance).post("/api/reports/runs/", {**period, "format": "xlsx"}, format="json"), 403)
    with nothing_changed():
        refused(
            api(office).post(
                "/api/reports/runs/",
                {**period, "end": (dt.date(year, 1, 1) - days(1)).isoformat()},
                format="json",
            ),
            400,
            field="end",
        )
    run = ok(api(office).post("/api/reports/runs/", {**period, "format": "xlsx"}, format="json"), 201)
    assert run["format"] == "xlsx" and run["size"] > 0
    resp = api(leader).get(f"/api/reports/runs/{run['id']}/download/")
    assert resp.status_code == 200, resp.content[:300]
    content = b"".join(resp.streaming_content)
    assert content[:2] == b"PK" and len(content) == run["size"]
    assert resp["X-Content-SHA256"] == run["sha256"]
    refused(api(mon_unit).get(f"/api/reports/runs/{run['id']}/download/"), 404)
    # The report's own reconciliation holds, and it lists the emergency project.
    preview = ok(api(leader).get("/api/reports/preview/", period))
    assert preview["reconciled"] is True and all(c["ok"] for c in preview["checks"]), preview["checks"]
    assert req["project_number"] in str(preview["sections"])
    refused(api(mon_unit).get("/api/reports/preview/", period), 404)

    # ------------------------------------------------------------ 8. the year as a whole
    states = dict(Project.objects.values_list("pk", "state"))
    assert states == {
        mon: "completed",
        susp: "in_progress",
        term: "terminated",
        p_wait["id"]: "in_progress",
        req["project"]: "in_progress",
    }
    # The auditor reads everything and changes nothing.
    assert len(rows(ok(api(auditor).get(f"/api/projects/?year={year}")))) == 5
    assert len(rows(ok(api(auditor).get("/api/sanctions/orders/")))) == 3
    refused(
        api(auditor).post(
            "/api/sanctions/orders/",
            {"project": p_wait["id"], "kind": "suspend", "reason": "核查", "basis": "审计意见"},
            format="json",
        ),
        403,
    )
    for fy in FundYear.objects.all():
        checks.allocations_never_exceeded(fy)
    checks.chain_verifies()
    checks.scopes_hold(client)
    checks.project_scopes_hold(client)

"""一事一议: the office submits a justified request; the leading group approves it (the project is
created, its amount committed straight from the focus area's allocation, and its 任务书 drawn up
from the request's targets) or rejects it with its basis.

Lock order, as in the decisions stage: the fund year first (so the area's remaining allocation a
request is checked against cannot change underneath it), then the request.
"""

import datetime as dt

from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from techfund.applications import parsing
from techfund.calls import validation as v
from techfund.core.enums import CreditStatus
from techfund.core.errors import ServiceError
from techfund.core.models import Department, Organisation
from techfund.core.permissions import require
from techfund.core.services import audit, ledger
from techfund.decisions import accounts as decision_accounts
from techfund.decisions.services._common import lock_year
from techfund.emergency.enums import RequestState
from techfund.emergency.models import EmergencyMilestone, EmergencyRequest, EmergencyTarget
from techfund.emergency.scopes import visible_requests
from techfund.emergency.transitions import REQUEST
from techfund.funds.accounts import data_language
from techfund.funds.scopes import visible_fund_years
from techfund.funds.validation import fmt
from techfund.policy.models import FocusArea
from techfund.projects import services as project_services
from techfund.projects.models import Contract
from techfund.projects.services.contracts import TERMS_MAX, draw_up_contract

ZERO = ledger.ZERO
TITLE_MAX = 200
TEXT_MAX = 2000
CONTENT_MAX = 3000
MAX_TARGETS = 30
MAX_MILESTONES = 20

REQUEST_FIELDS = (
    "number",
    "title",
    "organisation",
    "department",
    "focus_area",
    "amount",
    "start_date",
    "end_date",
    "state",
    "submitted_on",
    "decided_by",
    "decided_on",
    "decision_basis",
    "project",
)


def request_snapshot(req: EmergencyRequest) -> dict:
    return audit.snapshot(req, REQUEST_FIELDS)


# ---------------------------------------------------------------- reads


def today_or(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def remaining_for_emergency(fund_year, focus_area, *, exclude=None) -> dict:
    """The focus area's allocation balance in the ledger, the amounts of the emergency requests still
    waiting for the leading group in that area, and what remains for a new request (3 queries)."""
    code = decision_accounts.area_code(fund_year.year, focus_area)
    balance = decision_accounts.balances_by_code([code])[code]
    pending_qs = EmergencyRequest.objects.filter(
        fund_year=fund_year, focus_area=focus_area, state=RequestState.SUBMITTED
    )
    if exclude is not None:
        pending_qs = pending_qs.exclude(pk=exclude.pk)
    pending = pending_qs.aggregate(s=Sum("amount"))["s"] or ZERO
    return {"balance": balance, "pending": pending, "remaining": (balance - pending).quantize(ledger.CENT)}


def emergency_allowed(fund_year) -> bool:
    """Whether the year's policy provides for 一事一议 (``procedure.emergency``)."""
    return bool(fund_year.profile.rule("procedure.emergency", False))


# ---------------------------------------------------------------- input


def _organisation(value, c: v.Collector):
    if value in (None, ""):
        c.add("organisation", _("请选择承担单位。"))
        return None
    if isinstance(value, Organisation):
        org = value
    else:
        text = str(value).strip()
        org = Organisation.objects.filter(pk=int(text)).first() if text.isdigit() else None
        org = org or Organisation.objects.filter(uscc=text.upper()).first()
    if org is None:
        c.add("organisation", _("未找到承担单位“%(v)s”。") % {"v": value})
        return None
    if org.credit_status == CreditStatus.BLOCKED:
        c.add(
            "organisation",
            _("承担单位“%(name)s”处于失信惩戒期（限制申报），不能承担一事一议项目。") % {"name": org.name},
        )
    return org


def _department(value, c: v.Collector):
    if value in (None, ""):
        c.add("department", _("请选择主管部门。"))
        return None
    if isinstance(value, Department):
        return value
    text = str(value).strip()
    dept = Department.objects.filter(pk=int(text)).first() if text.isdigit() else None
    dept = dept or Department.objects.filter(code=text).first()
    if dept is None:
        c.add("department", _("未找到主管部门“%(v)s”。") % {"v": value})
    return dept


def _focus_area(value, fund_year, c: v.Collector):
    if value in (None, ""):
        c.add("focus_area", _("请选择重点领域。"))
        return None
    areas = FocusArea.objects.filter(profile=fund_year.profile)
    if isinstance(value, FocusArea):
        area = areas.filter(pk=value.pk).first()
    else:
        text = str(value).strip()
        area = areas.filter(pk=int(text)).first() if text.isdigit() else None
        area = area or areas.filter(code=text).first()
    if area is None:
        c.add(
            "focus_area",
            _("“%(v)s”不是%(year)s年度政策配置中的重点领域。")
            % {"v": getattr(value, "name", value), "year": fund_year.year},
        )
    return area


def _has_errors(c: v.Collector, name: str) -> bool:
    return any(k == name or k.startswith(f"{name}[") for k in c.errors)


def _targets(value, c: v.Collector) -> list[dict]:
    """The rows' shape as the application form checks it (errors beside each field), then the
    contract's own rules (``projects.services.clean_targets``), since the rows become the 任务书's."""
    rows = parsing.targets(value, c)
    if not rows and "targets" not in c.errors:
        c.add("targets", _("请至少填写一项绩效目标。"))
    elif len(rows) > MAX_TARGETS:
        c.add("targets", _("绩效目标最多 %(n)s 项。") % {"n": MAX_TARGETS})
    elif rows and not _has_errors(c, "targets"):
        errors: dict = {}
        rows = project_services.clean_targets(rows, errors)
        for msg in errors.get("targets", []):
            c.add("targets", msg)
    return rows


def _milestones(value, start, end, c: v.Collector) -> list[dict]:
    rows = parsing.milestones(value, c)
    if len(rows) > MAX_MILESTONES:
        c.add("milestones", _("进度安排最多 %(n)s 项。") % {"n": MAX_MILESTONES})
    elif rows and start and end and end > start and not _has_errors(c, "milestones"):
        errors: dict = {}
        rows = project_services.clean_milestones(rows, errors, start=start, end=end)
        for msg in errors.get("milestones", []):
            c.add("milestones", msg)
    return rows


def next_request_number(fund_year) -> str:
    """申请编号 YS{year}-{seq:03d}, sequential within the year (the caller holds the year lock)."""
    prefix = f"YS{fund_year.year}-"
    last = EmergencyRequest.objects.filter(fund_year=fund_year, number__startswith=prefix).aggregate(
        m=Max("number")
    )["m"]
    seq = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{seq:03d}"


# ---------------------------------------------------------------- submit


@transaction.atomic
def submit_emergency(
    fund_year,
    *,
    actor,
    title,
    organisation,
    department,
    focus_area,
    amount,
    justification,
    basis,
    content,
    start_date,
    end_date,
    targets,
    milestones=None,
    today: dt.date | None = None,
) -> EmergencyRequest:
    """领导小组办公室提出一事一议申请: a justified request within the focus area's remaining allocation,
    with the performance targets its 任务书 will carry; it goes straight to the leading group."""
    fund_year = lock_year(fund_year.pk)
    role = require(actor, "emergency.submit", fund_year, visible=visible_fund_years(actor))
    if not emergency_allowed(fund_year):
        raise ServiceError(
            _("%(year)s年度政策配置（%(profile)s）未规定一事一议程序，不能提出一事一议申请。")
            % {"year": fund_year.year, "profile": fund_year.profile},
            code="emergency_not_provided",
        )
    c = v.Collector()
    title = c.take(v.text, title, field="title", label=_("项目名称"), max_length=TITLE_MAX, required=True)
    org = _organisation(organisation, c)
    dept = _department(department, c)
    area = _focus_area(focus_area, fund_year, c)
    amt = c.take(v.money, amount, field="amount", label=_("申请金额"), positive=True, required=True)
    justification = c.take(
        v.text,
        justification,
        field="justification",
        label=_("必要性和紧迫性"),
        max_length=TEXT_MAX,
        required=True,
    )
    basis = c.take(v.text, basis, field="basis", label=_("立项依据"), max_length=TEXT_MAX, required=True)
    content = c.take(
        v.text, content, field="content", label=_("主要任务与考核内容"), max_length=CONTENT_MAX, required=True
    )
    start = c.take(v.day, start_date, field="start_date", label=_("起始日期"), required=True)
    end = c.take(v.day, end_date, field="end_date", label=_("完成日期"), required=True)
    if start and end and end <= start:
        c.add("end_date", _("完成日期必须晚于起始日期。"))
    target_rows = _targets(targets, c)
    milestone_rows = _milestones(milestones, start, end, c)
    c.raise_if_any("request_invalid", _("一事一议申请有%(n)s处需要修改。") % {"n": _count(c)})

    room = remaining_for_emergency(fund_year, area)
    if amt > room["remaining"]:
        msg = _(
            "“%(area)s”领域配置余额 %(bal)s 元，其中待审定的一事一议申请 %(pending)s 元，剩余可安排 %(rem)s 元，不足以安排本申请 %(amt)s 元。"
        ) % {
            "area": area.name,
            "bal": fmt(room["balance"]),
            "pending": fmt(room["pending"]),
            "rem": fmt(room["remaining"]),
            "amt": fmt(amt),
        }
        raise ServiceError(msg, code="exceeds_remaining_allocation", errors={"amount": [msg]})

    req = EmergencyRequest.objects.create(
        fund_year=fund_year,
        number=next_request_number(fund_year),
        title=title,
        organisation=org,
        department=dept,
        focus_area=area,
        amount=amt,
        justification=justification,
        basis=basis,
        content=content,
        start_date=start,
        end_date=end,
        submitted_by=actor,
        submitted_on=today_or(today),
    )
    EmergencyTarget.objects.bulk_create(
        EmergencyTarget(request=req, order=i, **t) for i, t in enumerate(target_rows)
    )
    EmergencyMilestone.objects.bulk_create(EmergencyMilestone(request=req, **m) for m in milestone_rows)
    audit.record(
        "emergency.request.submitted",
        actor=actor,
        role=role,
        target=req,
        after=request_snapshot(req),
        data={
            "targets": len(target_rows),
            "milestones": len(milestone_rows),
            "area_balance": room["balance"],
            "pending_before": room["pending"],
        },
        reason=justification,
    )
    return req


def _count(c: v.Collector) -> int:
    return sum(len(ms) for ms in c.errors.values())


# ---------------------------------------------------------------- decide


def _lock_request(req) -> tuple:
    row = EmergencyRequest.objects.only("fund_year_id").get(pk=req.pk)
    fund_year = lock_year(row.fund_year_id)
    req = (
        EmergencyRequest.objects.select_for_update()
        .select_related("organisation", "department", "focus_area")
        .get(pk=req.pk)
    )
    req.fund_year = fund_year
    return fund_year, req


def _decision_basis(value) -> str:
    c = v.Collector()
    text = c.take(v.text, value, field="basis", label=_("审定依据"), max_length=TEXT_MAX, required=True)
    c.raise_if_any("decision_invalid")
    return text


def _decision_day(req, today) -> dt.date:
    day = today_or(today)
    if day < req.submitted_on:
        msg = _("审定日期 %(d)s 不能早于申请提出日期 %(s)s。") % {
            "d": day.isoformat(),
            "s": req.submitted_on.isoformat(),
        }
        raise ServiceError(msg, code="decided_before_submitted", errors={"today": [msg]})
    return day


def _already_decided(req) -> None:
    if req.state != RequestState.SUBMITTED:
        raise ServiceError(
            _("一事一议申请 %(number)s 已审定（%(state)s），不能重复审定。")
            % {"number": req.number, "state": req.get_state_display()},
            code="already_decided",
        )


def contract_terms(req, decided_on) -> str:
    """The 任务书's terms for an emergency project: what the request said, and on whose decision."""
    with data_language():
        parts = [
            _("一、项目名称：%(title)s（一事一议项目）") % {"title": req.title},
            _("二、承担单位：%(org)s；主管部门：%(dept)s")
            % {"org": req.organisation.name, "dept": req.department.name},
            _("三、主要任务与考核内容：%(text)s") % {"text": req.content},
            _("四、立项依据：经领导小组%(date)s按一事一议程序审定同意（申请编号 %(number)s）。")
            % {"date": decided_on.isoformat(), "number": req.number},
            _(
                "承担单位应按本任务书确定的绩效目标和进度组织实施，按期报送执行情况，专款专用，接受主管部门、财政部门和审计部门的监督检查。"
            ),
        ]
    return "\n".join(parts)[:TERMS_MAX]


def _draw_up_contract(project, req, *, actor, role, day) -> Contract:
    """The 任务书 of the emergency project, from the request's targets and milestones and the tranche
    plan of the year's policy, drawn up under the leading group's approval (the same rows and the same
    ``projects.contract.generated`` event as ``projects.services.generate_contract``, which only the
    office or the managing department may call; the event names the request as its authority)."""
    return draw_up_contract(
        project,
        actor=actor,
        role=role,
        start=req.start_date,
        end=req.end_date,
        terms=contract_terms(req, day),
        targets=[
            {
                "kind": t.kind,
                "name": t.name,
                "indicator_type": t.indicator_type,
                "unit": t.unit,
                "target_value": t.target_value,
                "target_text": t.target_text,
            }
            for t in req.targets.order_by("order", "id")
        ],
        milestones=[{"due_date": m.due_date, "description": m.description} for m in req.milestones.all()],
        data={"emergency_request": req.pk, "authority": "emergency.decide"},
    )


@transaction.atomic
def approve_emergency(req, *, actor, basis, today: dt.date | None = None) -> EmergencyRequest:
    """领导小组审定同意: the project is created with its amount committed from the focus area's
    allocation (area → commitment), and its 任务书 is drawn up for both sides to sign."""
    fund_year, req = _lock_request(req)
    role = require(actor, "emergency.decide", req, visible=visible_requests(actor))
    _already_decided(req)
    REQUEST.check(req, RequestState.APPROVED)
    basis = _decision_basis(basis)
    day = _decision_day(req, today)
    room = remaining_for_emergency(fund_year, req.focus_area, exclude=req)
    if req.amount > room["balance"]:
        raise ServiceError(
            _("“%(area)s”领域配置余额仅 %(bal)s 元，不足以安排一事一议项目“%(title)s”的 %(amt)s 元。")
            % {
                "area": req.focus_area.name,
                "bal": fmt(room["balance"]),
                "title": req.title,
                "amt": fmt(req.amount),
            },
            code="exceeds_area_balance",
        )
    before = request_snapshot(req)
    project = project_services.create_emergency_project(
        fund_year=fund_year,
        title=req.title,
        organisation=req.organisation,
        department=req.department,
        focus_area=req.focus_area,
        amount=req.amount,
        start_date=req.start_date,
        end_date=req.end_date,
        actor=actor,
        role=role,
        request=req,
    )
    contract = _draw_up_contract(project, req, actor=actor, role=role, day=day)
    req.state = RequestState.APPROVED
    req.decided_by = actor
    req.decided_on = day
    req.decided_at = timezone.now()
    req.decision_basis = basis
    req.project = project
    req.save(update_fields=["state", "decided_by", "decided_on", "decided_at", "decision_basis", "project"])
    audit.record(
        "emergency.request.approved",
        actor=actor,
        role=role,
        target=req,
        before=before,
        after=request_snapshot(req),
        data={
            "project": project.pk,
            "project_number": project.number,
            "contract": contract.pk,
            "entry": project.commitment_entry_id,
            "area_balance_before": room["balance"],
        },
        reason=basis,
    )
    return req


@transaction.atomic
def reject_emergency(req, *, actor, basis, today: dt.date | None = None) -> EmergencyRequest:
    """领导小组审定不同意, with its basis. No money moves (nothing was reserved)."""
    _fund_year, req = _lock_request(req)
    role = require(actor, "emergency.decide", req, visible=visible_requests(actor))
    _already_decided(req)
    REQUEST.check(req, RequestState.REJECTED)
    basis = _decision_basis(basis)
    day = _decision_day(req, today)
    before = request_snapshot(req)
    req.state = RequestState.REJECTED
    req.decided_by = actor
    req.decided_on = day
    req.decided_at = timezone.now()
    req.decision_basis = basis
    req.save(update_fields=["state", "decided_by", "decided_on", "decided_at", "decision_basis"])
    audit.record(
        "emergency.request.rejected",
        actor=actor,
        role=role,
        target=req,
        before=before,
        after=request_snapshot(req),
        reason=basis,
    )
    return req

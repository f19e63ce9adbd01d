"""任务书: generated from the application (targets, milestones, the tranche plan from policy), signed
by the managing department (甲方) and the implementing unit (乙方). When both have signed, the project
is in progress and the first tranche falls due within the policy's days."""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from techfund.core.errors import ServiceError
from techfund.core.permissions import require
from techfund.core.predicates import is_office
from techfund.core.services import audit
from techfund.projects.enums import ContractState, ProjectState, SigningSide
from techfund.projects.models import Contract, ContractMilestone, ContractTarget, Tranche
from techfund.projects.scopes import visible_projects
from techfund.projects.services._common import lock_project, parse_date, today_or
from techfund.projects.transitions import CONTRACT, PROJECT

CENT = Decimal("0.01")
TERMS_MAX = 5000


def tranche_plan(amount: Decimal, rules: dict, *, start: dt.date, end: dt.date) -> list[dict]:
    """The payment plan from the policy's ``tranches`` table: the first tranche (at least
    ``first_tranche_min_ratio``) within ``first_payment_days`` of signing; the rest after the stage
    check (阶段检查) at mid-term, or after acceptance where the policy holds no stage check."""
    ratio = Decimal(str(rules["first_tranche_min_ratio"]))
    first = (amount * ratio).quantize(CENT, rounding=ROUND_HALF_UP)
    days = int(rules["first_payment_days"])
    plan = [
        {
            "seq": 1,
            "ratio": ratio,
            "amount": first,
            "condition": _("任务书签订后%(days)s日内拨付") % {"days": days},
            "due_date": None,
        }
    ]
    rest = amount - first
    if rest > 0:
        if int(rules.get("max_stage_checks", 0)) > 0:
            condition = _("阶段检查（中期检查）通过后拨付")
            due = start + (end - start) / 2
        else:
            condition = _("验收通过后拨付")
            due = end
        plan.append(
            {"seq": 2, "ratio": Decimal(1) - ratio, "amount": rest, "condition": condition, "due_date": due}
        )
    return plan


def default_terms(project) -> str:
    app = project.application
    parts = [
        _("一、项目名称：%(title)s") % {"title": project.title},
        _("二、承担单位：%(org)s；主管部门：%(dept)s")
        % {"org": project.organisation.name, "dept": project.department.name},
    ]
    if app is not None and app.abstract:
        parts.append(_("三、主要研究内容：%(text)s") % {"text": app.abstract})
    parts.append(
        _(
            "承担单位应按本任务书确定的绩效目标和进度组织实施，按期报送执行情况，专款专用，接受主管部门、财政部门和审计部门的监督检查。"
        )
    )
    return "\n".join(parts)


@transaction.atomic
def generate_contract(
    project, *, actor, start_date=None, end_date=None, terms: str | None = None, targets=None, milestones=None
) -> Contract:
    """Draw up the 任务书 of an arranged project. Targets and milestones are copied from the
    application unless given (一事一议 projects have no application: they must be given)."""
    project = lock_project(project)
    role = require(actor, "projects.generate_contract", project, visible=visible_projects(actor))
    if project.state != ProjectState.ARRANGED:
        raise ServiceError(
            _("项目当前状态为“%(state)s”，只有预算已安排、尚未签订任务书的项目才能生成任务书。")
            % {"state": ProjectState(project.state).label},
            code="project_not_arranged",
        )
    if Contract.objects.filter(project=project).exists():
        raise ServiceError(_("该项目已生成任务书。"), code="contract_exists")
    errors: dict = {}
    start = end = None
    try:
        start = parse_date(start_date or project.start_date, field="start_date", label=_("起始日期"))
    except ServiceError as exc:
        errors.update(exc.errors)
    try:
        end = parse_date(end_date or project.end_date, field="end_date", label=_("完成日期"))
    except ServiceError as exc:
        errors.update(exc.errors)
    if start and end and end <= start:
        errors.setdefault("end_date", []).append(_("完成日期必须晚于起始日期。"))
    terms = (terms if terms is not None else default_terms(project)).strip()
    if not terms:
        errors.setdefault("terms", []).append(_("请填写主要任务与考核内容。"))
    elif len(terms) > TERMS_MAX:
        errors.setdefault("terms", []).append(_("主要任务与考核内容不能超过%(n)s个字符。") % {"n": TERMS_MAX})
    app = project.application
    if targets is None:
        targets = (
            [
                {
                    "kind": t.kind,
                    "name": t.name,
                    "indicator_type": t.indicator_type,
                    "unit": t.unit,
                    "target_value": t.target_value,
                    "target_text": t.target_text,
                }
                for t in app.targets.all()
            ]
            if app is not None
            else []
        )
    if milestones is None:
        milestones = (
            [{"due_date": m.due_date, "description": m.description} for m in app.milestones.all()]
            if app is not None
            else []
        )
    if not targets:
        errors.setdefault("targets", []).append(_("任务书至少要有一项绩效目标。"))
    if errors:
        msgs = [m for ms in errors.values() for m in ms]
        raise ServiceError(
            msgs[0] if len(msgs) == 1 else _("任务书有%(n)d处需要修改。") % {"n": len(msgs)},
            code="contract_invalid",
            errors=errors,
        )
    contract = Contract.objects.create(
        project=project,
        number=f"RWS-{project.number}",
        amount=project.amount,
        self_raised=app.self_raised if app is not None else 0,
        start_date=start,
        end_date=end,
        terms=terms,
        generated_by=actor,
    )
    ContractTarget.objects.bulk_create(
        ContractTarget(
            contract=contract,
            order=i,
            kind=t["kind"],
            name=t["name"],
            indicator_type=t["indicator_type"],
            unit=t.get("unit", "") or "",
            target_value=t.get("target_value"),
            target_text=t.get("target_text", "") or "",
        )
        for i, t in enumerate(targets)
    )
    ContractMilestone.objects.bulk_create(
        ContractMilestone(contract=contract, due_date=m["due_date"], description=m["description"])
        for m in milestones
    )
    rules = project.fund_year.profile.rule("tranches")
    plan = tranche_plan(project.amount, rules, start=start, end=end)
    Tranche.objects.bulk_create(Tranche(contract=contract, **t) for t in plan)
    audit.record(
        "projects.contract.generated",
        actor=actor,
        role=role,
        target=contract,
        after={"state": contract.state, "amount": contract.amount, "start": start, "end": end},
        data={"project": project.pk, "tranches": [{"seq": t["seq"], "amount": t["amount"]} for t in plan]},
    )
    return contract


def side_of(actor, contract) -> str:
    """The side the actor signs for: the unit's members sign as 乙方; the office and the managing
    department's officers as 甲方."""
    if contract.project.organisation_id in actor.organisation_ids():
        return SigningSide.UNIT
    return SigningSide.OWNER


@transaction.atomic
def sign_contract(
    contract, *, actor, signatory: str, side: str | None = None, today: dt.date | None = None
) -> Contract:
    """One side signs. The second signature makes the contract binding, sets the first tranche's
    due date and puts the project in progress."""
    project = lock_project(Contract.objects.get(pk=contract.pk).project)
    contract = Contract.objects.select_for_update().select_related("project").get(pk=contract.pk)
    contract.project = project
    role = require(actor, "projects.sign_contract", project, visible=visible_projects(actor))
    side = side or side_of(actor, contract)
    if side not in SigningSide.values:
        msg = _("签署方“%(v)s”无效（可选：unit 承担单位、owner 主管部门）。") % {"v": side}
        raise ServiceError(msg, code="side_invalid", errors={"side": [msg]})
    if side == SigningSide.UNIT and project.organisation_id not in actor.organisation_ids():
        raise ServiceError(_("只有承担单位的人员才能以乙方身份签署任务书。"), code="not_unit")
    if side == SigningSide.OWNER and not (
        is_office(actor) or project.department_id in actor.department_ids()
    ):
        raise ServiceError(
            _("只有领导小组办公室或项目主管部门的人员才能以甲方身份签署任务书。"), code="not_owner"
        )
    signatory = (signatory or "").strip()
    if not signatory:
        msg = _("请填写签署人姓名。")
        raise ServiceError(msg, code="signatory_required", errors={"signatory": [msg]})
    if len(signatory) > 50:
        msg = _("签署人姓名不能超过50个字符。")
        raise ServiceError(msg, code="signatory_too_long", errors={"signatory": [msg]})
    already = contract.unit_signed_at if side == SigningSide.UNIT else contract.owner_signed_at
    if already is not None:
        raise ServiceError(
            _("%(side)s已于%(at)s签署，不能重复签署。")
            % {"side": SigningSide(side).label, "at": timezone.localtime(already).strftime("%Y-%m-%d %H:%M")},
            code="already_signed",
        )
    now = timezone.now()
    before = {"state": contract.state}
    if side == SigningSide.UNIT:
        contract.unit_signatory, contract.unit_signed_by, contract.unit_signed_at = signatory, actor, now
        to = ContractState.UNIT_SIGNED if contract.state == ContractState.DRAFT else ContractState.SIGNED
    else:
        contract.owner_signatory, contract.owner_signed_by, contract.owner_signed_at = signatory, actor, now
        to = ContractState.OWNER_SIGNED if contract.state == ContractState.DRAFT else ContractState.SIGNED
    CONTRACT.check(contract, to)
    if to == ContractState.SIGNED:
        PROJECT.check(project, ProjectState.IN_PROGRESS)
    contract.state = to
    signed_on = today_or(today)
    if to == ContractState.SIGNED:
        contract.signed_on = signed_on
    contract.save()
    audit.record(
        "projects.contract.signed",
        actor=actor,
        role=role,
        target=contract,
        before=before,
        after={"state": to, "side": side, "signatory": signatory},
        data={"project": project.pk},
    )
    if to == ContractState.SIGNED:
        days = int(project.fund_year.profile.rule("tranches.first_payment_days"))
        contract.tranches.filter(seq=1).update(due_date=signed_on + dt.timedelta(days=days))
        project_before = project.state
        project.state = ProjectState.IN_PROGRESS
        project.save(update_fields=["state"])
        audit.record(
            "projects.project.started",
            actor=actor,
            role=role,
            target=project,
            before={"state": project_before},
            after={"state": project.state},
            data={"contract": contract.pk, "signed_on": signed_on},
        )
    return contract

"""任务书: generated from the application (targets, milestones, the tranche plan from policy), signed
by the managing department (甲方) and the implementing unit (乙方). When both have signed, the project
is in progress and the first tranche falls due within the policy's days."""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from techfund.applications.enums import IndicatorType, TargetKind
from techfund.core.errors import ServiceError
from techfund.core.permissions import require
from techfund.core.predicates import is_office
from techfund.core.services import audit
from techfund.policy.enums import SupportMode
from techfund.projects.enums import ContractState, ProjectState, SigningSide
from techfund.projects.models import Contract, ContractMilestone, ContractTarget, Tranche
from techfund.projects.scopes import visible_projects
from techfund.projects.services._common import lock_project, parse_date, today_or
from techfund.projects.transitions import CONTRACT, PROJECT

CENT = Decimal("0.01")
TERMS_MAX = 5000
TARGET_NAME_MAX = 200
TARGET_UNIT_MAX = 20
TARGET_TEXT_MAX = 300
MILESTONE_MAX = 300
TARGET_VALUE_LIMIT = Decimal("1e14")
QUANTUM = Decimal("0.0001")


def _text(row: dict, key: str) -> str:
    value = row.get(key)
    return "" if value is None else str(value).strip()


def clean_targets(targets, errors: dict) -> list[dict]:
    """The contract's performance targets, checked: a known kind and indicator type, a name, a target
    value for quantitative indicators (above zero for higher/lower-is-better, zero for must-be-zero),
    a target text for qualitative ones. Messages go to ``errors["targets"]`` naming the row."""
    out = []
    msgs = []
    for n, row in enumerate(targets or (), start=1):
        row = dict(row)
        kind, kind_type = _text(row, "kind"), _text(row, "indicator_type")
        name, unit, text = _text(row, "name"), _text(row, "unit"), _text(row, "target_text")
        label = _("第%(n)s项绩效目标") % {"n": n}
        if kind not in TargetKind.values:
            msgs.append(
                _("%(row)s的指标类别“%(v)s”无效（产出指标 output 或效益指标 outcome）。")
                % {"row": label, "v": kind}
            )
        if not name:
            msgs.append(_("%(row)s请填写指标名称。") % {"row": label})
        elif len(name) > TARGET_NAME_MAX:
            msgs.append(_("%(row)s的指标名称不能超过%(n)s个字符。") % {"row": label, "n": TARGET_NAME_MAX})
        if len(unit) > TARGET_UNIT_MAX:
            msgs.append(_("%(row)s的计量单位不能超过%(n)s个字符。") % {"row": label, "n": TARGET_UNIT_MAX})
        value = None
        if kind_type not in IndicatorType.values:
            msgs.append(_("%(row)s的指标类型“%(v)s”无效。") % {"row": label, "v": kind_type})
        elif kind_type == IndicatorType.QUALITATIVE:
            if not text:
                msgs.append(_("%(row)s是定性指标，请填写定性目标。") % {"row": label})
            elif len(text) > TARGET_TEXT_MAX:
                msgs.append(
                    _("%(row)s的定性目标不能超过%(n)s个字符。") % {"row": label, "n": TARGET_TEXT_MAX}
                )
        else:
            raw = row.get("target_value")
            if (raw is None or str(raw).strip() == "") and kind_type == IndicatorType.ZERO:
                raw = "0"
            try:
                value = Decimal(str(raw).strip()) if raw is not None and str(raw).strip() != "" else None
            except InvalidOperation:
                value = None
                msgs.append(_("%(row)s的目标值“%(v)s”不是有效的数字。") % {"row": label, "v": raw})
            else:
                if value is None:
                    msgs.append(_("%(row)s是定量指标，请填写目标值。") % {"row": label})
                elif (
                    not value.is_finite()
                    or value != value.quantize(QUANTUM)
                    or abs(value) >= TARGET_VALUE_LIMIT
                ):
                    msgs.append(
                        _("%(row)s的目标值“%(v)s”超出范围或小数位过多（最多4位）。")
                        % {"row": label, "v": raw}
                    )
                    value = None
                elif kind_type == IndicatorType.ZERO and value != 0:
                    msgs.append(_("%(row)s是“须为零”指标，目标值应为0。") % {"row": label})
                elif kind_type != IndicatorType.ZERO and value <= 0:
                    msgs.append(_("%(row)s的目标值必须大于零。") % {"row": label})
        out.append(
            {
                "kind": kind,
                "name": name,
                "indicator_type": kind_type,
                "unit": unit,
                "target_value": value if kind_type != IndicatorType.QUALITATIVE else None,
                "target_text": text if kind_type == IndicatorType.QUALITATIVE else "",
            }
        )
    if not out:
        msgs.append(_("任务书至少要有一项绩效目标。"))
    if msgs:
        errors.setdefault("targets", []).extend(msgs)
    return out


def clean_milestones(milestones, errors: dict, *, start, end) -> list[dict]:
    """The contract's milestones, checked: a description and a date within the contract period."""
    out, msgs = [], []
    for n, row in enumerate(milestones or (), start=1):
        row = dict(row)
        label = _("第%(n)s项进度安排") % {"n": n}
        description = _text(row, "description")
        if not description:
            msgs.append(_("%(row)s请填写阶段目标。") % {"row": label})
        elif len(description) > MILESTONE_MAX:
            msgs.append(_("%(row)s的阶段目标不能超过%(n)s个字符。") % {"row": label, "n": MILESTONE_MAX})
        due = None
        try:
            due = parse_date(
                row.get("due_date"), field="milestones", label=_("%(row)s的完成时间") % {"row": label}
            )
        except ServiceError as exc:
            msgs.extend(exc.errors["milestones"])
        if due and start and end and not start <= due <= end:
            msgs.append(
                _("%(row)s的完成时间%(d)s不在任务书起止日期（%(s)s至%(e)s）之内。")
                % {"row": label, "d": due.isoformat(), "s": start.isoformat(), "e": end.isoformat()}
            )
        out.append({"due_date": due, "description": description})
    if msgs:
        errors.setdefault("milestones", []).extend(msgs)
    return out


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
                for t in app.targets.order_by("id")
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
    targets = clean_targets(targets, errors)
    period_ok = bool(start and end and end > start)
    milestones = clean_milestones(
        milestones, errors, start=start if period_ok else None, end=end if period_ok else None
    )
    if errors:
        msgs = [m for ms in errors.values() for m in ms]
        raise ServiceError(
            msgs[0] if len(msgs) == 1 else _("任务书有%(n)d处需要修改。") % {"n": len(msgs)},
            code="contract_invalid",
            errors=errors,
        )
    return draw_up_contract(
        project,
        actor=actor,
        role=role,
        start=start,
        end=end,
        terms=terms,
        targets=targets,
        milestones=milestones,
        self_raised=app.self_raised if app is not None else 0,
    )


def draw_up_contract(
    project, *, actor, role, start, end, terms, targets, milestones, self_raised=0, data=None
) -> Contract:
    """Write the 任务书 rows — the contract, its targets and milestones (already cleaned with
    ``clean_targets`` / ``clean_milestones``) and the tranche plan of the year's policy — and record
    it. No permission check: the caller's service has made it (``generate_contract``, or the leading
    group's approval of an emergency request, which names itself in ``data``)."""
    project_before = {"start_date": project.start_date, "end_date": project.end_date}
    contract = Contract.objects.create(
        project=project,
        number=f"RWS-{project.number}",
        amount=project.amount,
        self_raised=self_raised,
        start_date=start,
        end_date=end,
        terms=terms,
        generated_by=actor,
    )
    ContractTarget.objects.bulk_create(
        ContractTarget(contract=contract, order=i, **t) for i, t in enumerate(targets)
    )
    ContractMilestone.objects.bulk_create(
        ContractMilestone(contract=contract, due_date=m["due_date"], description=m["description"])
        for m in milestones
    )
    # Only grants are paid by tranches; the other modes are paid by their own instrument
    # (贴息、股权、后补助 …: 按支持方式专门程序拨付), so their contracts have no tranche plan.
    plan = []
    if project.support_mode == SupportMode.GRANT:
        rules = project.fund_year.profile.rule("tranches")
        plan = tranche_plan(project.amount, rules, start=start, end=end)
    Tranche.objects.bulk_create(Tranche(contract=contract, **t) for t in plan)
    audit.record(
        "projects.contract.generated",
        actor=actor,
        role=role,
        target=contract,
        after={"state": contract.state, "amount": contract.amount, "start": start, "end": end},
        data={
            "project": project.pk,
            "tranches": [{"seq": t["seq"], "amount": t["amount"]} for t in plan],
            **(data or {}),
        },
    )
    from techfund.budgets.services import open_budget  # budget lines from the application (32号)

    open_budget(contract, actor=actor, role=role)
    if (project.start_date, project.end_date) != (start, end):
        # The contract fixes the project's period (the application's dates were a proposal).
        project.start_date, project.end_date = start, end
        project.save(update_fields=["start_date", "end_date"])
        audit.record(
            "projects.project.period_set",
            actor=actor,
            role=role,
            target=project,
            before=project_before,
            after={"start_date": start, "end_date": end},
            data={"contract": contract.pk},
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
    if project.state != ProjectState.ARRANGED:
        raise ServiceError(
            _("项目当前状态为“%(state)s”，任务书不能再签署。") % {"state": ProjectState(project.state).label},
            code="project_not_arranged",
        )
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
    signed_on = today_or(today)
    if signed_on > contract.end_date:
        raise ServiceError(
            _("签署日期%(d)s已晚于任务书完成日期%(e)s，不能签署；请按实际情况重新商定任务书。")
            % {"d": signed_on.isoformat(), "e": contract.end_date.isoformat()},
            code="contract_expired",
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
        data={"project": project.pk, "on": signed_on},
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

"""评价结果与以后年度预算安排挂钩: from a fund year's grades, the office proposes next year's framework by
focus area and department, adjusts it and submits it to the leading group as a funds ``Framework``.

The suggestion (documented rule), per (focus area, department) of the fund year's projects:

- a project whose comprehensive evaluation is confirmed: ``scoring.next_year_adjustment`` of its
  grade and its arranged amount with the policy's ``results_to_budget.actions`` (优 priority and 良
  as needed keep the amount; 中 is cut by ``reduce_ratio``; 差 is cancelled, 0);
- a terminated project: 0 (its money was released; nothing continues);
- every other project (not yet evaluated): its arranged amount, carried as is;
- the line's base amount is the sum of its projects' arranged amounts, the suggested amount the sum
  of the above, and the proposed amount starts as the suggestion (the office may change it, saying why).

Submitting sums the lines by focus area and creates the target year's framework through the funds
services (``propose_framework`` + ``submit_framework``); the leading group then approves or returns
it as any framework. A framework divides a fund year's pool, and the funds services refuse one whose
total the pool does not hold (at proposal, submission and approval alike). So the target fund year
must be open and its contributions recorded first (``funds.open_fund_year`` +
``record_contribution``); opening it here would not help, since a new year's pool is empty. Until
then ``submit_next_year`` refuses with a message saying what to do, and the proposal stays a draft
the office can keep adjusting.
"""

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from techfund.core.errors import ServiceError
from techfund.core.permissions import require
from techfund.core.services import audit, ledger
from techfund.evaluation import scoring
from techfund.evaluation.enums import ComprehensiveState, Grade, NextYearState
from techfund.evaluation.models import ComprehensiveEvaluation, NextYearLine, NextYearProposal
from techfund.evaluation.scopes import visible_next_year
from techfund.evaluation.services._common import (
    fmt,
    policy_table,
    raise_errors,
    scoring_error,
    text,
    today_or,
)
from techfund.evaluation.transitions import NEXT_YEAR
from techfund.funds import accounts as fund_accounts
from techfund.funds import services as fund_services
from techfund.funds.accounts import data_language
from techfund.funds.models import FundYear
from techfund.funds.scopes import visible_fund_years
from techfund.funds.validation import MAX_AMOUNT
from techfund.projects.enums import ProjectState
from techfund.projects.models import Project

NOTE_MAX = 2000
REASON_MAX = 1000
MAX_YEAR = 2100
#: The groups of a line's breakdown, in display order.
GROUPS = (*Grade.values, "unevaluated", "terminated")


def line_snapshot(line: NextYearLine) -> dict:
    return {
        "focus_area": line.focus_area.code,
        "department": line.department.code,
        "base_amount": line.base_amount,
        "suggested_amount": line.suggested_amount,
        "amount": line.amount,
    }


def proposal_snapshot(proposal: NextYearProposal) -> dict:
    lines = list(proposal.lines.select_related("focus_area", "department"))
    return {
        "state": proposal.state,
        "target_year": proposal.target_year,
        "lines": [line_snapshot(line) for line in lines],
        "total": sum((line.amount for line in lines), ledger.ZERO),
    }


def _target_year(value, fund_year: FundYear, errors: dict) -> int | None:
    if value in (None, ""):
        return fund_year.year + 1
    try:
        year = int(str(value).strip())
    except (TypeError, ValueError):
        year = None
    if year is None or isinstance(value, bool):
        errors.setdefault("target_year", []).append(_("建议年度“%(v)s”不是有效的年份。") % {"v": value})
        return None
    if not fund_year.year < year <= MAX_YEAR:
        errors.setdefault("target_year", []).append(
            _("建议年度须晚于评价年度 %(year)s，且不晚于 %(max)s 年。")
            % {"year": fund_year.year, "max": MAX_YEAR}
        )
        return None
    return year


@transaction.atomic
def propose_next_year(
    fund_year, *, actor, target_year=None, note: str = "", today: dt.date | None = None
) -> NextYearProposal:
    """提出下一年度框架建议 from the fund year's confirmed grades (see the module's docstring)."""
    fund_year = FundYear.objects.select_for_update().select_related("profile").get(pk=fund_year.pk)
    role = require(actor, "evaluation.propose_next_year", fund_year, visible=visible_fund_years(actor))
    errors: dict = {}
    target = _target_year(target_year, fund_year, errors)
    note = text(note, field="note", label=_("说明"), max_length=NOTE_MAX, required=False, errors=errors)
    raise_errors(errors, "next_year_invalid", _("框架建议有误，请按提示修改。"))
    same = NextYearProposal.objects.filter(fund_year=fund_year, target_year=target).first()
    if same is not None:
        raise ServiceError(
            _("已依据 %(src)s 年度评价结果提出 %(year)s 年度框架建议（%(state)s），不能重复提出。")
            % {"src": fund_year.year, "year": target, "state": same.get_state_display()},
            code="next_year_exists",
        )
    if NextYearProposal.objects.filter(fund_year=fund_year, state=NextYearState.DRAFT).exists():
        raise ServiceError(
            _("%(src)s 年度已有一份框架建议草稿，请先报送或处理该草稿。") % {"src": fund_year.year},
            code="next_year_draft_exists",
        )
    confirmed = {
        ce.project_id: ce
        for ce in ComprehensiveEvaluation.objects.filter(
            project__fund_year=fund_year, state=ComprehensiveState.CONFIRMED
        )
    }
    if not confirmed:
        raise ServiceError(
            _("%(year)s 年度尚无完成综合绩效评价的项目，无法依据评价结果提出下一年度框架建议。")
            % {"year": fund_year.year},
            code="no_evaluated_projects",
        )
    profile = fund_year.profile
    actions = policy_table(profile, "results_to_budget.actions")
    groups: dict[tuple[int, int], dict] = {}
    projects = Project.objects.filter(fund_year=fund_year).select_related("focus_area", "department")
    for p in projects.order_by("focus_area__order", "department__code", "number"):
        g = groups.setdefault(
            (p.focus_area_id, p.department_id),
            {
                "focus_area": p.focus_area,
                "department": p.department,
                "breakdown": {},
                "projects": [],
            },
        )
        ce = confirmed.get(p.pk)
        if ce is not None:
            try:
                suggested = scoring.next_year_adjustment(ce.grade, p.amount, actions).amount
            except ValueError as exc:
                raise scoring_error(exc) from exc
            group = ce.grade
        elif p.state == ProjectState.TERMINATED:
            group, suggested = "terminated", ledger.ZERO
        else:
            group, suggested = "unevaluated", p.amount
        b = g["breakdown"].setdefault(group, {"n": 0, "amount": ledger.ZERO, "suggested": ledger.ZERO})
        b["n"] += 1
        b["amount"] += p.amount
        b["suggested"] += suggested
        g["projects"].append(
            {"project": p.number, "group": group, "amount": p.amount, "suggested": suggested}
        )

    proposal = NextYearProposal.objects.create(
        fund_year=fund_year,
        target_year=target,
        note=note,
        profile=profile,
        profile_version=profile.version,
        actions=actions,
        proposed_by=actor,
        proposed_on=today_or(today),
    )
    lines = []
    for g in groups.values():
        b = g["breakdown"]
        suggested = sum((v["suggested"] for v in b.values()), ledger.ZERO)
        lines.append(
            NextYearLine(
                proposal=proposal,
                focus_area=g["focus_area"],
                department=g["department"],
                projects=sum(v["n"] for v in b.values()),
                **{group: b.get(group, {}).get("n", 0) for group in GROUPS},
                breakdown={k: audit.jsonable(b[k]) for k in GROUPS if k in b},
                base_amount=sum((v["amount"] for v in b.values()), ledger.ZERO),
                suggested_amount=suggested,
                amount=suggested,
            )
        )
    NextYearLine.objects.bulk_create(lines)
    audit.record(
        "evaluation.next_year.proposed",
        actor=actor,
        role=role,
        target=proposal,
        after=proposal_snapshot(proposal),
        data={
            "fund_year": fund_year.year,
            "profile_version": profile.version,
            "actions": actions,
            "projects": [row for g in groups.values() for row in g["projects"]],
        },
        reason=note,
    )
    return proposal


def _lock(proposal) -> NextYearProposal:
    return (
        NextYearProposal.objects.select_for_update().select_related("fund_year__profile").get(pk=proposal.pk)
    )


def _editable(proposal: NextYearProposal) -> None:
    if proposal.state != NextYearState.DRAFT:
        raise ServiceError(
            _("该框架建议已报送领导小组，不能再调整；如需修改，请在框架配置中办理。"),
            code="next_year_not_editable",
        )


@transaction.atomic
def adjust_next_year(
    proposal, *, actor, amounts: Mapping, reasons: Mapping | None = None, reason: str = ""
) -> NextYearProposal:
    """调整: change the proposed amounts of lines (``amounts`` maps a line or its id to yuan, 0 allowed).
    A line whose amount then differs from the suggestion needs a reason (its own in ``reasons`` or
    the common ``reason``)."""
    proposal = _lock(proposal)
    role = require(actor, "evaluation.adjust_next_year", proposal, visible=visible_next_year(actor))
    _editable(proposal)
    lines = {line.pk: line for line in proposal.lines.select_related("focus_area", "department")}
    reasons = {(k.pk if isinstance(k, NextYearLine) else _int(k)): v for k, v in (reasons or {}).items()}
    errors: dict = {}
    common = text(
        reason, field="reason", label=_("调整理由"), max_length=REASON_MAX, required=False, errors=errors
    )
    changes = []
    for key, value in (amounts or {}).items():
        pk = key.pk if isinstance(key, NextYearLine) else _int(key)
        line = lines.get(pk)
        if line is None:
            errors.setdefault("amounts", []).append(_("明细“%(id)s”不属于该框架建议。") % {"id": key})
            continue
        label = f"{line.focus_area.name} · {line.department.name}"
        new = _amount(value, field=f"lines.{pk}.amount", label=label, errors=errors)
        why = (
            text(
                reasons.get(pk) or "",
                field=f"lines.{pk}.reason",
                label=_("调整理由"),
                max_length=REASON_MAX,
                required=False,
                errors=errors,
            )
            or common
        )
        if new is None or new == line.amount:
            continue
        if new != line.suggested_amount and not why:
            errors.setdefault(f"lines.{pk}.reason", []).append(
                _("调整“%(line)s”的建议金额须说明理由。") % {"line": label}
            )
            continue
        changes.append((line, new, why))
    n = sum(len(v) for v in errors.values())
    raise_errors(errors, "adjustment_invalid", _("调整有%(n)d处需要修改。") % {"n": n})
    if not changes:
        raise ServiceError(_("没有修改任何建议金额。"), code="nothing_changed")
    before = proposal_snapshot(proposal)
    for line, new, why in changes:
        line.amount = new
        line.adjust_reason = why if new != line.suggested_amount else ""
        line.save(update_fields=["amount", "adjust_reason"])
    audit.record(
        "evaluation.next_year.adjusted",
        actor=actor,
        role=role,
        target=proposal,
        before=before,
        after=proposal_snapshot(proposal),
        data={
            "changes": [
                {
                    "line": line.pk,
                    "focus_area": line.focus_area.code,
                    "department": line.department.code,
                    "amount": new,
                    "suggested": line.suggested_amount,
                    "reason": why,
                }
                for line, new, why in changes
            ]
        },
        reason=common or "；".join(why for _line, _new, why in changes if why),
    )
    return proposal


def _int(value):
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return value


def _amount(value, *, field: str, label: str, errors: dict) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        errors.setdefault(field, []).append(_("%(label)s：请填写建议金额（可为0）。") % {"label": label})
        return None
    try:
        if isinstance(value, bool):
            raise ServiceError(_("金额“%(v)s”不是有效的数字。") % {"v": value})
        amt = ledger.money(value)
    except ServiceError as exc:
        errors.setdefault(field, []).append(f"{label}：{exc.message}")
        return None
    if amt < 0:
        errors.setdefault(field, []).append(_("%(label)s：建议金额不能为负数。") % {"label": label})
        return None
    if amt > MAX_AMOUNT:
        errors.setdefault(field, []).append(_("%(label)s：金额过大。") % {"label": label})
        return None
    return amt


def allocations_of(proposal: NextYearProposal) -> dict[str, Decimal]:
    """The proposal's amounts summed by focus area code (areas with nothing proposed left out)."""
    out: dict[str, Decimal] = {}
    for line in proposal.lines.select_related("focus_area").order_by("focus_area__order"):
        out[line.focus_area.code] = out.get(line.focus_area.code, ledger.ZERO) + line.amount
    return {code: amt for code, amt in out.items() if amt > 0}


@transaction.atomic
def submit_next_year(proposal, *, actor, title: str = "", note: str = ""):
    """报领导小组: create the target year's framework from the proposal (allocations by focus area) through
    the funds services and submit it; the proposal keeps a link to it."""
    proposal = _lock(proposal)
    role = require(actor, "evaluation.submit_next_year", proposal, visible=visible_next_year(actor))
    NEXT_YEAR.check(proposal, NextYearState.SUBMITTED)
    allocations = allocations_of(proposal)
    if not allocations:
        raise ServiceError(_("框架建议的金额合计为0，不能形成框架配置报领导小组。"), code="next_year_empty")
    total = sum(allocations.values(), ledger.ZERO)
    year = proposal.target_year
    target = FundYear.objects.filter(year=year).first()
    if target is None:
        raise ServiceError(
            _(
                "%(year)s 年度资金尚未设立。框架配置是对年度资金池的分配，"
                "请先设立 %(year)s 年度资金并登记资金来源，再报领导小组审定。"
            )
            % {"year": year},
            code="target_year_missing",
        )
    pool = fund_accounts.pool_balance(year)
    if total > pool:
        raise ServiceError(
            _(
                "%(year)s 年度资金池未分配余额 %(pool)s 元，不足以安排本建议合计 %(total)s 元。"
                "框架配置是对年度资金池的分配，请先登记 %(year)s 年度资金来源，再报领导小组审定。"
            )
            % {"year": year, "pool": fmt(pool), "total": fmt(total)},
            code="next_year_pool_short",
        )
    with data_language():
        default_title = _("%(year)s年度框架配置（依据%(src)s年度绩效评价结果）") % {
            "year": year,
            "src": proposal.fund_year.year,
        }
        default_note = _("依据 %(src)s 年度绩效评价结果，按政策的评价结果应用规则测算提出。") % {
            "src": proposal.fund_year.year
        }
    framework = fund_services.propose_framework(
        target,
        actor=actor,
        allocations=allocations,
        title=(title or "").strip() or default_title,
        note=(note or "").strip() or proposal.note or default_note,
    )
    framework = fund_services.submit_framework(framework, actor=actor)
    before = {"state": proposal.state}
    proposal.state = NextYearState.SUBMITTED
    proposal.framework = framework
    proposal.submitted_by = actor
    proposal.submitted_at = timezone.now()
    proposal.save(update_fields=["state", "framework", "submitted_by", "submitted_at"])
    audit.record(
        "evaluation.next_year.submitted",
        actor=actor,
        role=role,
        target=proposal,
        before=before,
        after={
            "state": proposal.state,
            "framework": framework.pk,
            "allocations": allocations,
            "total": total,
        },
        data={"target_year": year, "pool_before": pool},
    )
    return proposal


def target_status(proposal: NextYearProposal) -> dict:
    """Where the target year stands for a submission: whether its fund year is open, its pool's
    unallocated balance, the proposal's total and the shortfall, and a framework of the year still
    in draft or awaiting a decision (the funds services allow one at a time)."""
    from techfund.funds.transitions import FRAMEWORK_OPEN

    lines = list(proposal.lines.all())
    total = sum((line.amount for line in lines), ledger.ZERO)
    target = FundYear.objects.filter(year=proposal.target_year).first()
    pool = fund_accounts.pool_balance(proposal.target_year) if target else ledger.ZERO
    open_framework = target.frameworks.filter(state__in=FRAMEWORK_OPEN).first() if target else None
    return {
        "fund_year": target,
        "pool": pool,
        "total": total,
        "shortfall": max(total - pool, ledger.ZERO),
        "open_framework": open_framework,
        "ready": target is not None and total > 0 and total <= pool and open_framework is None,
    }

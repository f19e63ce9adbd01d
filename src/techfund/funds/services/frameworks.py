"""框架配置: the office proposes how the pool is split across focus areas, the leading group decides.

On approval each allocation becomes a ledger balance: one entry pool → area per allocation, stored
on ``Allocation.entry``. Several frameworks a year are allowed (分期分批), numbered 1, 2, …, with at
most one in draft or awaiting a decision at a time.
"""

from collections.abc import Mapping
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from techfund.core.errors import ServiceError
from techfund.core.permissions import require
from techfund.core.services import audit, ledger
from techfund.funds import accounts, validation
from techfund.funds.enums import FrameworkState
from techfund.funds.models import Allocation, Framework, FundYear
from techfund.funds.scopes import visible_frameworks, visible_fund_years
from techfund.funds.transitions import (
    FRAMEWORK,
    FRAMEWORK_EDITABLE,
    check_no_other_open,
    check_within_pool,
)
from techfund.policy.models import FocusArea

ZERO = ledger.ZERO


def snapshot(framework: Framework) -> dict:
    allocations = {a.focus_area.code: a.amount for a in framework.allocations.select_related("focus_area")}
    return {
        "number": framework.number,
        "title": framework.title,
        "state": framework.state,
        "equity_pilot_share": framework.equity_pilot_share,
        "note": framework.note,
        "allocations": allocations,
        "total": sum(allocations.values(), ZERO),
    }


def _raise(errors: dict, code: str) -> None:
    msgs = [m for ms in errors.values() for m in ms]
    message = msgs[0] if len(msgs) == 1 else _("框架配置有误，请按提示修改。")
    raise ServiceError(message, code=code, errors=errors)


def clean_allocations(fund_year: FundYear, allocations) -> dict[FocusArea, Decimal]:
    """Map focus areas (or their codes) to positive amounts; blank amounts mean "no allocation".

    Every area must belong to the fund year's policy profile; every problem is reported at once,
    keyed ``allocations.<area code>`` (or ``allocations`` for the whole)."""
    if not isinstance(allocations, Mapping):
        msg = _("领域配置应为“重点领域 → 金额”的对应表。")
        raise ServiceError(msg, code="allocations_invalid", errors={"allocations": [msg]})
    areas = {fa.code: fa for fa in fund_year.profile.focus_areas.all()}
    errors: dict = {}
    out: dict[FocusArea, Decimal] = {}
    for key, value in allocations.items():
        if isinstance(key, FocusArea):
            area = areas.get(key.code) if key.profile_id == fund_year.profile_id else None
            label = key.name
        else:
            area = areas.get(str(key).strip())
            label = str(key)
        if area is None:
            msg = _("重点领域“%(a)s”不属于 %(year)s 年度的政策配置。") % {"a": label, "year": fund_year.year}
            errors.setdefault("allocations", []).append(msg)
            continue
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        field = f"allocations.{area.code}"
        if area in out:
            errors.setdefault(field, []).append(_("重点领域“%(a)s”重复填写。") % {"a": area.name})
            continue
        try:
            out[area] = validation.amount(value, field=field, label=area.name)
        except ServiceError as exc:
            for f, msgs in exc.errors.items():
                errors.setdefault(f, []).extend(msgs)
    if not out and not errors:
        msg = _("请至少为一个重点领域填写配置金额。")
        errors["allocations"] = [msg]
    if errors:
        _raise(errors, "allocations_invalid")
    return out


def _share(fund_year: FundYear, value) -> Decimal:
    if value is None or (isinstance(value, str) and not value.strip()):
        return fund_year.profile.equity_pilot_share or Decimal("0")
    return validation.share(value)


def _lock(framework: Framework) -> tuple[FundYear, Framework]:
    """Lock the fund year first, then the framework (the same order in every fund service)."""
    fund_year = FundYear.objects.select_for_update().select_related("profile").get(pk=framework.fund_year_id)
    framework = Framework.objects.select_for_update().get(pk=framework.pk)
    framework.fund_year = fund_year
    return fund_year, framework


def _write_allocations(framework: Framework, allocations: dict[FocusArea, Decimal]) -> None:
    framework.allocations.all().delete()
    Allocation.objects.bulk_create(
        [Allocation(framework=framework, focus_area=area, amount=amt) for area, amt in allocations.items()]
    )


@transaction.atomic
def propose_framework(
    fund_year: FundYear,
    *,
    actor,
    allocations: Mapping,
    equity_pilot_share=None,
    note: str = "",
    title: str = "",
) -> Framework:
    """提出框架配置: a new draft, numbered after the year's earlier frameworks."""
    fund_year = FundYear.objects.select_for_update().select_related("profile").get(pk=fund_year.pk)
    role = require(actor, "funds.propose_framework", fund_year, visible=visible_fund_years(actor))
    check_no_other_open(fund_year)
    errors: dict = {}
    cleaned = share = None
    try:
        cleaned = clean_allocations(fund_year, allocations)
    except ServiceError as exc:
        errors.update(exc.errors)
    try:
        share = _share(fund_year, equity_pilot_share)
    except ServiceError as exc:
        errors.update(exc.errors)
    try:
        title = validation.text(title, field="title", max_length=200, label=_("标题"))
    except ServiceError as exc:
        errors.update(exc.errors)
    if errors:
        _raise(errors, "framework_invalid")
    check_within_pool(fund_year, sum(cleaned.values(), ZERO))

    number = (fund_year.frameworks.aggregate(m=Max("number"))["m"] or 0) + 1
    if not title:
        with accounts.data_language():
            title = _("%(year)s年度第%(n)s批框架配置") % {"year": fund_year.year, "n": number}
    framework = Framework.objects.create(
        fund_year=fund_year,
        number=number,
        title=title,
        equity_pilot_share=share,
        note=(note or "").strip(),
        proposed_by=actor,
    )
    _write_allocations(framework, cleaned)
    audit.record(
        "fund.framework.proposed", actor=actor, role=role, target=framework, after=snapshot(framework)
    )
    return framework


@transaction.atomic
def update_framework(
    framework: Framework,
    *,
    actor,
    allocations: Mapping,
    equity_pilot_share=None,
    note: str | None = None,
    title: str | None = None,
) -> Framework:
    """修改框架配置 while it is a draft or after the leading group returned it. ``None`` keeps a value."""
    fund_year, framework = _lock(framework)
    role = require(actor, "funds.update_framework", framework, visible=visible_frameworks(actor))
    if framework.state not in FRAMEWORK_EDITABLE:
        raise ServiceError(
            _("只有草稿或已退回的框架配置可以修改；第%(n)s批当前为“%(state)s”。")
            % {"n": framework.number, "state": framework.get_state_display()},
            code="framework_not_editable",
        )
    before = snapshot(framework)
    errors: dict = {}
    cleaned = share = None
    try:
        cleaned = clean_allocations(fund_year, allocations)
    except ServiceError as exc:
        errors.update(exc.errors)
    if equity_pilot_share is not None and not (
        isinstance(equity_pilot_share, str) and not equity_pilot_share.strip()
    ):
        try:
            share = validation.share(equity_pilot_share)
        except ServiceError as exc:
            errors.update(exc.errors)
    if title is not None:
        try:
            title = validation.text(title, field="title", max_length=200, label=_("标题"))
        except ServiceError as exc:
            errors.update(exc.errors)
    if errors:
        _raise(errors, "framework_invalid")
    check_within_pool(fund_year, sum(cleaned.values(), ZERO))

    fields = []
    if share is not None:
        framework.equity_pilot_share = share
        fields.append("equity_pilot_share")
    if note is not None:
        framework.note = note.strip()
        fields.append("note")
    if title:
        framework.title = title
        fields.append("title")
    if fields:
        framework.save(update_fields=fields)
    _write_allocations(framework, cleaned)
    audit.record(
        "fund.framework.updated",
        actor=actor,
        role=role,
        target=framework,
        before=before,
        after=snapshot(framework),
    )
    return framework


@transaction.atomic
def submit_framework(framework: Framework, *, actor) -> Framework:
    """报领导小组: the draft (or the revised returned framework) goes to the leading group."""
    fund_year, framework = _lock(framework)
    role = require(actor, "funds.submit_framework", framework, visible=visible_frameworks(actor))
    FRAMEWORK.check(framework, FrameworkState.SUBMITTED)
    before = snapshot(framework)
    previous_return = framework.decision_reason
    framework.state = FrameworkState.SUBMITTED
    framework.submitted_at = timezone.now()
    # The earlier return (who, when, why) stays in the audit trail; the record awaits a new decision.
    framework.decided_by = None
    framework.decided_at = None
    framework.decision_reason = ""
    framework.save(update_fields=["state", "submitted_at", "decided_by", "decided_at", "decision_reason"])
    audit.record(
        "fund.framework.submitted",
        actor=actor,
        role=role,
        target=framework,
        before=before,
        after=snapshot(framework),
        data={"resubmitted_after_return": previous_return} if previous_return else None,
    )
    return framework


@transaction.atomic
def approve_framework(framework: Framework, *, actor, reason: str = "") -> Framework:
    """审定: the leading group approves; each allocation moves pool → focus area in the ledger."""
    fund_year, framework = _lock(framework)
    role = require(actor, "funds.approve_framework", framework, visible=visible_frameworks(actor))
    FRAMEWORK.check(framework, FrameworkState.APPROVED)
    before = snapshot(framework)
    pool = accounts.pool_account(fund_year.year)
    entries = {}
    for allocation in framework.allocations.select_related("focus_area"):
        with accounts.data_language():
            memo = _("第%(n)s批框架配置：%(area)s %(amount)s 元") % {
                "n": framework.number,
                "area": allocation.focus_area.name,
                "amount": validation.fmt(allocation.amount),
            }
        entry = ledger.transfer(
            pool,
            accounts.area_account(fund_year.year, allocation.focus_area),
            allocation.amount,
            code="fund.framework.allocation",
            memo=memo,
            year=fund_year.year,
            actor=actor,
            ref=allocation,
        )
        allocation.entry = entry
        allocation.save(update_fields=["entry"])
        entries[allocation.focus_area.code] = entry.pk
    framework.state = FrameworkState.APPROVED
    framework.decided_by = actor
    framework.decided_at = timezone.now()
    framework.decision_reason = (reason or "").strip()
    framework.save(update_fields=["state", "decided_by", "decided_at", "decision_reason"])
    audit.record(
        "fund.framework.approved",
        actor=actor,
        role=role,
        target=framework,
        before=before,
        after=snapshot(framework),
        data={"entries": entries},
        reason=framework.decision_reason,
    )
    return framework


@transaction.atomic
def return_framework(framework: Framework, *, actor, reason: str) -> Framework:
    """退回: the leading group sends the framework back to the office, saying why."""
    fund_year, framework = _lock(framework)
    role = require(actor, "funds.return_framework", framework, visible=visible_frameworks(actor))
    FRAMEWORK.check(framework, FrameworkState.RETURNED)
    reason = validation.reason(reason, message=_("退回框架配置须说明理由。"))
    before = snapshot(framework)
    framework.state = FrameworkState.RETURNED
    framework.decided_by = actor
    framework.decided_at = timezone.now()
    framework.decision_reason = reason
    framework.save(update_fields=["state", "decided_by", "decided_at", "decision_reason"])
    audit.record(
        "fund.framework.returned",
        actor=actor,
        role=role,
        target=framework,
        before=before,
        after=snapshot(framework),
        reason=reason,
    )
    return framework

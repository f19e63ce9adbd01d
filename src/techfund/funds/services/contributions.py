"""Recording the year's contributions into the pool (资金来源登记), and voiding one by a reversing entry."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from techfund.core.enums import Level
from techfund.core.errors import ServiceError
from techfund.core.models import Department
from techfund.core.permissions import require
from techfund.core.services import audit, ledger
from techfund.funds import accounts, validation
from techfund.funds.enums import ContributionState
from techfund.funds.models import Contribution, FundYear
from techfund.funds.scopes import visible_contributions, visible_fund_years
from techfund.funds.transitions import CONTRIBUTION
from techfund.policy.models import FundSourceType

SNAPSHOT_FIELDS = (
    "fund_year",
    "source_type",
    "department",
    "level",
    "amount",
    "document_ref",
    "note",
    "state",
)


def _merge(errors: dict, exc: ServiceError) -> None:
    for field, msgs in (exc.errors or {"__all__": [exc.message]}).items():
        errors.setdefault(field, []).extend(msgs)


def _raise(errors: dict, summary_message: str, code: str) -> None:
    msgs = [m for ms in errors.values() for m in ms]
    message = msgs[0] if len(msgs) == 1 else summary_message
    raise ServiceError(message, code=code, errors=errors)


def _source_type(fund_year: FundYear, value) -> FundSourceType:
    if isinstance(value, FundSourceType):
        if value.profile_id != fund_year.profile_id:
            msg = _("资金来源“%(s)s”不属于 %(year)s 年度的政策配置。") % {
                "s": value.name,
                "year": fund_year.year,
            }
            raise ServiceError(msg, code="source_type_foreign", errors={"source_type": [msg]})
        return value
    code = str(value or "").strip()
    if not code:
        msg = _("请选择资金来源。")
        raise ServiceError(msg, code="source_type_required", errors={"source_type": [msg]})
    found = (
        FundSourceType.objects.select_related("department")
        .filter(profile=fund_year.profile, code=code)
        .first()
    )
    if found is None:
        msg = _("资金来源“%(s)s”不属于 %(year)s 年度的政策配置。") % {"s": code, "year": fund_year.year}
        raise ServiceError(msg, code="source_type_foreign", errors={"source_type": [msg]})
    return found


def _department(value) -> Department:
    if isinstance(value, Department):
        dept = value
    else:
        dept = Department.objects.filter(code=str(value).strip()).first()
        if dept is None:
            msg = _("部门“%(d)s”不存在。") % {"d": value}
            raise ServiceError(msg, code="department_invalid", errors={"department": [msg]})
    if not dept.is_active:
        msg = _("部门“%(d)s”已停用。") % {"d": dept.name}
        raise ServiceError(msg, code="department_inactive", errors={"department": [msg]})
    return dept


def _level(value) -> str:
    if value not in Level.values:
        msg = _("级次“%(v)s”无效，应为市级、省级或中央。") % {"v": value}
        raise ServiceError(msg, code="level_invalid", errors={"level": [msg]})
    return str(value)


@transaction.atomic
def record_contribution(
    fund_year: FundYear,
    *,
    actor,
    source_type,
    amount,
    level: str | None = None,
    department=None,
    document_ref: str = "",
    note: str = "",
) -> Contribution:
    """资金入池: one source's money for the year, posted source → pool.

    ``source_type`` is a ``FundSourceType`` of the year's profile (or its code); ``department``
    defaults to the source's managing department and ``level`` to the source's level.
    """
    fund_year = FundYear.objects.select_for_update().select_related("profile").get(pk=fund_year.pk)
    role = require(actor, "funds.record_contribution", fund_year, visible=visible_fund_years(actor))

    errors: dict = {}
    source = dept = lvl = amt = None
    try:
        source = _source_type(fund_year, source_type)
    except ServiceError as exc:
        _merge(errors, exc)
    try:
        amt = validation.amount(amount)
    except ServiceError as exc:
        _merge(errors, exc)
    if level not in (None, ""):
        try:
            lvl = _level(level)
        except ServiceError as exc:
            _merge(errors, exc)
    elif source is not None:
        lvl = source.level
    if department not in (None, ""):
        try:
            dept = _department(department)
        except ServiceError as exc:
            _merge(errors, exc)
    elif source is not None:
        dept = source.department
    try:
        document_ref = validation.text(
            document_ref, field="document_ref", max_length=100, label=_("资金文号")
        )
    except ServiceError as exc:
        _merge(errors, exc)
    try:
        note = validation.text(note, field="note", max_length=300, label=_("备注"))
    except ServiceError as exc:
        _merge(errors, exc)
    if errors:
        _raise(errors, _("资金来源登记有误，请按提示修改。"), "contribution_invalid")

    contribution = Contribution.objects.create(
        fund_year=fund_year,
        source_type=source,
        department=dept,
        level=lvl,
        amount=amt,
        document_ref=document_ref,
        note=note,
        recorded_by=actor,
    )
    with accounts.data_language():
        memo = _("%(source)s 入池 %(amount)s 元") % {"source": source.name, "amount": validation.fmt(amt)}
    entry = ledger.transfer(
        accounts.source_account(fund_year.year, source, lvl),
        accounts.pool_account(fund_year.year),
        amt,
        code="fund.contribution",
        memo=memo,
        year=fund_year.year,
        actor=actor,
        ref=contribution,
    )
    contribution.entry = entry
    contribution.save(update_fields=["entry"])
    audit.record(
        "fund.contribution.recorded",
        actor=actor,
        role=role,
        target=contribution,
        after={
            **audit.snapshot(contribution, SNAPSHOT_FIELDS),
            "source_code": source.code,
            "own_procedure": source.own_procedure,
        },
        data={"entry": entry.pk, "fund_year": fund_year.year},
    )
    return contribution


@transaction.atomic
def void_contribution(contribution: Contribution, *, actor, reason: str) -> Contribution:
    """冲销: cancel a contribution with a reversing entry (pool → source). Refused when the pool no
    longer holds that much unallocated money (what has been allocated to areas cannot be voided)."""
    fund_year = FundYear.objects.select_for_update().get(pk=contribution.fund_year_id)
    contribution = (
        Contribution.objects.select_for_update().select_related("source_type").get(pk=contribution.pk)
    )
    role = require(actor, "funds.void_contribution", contribution, visible=visible_contributions(actor))
    if contribution.state == ContributionState.VOIDED:
        raise ServiceError(_("该笔资金已冲销，不能重复冲销。"), code="contribution_already_voided")
    CONTRIBUTION.check(contribution, ContributionState.VOIDED)
    reason = validation.reason(reason, message=_("冲销资金须说明理由。"))

    available = accounts.pool_balance(fund_year.year)
    if available < contribution.amount:
        raise ServiceError(
            _("资金池未分配余额 %(avail)s 元，不足以冲销该笔 %(amount)s 元：已配置到重点领域的资金不能冲销。")
            % {"avail": validation.fmt(available), "amount": validation.fmt(contribution.amount)},
            code="pool_insufficient",
        )
    before = audit.snapshot(contribution, ("state",))
    lines = [ledger.Line(p.account, -p.amount) for p in contribution.entry.postings.select_related("account")]
    with accounts.data_language():
        memo = _("冲销 %(source)s 入池 %(amount)s 元") % {
            "source": contribution.source_type.name,
            "amount": validation.fmt(contribution.amount),
        }
    entry = ledger.post(
        lines,
        code="fund.contribution.void",
        memo=memo,
        year=fund_year.year,
        actor=actor,
        ref=contribution,
        reverses=contribution.entry,
    )
    contribution.state = ContributionState.VOIDED
    contribution.void_entry = entry
    contribution.voided_by = actor
    contribution.voided_at = timezone.now()
    contribution.void_reason = reason
    contribution.save(update_fields=["state", "void_entry", "voided_by", "voided_at", "void_reason"])
    audit.record(
        "fund.contribution.voided",
        actor=actor,
        role=role,
        target=contribution,
        before=before,
        after=audit.snapshot(contribution, ("state",)),
        data={"entry": entry.pk, "reverses": contribution.entry_id, "amount": contribution.amount},
        reason=reason,
    )
    return contribution

"""Partner banks and their pools: the office registers a bank's cooperation agreement; finance opens
the bank's pool for a fund year, funds it from a focus area's allocation, tops it up and returns the
unused balance to the area at year end.

Decision: one pool per partner bank per fund year (not one pool with sub-accounts), so each year's
money stays traceable to the focus area it came from and the year-end return is per bank.
"""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from techfund.core.enums import OrganisationKind
from techfund.core.errors import ServiceError
from techfund.core.models import Department
from techfund.core.permissions import require
from techfund.core.services import audit, ledger
from techfund.funds.accounts import area_account, data_language
from techfund.policy.models import FocusArea
from techfund.riskpool import accounts
from techfund.riskpool.enums import MovementKind
from techfund.riskpool.models import REF_MAX, PartnerBank, PoolMovement, RiskPool
from techfund.riskpool.scopes import visible_pools
from techfund.riskpool.services._common import (
    available,
    collect,
    fmt,
    lock_pool,
    parse_amount,
    parse_date,
    raise_errors,
    text,
    today_or,
)


def pct(ratio: Decimal) -> str:
    """0.3 → "30", 0.125 → "12.5"."""
    return f"{(ratio * 100).normalize():f}"


CODE_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_")


@transaction.atomic
def register_bank(
    *, actor, organisation, code: str, agreement_ref: str, agreement_start, agreement_end, bank_share
) -> PartnerBank:
    """The office registers a partner bank (an Organisation of kind bank) and its agreement."""
    role = require(actor, "riskpool.manage_banks")
    errors: dict = {}
    if organisation.kind != OrganisationKind.BANK:
        errors["organisation"] = [
            _("%(name)s 不是金融机构，不能登记为合作银行。") % {"name": organisation.name}
        ]
    elif PartnerBank.objects.filter(organisation=organisation).exists():
        errors["organisation"] = [_("%(name)s 已登记为合作银行。") % {"name": organisation.name}]
    code = (code or "").strip()
    if not code or not set(code) <= CODE_CHARS or len(code) > 32 or not code[0].isalpha():
        errors["code"] = [_("代码只能用小写字母、数字和下划线，以字母开头，最长32个字符。")]
    elif PartnerBank.objects.filter(code=code).exists():
        errors["code"] = [_("代码“%(code)s”已被使用。") % {"code": code}]
    ref = text(
        agreement_ref,
        field="agreement_ref",
        label=_("合作协议编号"),
        max_length=REF_MAX,
        required=True,
        errors=errors,
    )
    start = collect(errors, parse_date, agreement_start, field="agreement_start", label=_("协议生效日期"))
    end = collect(errors, parse_date, agreement_end, field="agreement_end", label=_("协议到期日期"))
    if start and end and end <= start:
        errors.setdefault("agreement_end", []).append(_("协议到期日期须晚于生效日期。"))
    share = None
    try:
        share = Decimal(str(bank_share).strip())
        if not share.is_finite() or share < 0 or share > 1 or share != share.quantize(Decimal("0.0001")):
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors["bank_share"] = [_("银行自担损失比例应为0到1之间、最多四位小数的数（0.3 表示 30%）。")]
    raise_errors(errors, "bank_invalid", _("合作银行登记有%(n)d处需要修改。") % {"n": len(errors)})
    bank = PartnerBank.objects.create(
        organisation=organisation,
        code=code,
        agreement_ref=ref,
        agreement_start=start,
        agreement_end=end,
        bank_share=share,
        registered_by=actor,
    )
    audit.record(
        "riskpool.bank.registered",
        actor=actor,
        role=role,
        target=bank,
        after={"code": code, "agreement_ref": ref, "start": start, "end": end, "bank_share": share},
        data={"organisation": organisation.pk, "uscc": organisation.uscc},
    )
    return bank


@transaction.atomic
def open_pool(fund_year, *, actor, bank, focus_area, department) -> RiskPool:
    """Finance opens the bank's pool for the year (empty: ``fund_pool`` moves the money)."""
    role = require(actor, "riskpool.fund")
    rules = fund_year.profile.rule("risk_compensation")
    if not rules:
        raise ServiceError(
            _("%(year)s年度的政策配置没有风险补偿支持方式，不能设立风险补偿资金池。")
            % {"year": fund_year.year},
            code="mode_not_in_policy",
        )
    errors: dict = {}
    if isinstance(focus_area, str):
        focus_area = FocusArea.objects.filter(profile=fund_year.profile, code=focus_area).first()
        if focus_area is None:
            errors["focus_area"] = [_("请选择本年度的重点领域。")]
    elif focus_area.profile_id != fund_year.profile_id:
        errors["focus_area"] = [_("请选择本年度的重点领域。")]
    if isinstance(department, str):
        department = Department.objects.filter(code=department).first()
    if department is None:
        errors["department"] = [_("请选择主管部门。")]
    minimum = Decimal(str(rules["bank_min_share"]))
    if bank.bank_share < minimum:
        errors.setdefault("bank", []).append(
            _("%(bank)s 合作协议约定银行自担 %(share)s%%，低于政策规定的下限 %(min)s%%。")
            % {"bank": bank, "share": pct(bank.bank_share), "min": pct(minimum)}
        )
    if RiskPool.objects.filter(fund_year=fund_year, bank=bank).exists():
        errors.setdefault("bank", []).append(
            _("%(bank)s 在%(year)s年度已设立风险补偿资金池。") % {"bank": bank, "year": fund_year.year}
        )
    raise_errors(errors, "pool_invalid", _("设立资金池有%(n)d处需要修改。") % {"n": len(errors)})
    year = fund_year.year
    pool = RiskPool.objects.create(
        fund_year=fund_year,
        bank=bank,
        focus_area=focus_area,
        department=department,
        account=accounts.pool_account(year, bank),
        paid_account=accounts.paid_account(year, bank),
        created_by=actor,
    )
    audit.record(
        "riskpool.pool.opened",
        actor=actor,
        role=role,
        target=pool,
        after={"year": year, "bank": bank.code, "focus_area": focus_area.code, "department": department.code},
    )
    return pool


def _movement(pool, *, actor, role, kind, amount, day, note, src, dst, code):
    year = pool.fund_year.year
    with data_language():
        memo = _("%(bank)s风险补偿资金池%(kind)s %(amount)s 元") % {
            "bank": pool.bank.organisation.name,
            "kind": MovementKind(kind).label,
            "amount": fmt(amount),
        }
    entry = ledger.transfer(src, dst, amount, code=code, memo=memo, year=year, actor=actor, ref=pool)
    m = PoolMovement.objects.create(
        pool=pool, kind=kind, amount=amount, moved_on=day, note=note, entry=entry, recorded_by=actor
    )
    audit.record(
        f"riskpool.pool.{kind}",
        actor=actor,
        role=role,
        target=pool,
        after={"amount": amount, "moved_on": day},
        data={"movement": m.pk, "entry": entry.pk, "focus_area": pool.focus_area.code},
        reason=note,
    )
    return m


@transaction.atomic
def fund_pool(pool, *, actor, amount, note: str = "", today: dt.date | None = None) -> PoolMovement:
    """Finance moves money from the focus area's allocation into the pool (the first time a funding,
    then top-ups). The area may not go negative (the ledger refuses with the numbers)."""
    pool = lock_pool(pool)
    role = require(actor, "riskpool.fund", pool, visible=visible_pools(actor))
    errors: dict = {}
    value = collect(errors, parse_amount, amount, field="amount", label=_("注资金额"))
    note = text(note, field="note", label=_("说明"), max_length=300, required=False, errors=errors)
    raise_errors(errors, "funding_invalid", _("注资有%(n)d处需要修改。") % {"n": len(errors)})
    kind = MovementKind.TOP_UP if pool.movements.exists() else MovementKind.FUND
    area = area_account(pool.fund_year.year, pool.focus_area)
    left = ledger.balance(area)
    if value > left:
        msg = _("%(area)s可用配置 %(left)s 元，不足以向资金池注资 %(v)s 元。") % {
            "area": pool.focus_area.name,
            "left": fmt(left),
            "v": fmt(value),
        }
        raise ServiceError(msg, code="area_insufficient", errors={"amount": [msg]})
    code = "riskpool.funded" if kind == MovementKind.FUND else "riskpool.topped_up"
    return _movement(
        pool,
        actor=actor,
        role=role,
        kind=kind,
        amount=value,
        day=today_or(today),
        note=note,
        src=area,
        dst=pool.account,
        code=code,
    )


@transaction.atomic
def return_balance(pool, *, actor, note: str = "", today: dt.date | None = None) -> PoolMovement:
    """Year end: finance returns the pool's unused balance (balance less what approved claims await)
    to the focus area's allocation. Claims approved and not yet paid keep their money in the pool."""
    pool = lock_pool(pool)
    role = require(actor, "riskpool.fund", pool, visible=visible_pools(actor))
    errors: dict = {}
    note = text(note, field="note", label=_("说明"), max_length=300, required=False, errors=errors)
    raise_errors(errors, "return_invalid", _("退回有%(n)d处需要修改。") % {"n": len(errors)})
    free, bal, com = available(pool)
    if free <= 0:
        raise ServiceError(
            _("资金池没有可退回的结余（余额 %(bal)s 元，待拨付补偿 %(com)s 元）。")
            % {"bal": fmt(bal), "com": fmt(com)},
            code="nothing_to_return",
        )
    return _movement(
        pool,
        actor=actor,
        role=role,
        kind=MovementKind.RETURN,
        amount=free,
        day=today_or(today),
        note=note,
        src=pool.account,
        dst=area_account(pool.fund_year.year, pool.focus_area),
        code="riskpool.returned_to_area",
    )

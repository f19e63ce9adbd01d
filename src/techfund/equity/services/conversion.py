"""先投后股 转股: at a later financing round the money paid converts into a stake at that round's
post-money valuation: share = converted amount / post-money (6 places, ROUND_HALF_UP), checked like any
stake (≤ ``equity.max_share``, never the largest shareholder against the other shareholders after the
round, declared with evidence).

When converting everything would break the limits the conversion is refused with the reasons and the
largest amount that may convert. The office may then convert that smaller part (``amount``); **the rest
stays invested as a principal claim on the investee, carried at cost** — it is not converted, not
written off, and is settled at the holding's exit (the exit's proceeds include it: typically a
buy-back of the unconverted principal at face value). Stages not yet paid are cancelled: only the money
already paid converts.
"""

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from techfund.core.errors import ServiceError
from techfund.core.permissions import require
from techfund.core.services import audit
from techfund.equity.enums import Instrument, InvestmentState
from techfund.equity.models import EVIDENCE_MAX, CapTableEntry, Conversion
from techfund.equity.scopes import visible_investments
from techfund.equity.services._common import (
    cancel_planned_stages,
    check_cap_total,
    check_stake,
    compute_share,
    fmt,
    held,
    lock_investment,
    max_allowed_amount,
    parse_cap_table,
    parse_date,
    raise_errors,
    refuse_pending,
    text,
    today_or,
)
from techfund.equity.transitions import INVESTMENT
from techfund.funds.validation import amount as parse_amount


@transaction.atomic
def record_conversion(
    investment,
    *,
    actor,
    round_name: str,
    post_money_valuation,
    round_date,
    evidence: str,
    cap_table: list,
    amount=None,
    today: dt.date | None = None,
) -> Conversion:
    """The office records the conversion of a 先投后股 investment (all the money paid, or ``amount`` of it)."""
    inv = lock_investment(investment)
    project = inv.project
    role = require(actor, "equity.convert", inv, visible=visible_investments(actor))
    if inv.instrument != Instrument.INVEST_THEN_EQUITY:
        INVESTMENT.check(inv, InvestmentState.CONVERTED)  # raises: only 先投后股 converts
    if inv.state != InvestmentState.INVESTED:
        raise ServiceError(
            _("投资 %(number)s 当前状态为“%(state)s”，只有已出资、未转股的先投后股可以转股。")
            % {"number": inv.number, "state": InvestmentState(inv.state).label},
            code="investment_state",
        )
    refuse_pending(inv)
    invested = held(inv)
    errors: dict = {}
    round_name = text(
        round_name, field="round_name", label=_("融资轮次"), max_length=100, required=True, errors=errors
    )
    evidence = text(
        evidence, field="evidence", label=_("依据"), max_length=EVIDENCE_MAX, required=True, errors=errors
    )
    post = None
    try:
        post = parse_amount(post_money_valuation, field="post_money_valuation", label=_("本轮投后估值"))
    except ServiceError as exc:
        errors.update(exc.errors)
    day = None
    try:
        day = parse_date(round_date, field="round_date", label=_("融资日期"))
    except ServiceError as exc:
        errors.update(exc.errors)
    if day is not None and day > today_or(today):
        errors.setdefault("round_date", []).append(_("融资日期不能晚于今天。"))
    converted = invested
    if amount not in (None, ""):
        try:
            converted = parse_amount(amount, field="amount", label=_("转股金额"))
        except ServiceError as exc:
            errors.update(exc.errors)
            converted = None
    if converted is not None and converted > invested:
        errors.setdefault("amount", []).append(
            _("转股金额 %(v)s 元超过已出资金额 %(invested)s 元。")
            % {"v": fmt(converted), "invested": fmt(invested)}
        )
    others = parse_cap_table(cap_table, errors=errors)
    share = None
    if post is not None and converted is not None and converted <= invested:
        if converted > post:
            errors.setdefault("post_money_valuation", []).append(_("本轮投后估值不能低于转股金额。"))
        else:
            share = compute_share(converted, post)
            check_cap_total(share, others, errors)
    raise_errors(errors, "conversion_invalid", _("转股登记有%(n)d处需要修改。") % {"n": len(errors)})
    if invested <= 0:
        raise ServiceError(
            _("投资 %(number)s 尚无已出资金额，不能转股。") % {"number": inv.number}, code="nothing_paid"
        )
    profile = project.fund_year.profile
    stake = check_stake(profile, share, others)
    if not stake.ok:
        most = max_allowed_amount(profile, post, others)
        hint = (
            _(
                "按本轮投后估值 %(post)s 元，最多可转股 %(most)s 元，其余部分作为对被投资企业的本金债权保留、退出时一并收回。"
            )
            % {"post": fmt(post), "most": fmt(most)}
            if most > 0
            else _("按本轮投后估值无法在政策限度内转股。")
        )
        msg = _("转股 %(v)s 元不符合本市政策：%(reasons)s%(hint)s") % {
            "v": fmt(converted),
            "reasons": "".join(stake.reasons),
            "hint": hint,
        }
        raise ServiceError(msg, code="stake_refused", errors={"amount": [hint], "share": list(stake.reasons)})
    INVESTMENT.check(inv, InvestmentState.CONVERTED)
    conv = Conversion.objects.create(
        investment=inv,
        round_name=round_name,
        post_money_valuation=post,
        round_date=day,
        evidence=evidence,
        converted_amount=converted,
        invested_amount=invested,
        share=share,
        recorded_by=actor,
    )
    CapTableEntry.objects.bulk_create(
        [
            CapTableEntry(investment=inv, conversion=conv, name=n, share=s, order=i)
            for i, (n, s) in enumerate(others, start=1)
        ]
    )
    cancelled = cancel_planned_stages(inv)
    before = {"state": inv.state, "share": inv.share}
    inv.state = InvestmentState.CONVERTED
    inv.share = share
    inv.post_money_valuation = post
    inv.pre_money_valuation = post - converted
    inv.save(update_fields=["state", "share", "post_money_valuation", "pre_money_valuation"])
    audit.record(
        "equity.investment.converted",
        actor=actor,
        role=role,
        target=inv,
        before=before,
        after={"state": inv.state, "share": share, "post_money_valuation": post},
        data={
            "conversion": conv.pk,
            "round": round_name,
            "round_date": day,
            "invested": invested,
            "converted": converted,
            "unconverted": invested - converted,
            "cap_table": [[n, s] for n, s in others],
            "cancelled_stages": cancelled,
            "evidence": evidence,
        },
    )
    return conv

"""What a bank recovers from the borrower after it was compensated (银行追偿回收): finance records it
with the bank's evidence, and the fund's share — recovered × compensation ÷ loss, ROUND_HALF_UP to the
fen, never more than what the fund paid less what already came back — goes back to the pool
(riskpaid → riskpool)."""

import datetime as dt

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from techfund.core.errors import ServiceError
from techfund.core.permissions import require
from techfund.core.services import audit, ledger
from techfund.funds.accounts import data_language
from techfund.riskpool import compute
from techfund.riskpool.enums import ClaimState
from techfund.riskpool.models import BankRecovery
from techfund.riskpool.scopes import visible_claims
from techfund.riskpool.services._common import (
    collect,
    fmt,
    parse_amount,
    parse_date,
    raise_errors,
    text,
    today_or,
)
from techfund.riskpool.services.claims import _lock_claim


def recovered_on_claim(claim) -> tuple:
    agg = BankRecovery.objects.filter(claim=claim).aggregate(a=Sum("amount"), r=Sum("returned"))
    return agg["a"] or ledger.ZERO, agg["r"] or ledger.ZERO


@transaction.atomic
def record_recovery(
    claim, *, actor, amount, recovered_on, evidence: str, today: dt.date | None = None
) -> BankRecovery:
    claim = _lock_claim(claim)
    role = require(actor, "riskpool.record_recovery", claim, visible=visible_claims(actor))
    if claim.state != ClaimState.PAID:
        raise ServiceError(
            _("代偿申请 %(n)s 尚未拨付补偿，不能登记银行追偿回收。") % {"n": claim.number},
            code="claim_not_paid",
        )
    day = today_or(today)
    errors: dict = {}
    value = collect(errors, parse_amount, amount, field="amount", label=_("银行追回金额"))
    on = collect(errors, parse_date, recovered_on, field="recovered_on", label=_("追回日期"))
    ev = text(
        evidence, field="evidence", label=_("银行证明材料"), max_length=300, required=True, errors=errors
    )
    if on is not None and (on > day or on < claim.default_date):
        errors.setdefault("recovered_on", []).append(
            _("追回日期须在违约日期（%(d)s）之后、今天之前。") % {"d": claim.default_date}
        )
    recovered, returned_before = recovered_on_claim(claim)
    if value is not None and recovered + value > claim.loss:
        errors.setdefault("amount", []).append(
            _("累计追回 %(sum)s 元超过本金损失 %(loss)s 元（此前已追回 %(before)s 元）。")
            % {"sum": fmt(recovered + value), "loss": fmt(claim.loss), "before": fmt(recovered)}
        )
    raise_errors(errors, "recovery_invalid", _("追偿回收登记有%(n)d处需要修改。") % {"n": len(errors)})
    share = compute.recovery_share(
        recovered=value, loss=claim.loss, compensation=claim.compensation, returned_before=returned_before
    )
    if share <= 0:
        raise ServiceError(
            _("按补偿比例计算，本次追回应退回资金池的金额为零（已退回 %(r)s 元，补偿 %(c)s 元）。")
            % {"r": fmt(returned_before), "c": fmt(claim.compensation)},
            code="nothing_to_return",
        )
    pool = claim.pool
    with data_language():
        memo = _("%(n)s 银行追偿回收 %(a)s 元，按补偿比例退回资金池 %(s)s 元") % {
            "n": claim.number,
            "a": fmt(value),
            "s": fmt(share),
        }
    entry = ledger.transfer(
        pool.paid_account,
        pool.account,
        share,
        code="riskpool.recovery.returned",
        memo=memo,
        year=pool.fund_year.year,
        actor=actor,
        ref=claim,
    )
    rec = BankRecovery.objects.create(
        claim=claim,
        amount=value,
        returned=share,
        recovered_on=on,
        evidence=ev,
        entry=entry,
        recorded_by=actor,
    )
    audit.record(
        "riskpool.recovery.recorded",
        actor=actor,
        role=role,
        target=rec,
        after={"amount": value, "returned": share, "recovered_on": on},
        data={
            "claim": claim.pk,
            "entry": entry.pk,
            "recovered_before": recovered,
            "returned_before": returned_before,
        },
        reason=ev,
    )
    return rec

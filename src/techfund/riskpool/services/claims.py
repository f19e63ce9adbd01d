"""Default claims (代偿申请), through the policy's ``claim_steps``:

1. ``bank_claim`` — office staff record the bank's claim (default date, principal loss, what other
   public funds compensate, evidence); the loan must be covered in the default month (see
   ``techfund.riskpool.filing``); the compensation is computed (``techfund.riskpool.compute``);
2. ``agency_review`` — a *different* office member reviews it: passes it on or refuses it;
3. ``department_approval`` — an officer of the pool's managing department approves (the compensation
   is computed again and fixed, and the pool must be able to pay it: its balance less what other
   approved claims await) or refuses it;
4. ``payment`` — finance instructs the treasury (purpose ``risk_claim``, payee the bank); when the
   treasury confirms, ``on_confirmed`` posts riskpool → riskpaid and marks the claim paid.

Nobody takes two steps of one claim. A refusal names its reason; a claim the pool cannot pay is
refused by the service with the numbers (nothing changes) until finance tops the pool up.
"""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from techfund.core.errors import ServiceError
from techfund.core.permissions import acting_role, require
from techfund.core.services import audit, ledger
from techfund.funds.accounts import data_language
from techfund.riskpool import compute, filing
from techfund.riskpool.enums import COUNTED_CLAIM_STATES, ClaimState, Decision, LoanState
from techfund.riskpool.models import TEXT_MAX, CoveredLoan, DefaultClaim, LoanFiling
from techfund.riskpool.scopes import visible_claims, visible_loans, visible_pools
from techfund.riskpool.services._common import (
    available,
    collect,
    fmt,
    lock_pool,
    parse_amount,
    parse_date,
    pool_rules,
    raise_errors,
    text,
    today_or,
)
from techfund.riskpool.transitions import CLAIM

PURPOSE = "risk_claim"


def steps(pool) -> list[str]:
    return list(pool_rules(pool).get("claim_steps") or [])


def enterprise_compensated(borrower, *, exclude=None) -> Decimal:
    qs = DefaultClaim.objects.filter(loan__borrower=borrower, state__in=COUNTED_CLAIM_STATES)
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.aggregate(s=Sum("compensation"))["s"] or ledger.ZERO


def assess(claim_or_loan, pool, *, loss, other_public, exclude=None) -> compute.Compensation:
    loan = claim_or_loan if isinstance(claim_or_loan, CoveredLoan) else claim_or_loan.loan
    return compute.compensation(
        pool_rules(pool),
        loss=loss,
        guarantee_type=loan.guarantee_type,
        first_loan=loan.first_loan,
        other_public=other_public,
        enterprise_compensated=enterprise_compensated(loan.borrower, exclude=exclude),
    )


def _pool_must_pay(pool, amount, *, exclude=None, number="") -> None:
    free, bal, com = available(pool, exclude=exclude)
    if amount > free:
        raise ServiceError(
            _(
                "%(pool)s风险补偿资金池不足以支付%(claim)s核定补偿 %(amount)s 元：余额 %(bal)s 元，其他已审批待拨付 %(com)s 元，可用 %(free)s 元。"
            )
            % {
                "pool": pool,
                "claim": number,
                "amount": fmt(amount),
                "bal": fmt(bal),
                "com": fmt(com),
                "free": fmt(free),
            },
            code="pool_insufficient",
        )


def _next_number(pool) -> str:
    n = DefaultClaim.objects.filter(pool=pool).count() + 1
    return f"DC-{pool.fund_year.year}-{pool.bank.code}-{n:03d}"


@transaction.atomic
def submit_claim(
    loan,
    *,
    actor,
    pool=None,
    default_date,
    loss,
    other_public="0",
    evidence: str,
    today: dt.date | None = None,
) -> DefaultClaim:
    """bank_claim: the office records the bank's claim on its behalf. ``pool`` is the bank's pool the
    claim is paid from (default: the bank's pool of the latest fund year)."""
    loan = (
        CoveredLoan.objects.select_for_update()
        .select_related("bank__organisation", "borrower", "pool")
        .get(pk=loan.pk)
    )
    role = require(actor, "riskpool.claim", loan, visible=visible_loans(actor))
    if pool is None:
        pool = loan.bank.pools.order_by("-fund_year__year").first()
    pool = lock_pool(pool)
    if not visible_pools(actor).filter(pk=pool.pk).exists():
        raise ServiceError(_("未找到资金池。"), code="pool_missing")
    day = today_or(today)
    errors: dict = {}
    if pool.bank_id != loan.bank_id:
        errors["pool"] = [_("资金池 %(pool)s 不属于该笔贷款的合作银行。") % {"pool": pool}]
    if loan.claims.exclude(state=ClaimState.REFUSED).exists():
        errors.setdefault("loan", []).append(_("该笔贷款已提出过代偿申请。"))
    elif loan.state != LoanState.ACTIVE:
        errors.setdefault("loan", []).append(
            _("该笔贷款状态为“%(s)s”，不能申请代偿。") % {"s": LoanState(loan.state).label}
        )
    d = collect(errors, parse_date, default_date, field="default_date", label=_("违约日期"))
    value = collect(errors, parse_amount, loss, field="loss", label=_("本金损失"))
    other = ledger.ZERO
    if other_public not in (None, "", 0, "0", "0.00"):
        other = (
            collect(errors, parse_amount, other_public, field="other_public", label=_("其他财政资金补偿"))
            or ledger.ZERO
        )
    ev = text(
        evidence, field="evidence", label=_("证明材料"), max_length=TEXT_MAX, required=True, errors=errors
    )
    filings = list(LoanFiling.objects.filter(loan=loan))
    if d is not None:
        if d > day:
            errors.setdefault("default_date", []).append(_("违约日期不能晚于今天。"))
        elif not (loan.start_date <= d <= loan.end_date):
            errors.setdefault("default_date", []).append(
                _("违约日期 %(d)s 不在贷款期限内（%(a)s 至 %(b)s）。")
                % {"d": d, "a": loan.start_date, "b": loan.end_date}
            )
        elif not filing.covered_in(filings, d):
            errors.setdefault("default_date", []).append(
                _("该笔贷款 %(m)s 未按时备案，该月发生的违约不予补偿。") % {"m": f"{d:%Y-%m}"}
            )
    if value is not None:
        if value > loan.principal:
            errors.setdefault("loss", []).append(
                _("本金损失 %(v)s 元超过贷款本金 %(p)s 元。") % {"v": fmt(value), "p": fmt(loan.principal)}
            )
        if d is not None:
            f = next((f for f in filings if f.month == filing.month_start(d)), None)
            if f is not None and value > f.outstanding:
                errors.setdefault("loss", []).append(
                    _("本金损失 %(v)s 元超过 %(m)s 备案的贷款余额 %(b)s 元。")
                    % {"v": fmt(value), "m": f"{f.month:%Y-%m}", "b": fmt(f.outstanding)}
                )
        if other > value:
            errors.setdefault("other_public", []).append(_("其他财政资金补偿不能超过本金损失。"))
    raise_errors(
        errors,
        "claim_refused",
        _("代偿申请有%(n)d处不符合条件或需要修改。") % {"n": sum(len(v) for v in errors.values())},
    )
    result = assess(loan, pool, loss=value, other_public=other)
    if result.amount <= 0:
        raise ServiceError(
            _(
                "按政策计算的补偿额为零（%(why)s：比例计算 %(c)s 元，合计上限余额 %(p)s 元，企业累计上限余额 %(e)s 元）。"
            )
            % {
                "why": compute.bound_label(result),
                "c": fmt(result.computed),
                "p": fmt(result.public_cap),
                "e": fmt(result.enterprise_left),
            },
            code="nothing_to_compensate",
        )
    claim = DefaultClaim.objects.create(
        number=_next_number(pool),
        loan=loan,
        pool=pool,
        default_date=d,
        loss=value,
        other_public=other,
        evidence=ev,
        share=result.share,
        computed=result.computed,
        compensation=result.amount,
        breakdown=result.as_dict(),
        claimed_by=actor,
        claimed_on=day,
    )
    loan.state = LoanState.DEFAULTED
    loan.save(update_fields=["state"])
    audit.record(
        "riskpool.claim.submitted",
        actor=actor,
        role=role,
        target=claim,
        after={"state": claim.state, "loss": value, "other_public": other, "compensation": result.amount},
        data={"loan": loan.pk, "pool": pool.pk, "breakdown": result.as_dict()},
        reason=ev,
    )
    return claim


def _lock_claim(claim) -> DefaultClaim:
    pool = lock_pool(DefaultClaim.objects.get(pk=claim.pk).pool)
    claim = (
        DefaultClaim.objects.select_for_update()
        .select_related("loan__borrower", "loan__bank__organisation")
        .get(pk=claim.pk)
    )
    claim.pool = pool
    return claim


def _refuse(claim, *, actor, role, reason, day, step):
    before = claim.state
    CLAIM.check(claim, ClaimState.REFUSED)
    claim.state = ClaimState.REFUSED
    claim.refused_reason = reason
    claim.save()
    loan = claim.loan
    loan.state = LoanState.ACTIVE
    loan.save(update_fields=["state"])
    audit.record(
        "riskpool.claim.refused",
        actor=actor,
        role=role,
        target=claim,
        before={"state": before},
        after={"state": claim.state},
        data={"step": step, "day": day},
        reason=reason,
    )
    return claim


def _check_decision(claim, actor, decision, opinion, *, label) -> tuple[str, dict]:
    if actor.pk in {claim.claimed_by_id, claim.reviewed_by_id, claim.approved_by_id}:
        raise ServiceError(
            _("代偿申请 %(n)s 的各环节须由不同人员办理：您已办理过该申请的前一环节。") % {"n": claim.number},
            code="same_person",
        )
    errors: dict = {}
    if decision not in Decision.values:
        errors["decision"] = [_("请选择同意或不同意。")]
    opinion = text(
        opinion,
        field="opinion",
        label=label,
        max_length=TEXT_MAX,
        required=decision == Decision.REFUSE,
        errors=errors,
    )
    raise_errors(errors, "decision_invalid", _("意见有%(n)d处需要修改。") % {"n": len(errors)})
    return opinion, errors


@transaction.atomic
def review_claim(
    claim, *, actor, decision: str, opinion: str = "", today: dt.date | None = None
) -> DefaultClaim:
    """agency_review: another office member passes the claim on (to the department, or straight to
    payment when the policy has no department approval) or refuses it with the reason."""
    claim = _lock_claim(claim)
    role = require(actor, "riskpool.review", claim, visible=visible_claims(actor))
    if "agency_review" not in steps(claim.pool):
        raise ServiceError(_("本市政策的补偿流程没有管理机构审核环节。"), code="step_not_in_policy")
    if claim.state != ClaimState.CLAIMED:
        raise ServiceError(
            _("代偿申请 %(n)s 当前状态为“%(s)s”，不在待审核环节。")
            % {"n": claim.number, "s": ClaimState(claim.state).label},
            code="claim_state",
        )
    opinion, _errors = _check_decision(claim, actor, decision, opinion, label=_("审核意见"))
    day = today_or(today)
    claim.reviewed_by, claim.reviewed_on, claim.review_opinion = actor, day, opinion
    if decision == Decision.REFUSE:
        return _refuse(claim, actor=actor, role=role, reason=opinion, day=day, step="agency_review")
    to = ClaimState.REVIEWED if "department_approval" in steps(claim.pool) else ClaimState.APPROVED
    if to == ClaimState.APPROVED:
        _fix_compensation(claim)
    CLAIM.check(claim, to)
    before = claim.state
    claim.state = to
    claim.save()
    audit.record(
        "riskpool.claim.reviewed",
        actor=actor,
        role=role,
        target=claim,
        before={"state": before},
        after={"state": to, "compensation": claim.compensation},
        data={"claimed_by": claim.claimed_by_id},
        reason=opinion,
    )
    return claim


def _fix_compensation(claim) -> None:
    """Compute the compensation again (other claims of the enterprise may have been approved since) and
    check that the pool can pay it."""
    result = assess(claim, claim.pool, loss=claim.loss, other_public=claim.other_public, exclude=claim)
    if result.amount <= 0:
        raise ServiceError(
            _("按政策计算的补偿额为零（%(why)s）。") % {"why": compute.bound_label(result)},
            code="nothing_to_compensate",
        )
    claim.share, claim.computed, claim.compensation = result.share, result.computed, result.amount
    claim.breakdown = result.as_dict()
    _pool_must_pay(claim.pool, result.amount, exclude=claim, number=claim.number)


@transaction.atomic
def approve_claim(
    claim, *, actor, decision: str, opinion: str = "", today: dt.date | None = None
) -> DefaultClaim:
    """department_approval: an officer of the pool's managing department approves (the compensation is
    fixed; the pool must be able to pay it) or refuses with the reason."""
    claim = _lock_claim(claim)
    role = require(actor, "riskpool.approve", claim, visible=visible_claims(actor))
    flow = steps(claim.pool)
    if "department_approval" not in flow:
        raise ServiceError(_("本市政策的补偿流程没有主管部门审批环节。"), code="step_not_in_policy")
    ready = ClaimState.REVIEWED if "agency_review" in flow else ClaimState.CLAIMED
    if claim.state != ready:
        raise ServiceError(
            _("代偿申请 %(n)s 当前状态为“%(s)s”，不在待审批环节。")
            % {"n": claim.number, "s": ClaimState(claim.state).label},
            code="claim_state",
        )
    opinion, _errors = _check_decision(claim, actor, decision, opinion, label=_("审批意见"))
    day = today_or(today)
    claim.approved_by, claim.approved_on, claim.approval_opinion = actor, day, opinion
    if decision == Decision.REFUSE:
        return _refuse(claim, actor=actor, role=role, reason=opinion, day=day, step="department_approval")
    _fix_compensation(claim)
    CLAIM.check(claim, ClaimState.APPROVED)
    before = claim.state
    claim.state = ClaimState.APPROVED
    claim.save()
    audit.record(
        "riskpool.claim.approved",
        actor=actor,
        role=role,
        target=claim,
        before={"state": before},
        after={"state": claim.state, "compensation": claim.compensation},
        data={
            "breakdown": claim.breakdown,
            "claimed_by": claim.claimed_by_id,
            "reviewed_by": claim.reviewed_by_id,
        },
        reason=opinion,
    )
    return claim


@transaction.atomic
def instruct_payment(claim, *, actor, memo: str = ""):
    """payment: finance instructs the treasury to pay the approved compensation to the bank (purpose
    ``risk_claim``). The money leaves the pool when the treasury confirms (``on_confirmed``)."""
    from techfund.treasury import services as treasury

    claim = _lock_claim(claim)
    role = require(actor, "riskpool.pay", claim, visible=visible_claims(actor))
    if claim.state != ClaimState.APPROVED:
        raise ServiceError(
            _("代偿申请 %(n)s 当前状态为“%(s)s”，不能下达支付指令。")
            % {"n": claim.number, "s": ClaimState(claim.state).label},
            code="claim_state",
        )
    if actor.pk in {claim.claimed_by_id, claim.reviewed_by_id, claim.approved_by_id}:
        raise ServiceError(
            _("代偿申请 %(n)s 的各环节须由不同人员办理：您已办理过该申请的前一环节。") % {"n": claim.number},
            code="same_person",
        )
    pending = treasury.pending_amount(claim)
    if pending > 0:
        raise ServiceError(
            _("代偿申请 %(n)s 已有待国库确认的支付指令 %(v)s 元，不能重复下达。")
            % {"n": claim.number, "v": fmt(pending)},
            code="already_instructed",
        )
    _pool_must_pay(claim.pool, claim.compensation, exclude=claim, number=claim.number)
    CLAIM.check(claim, ClaimState.INSTRUCTED)
    with data_language():
        text_memo = memo or _("风险补偿代偿 %(n)s（借款企业 %(b)s，合同 %(c)s）") % {
            "n": claim.number,
            "b": claim.loan.borrower.name,
            "c": claim.loan.contract_number,
        }
    instruction = treasury.instruct(
        actor=actor,
        purpose=PURPOSE,
        source=claim,
        payee=claim.loan.bank.organisation,
        amount=claim.compensation,
        fund_year=claim.pool.fund_year,
        memo=text_memo[:200],
    )
    claim.state = ClaimState.INSTRUCTED
    claim.instructed_by, claim.instructed_at = actor, timezone.now()
    claim.save()
    audit.record(
        "riskpool.claim.instructed",
        actor=actor,
        role=role,
        target=claim,
        before={"state": ClaimState.APPROVED},
        after={"state": claim.state, "amount": claim.compensation},
        data={"instruction": getattr(instruction, "pk", None)},
    )
    return instruction


def _claim_of(instruction) -> DefaultClaim:
    source = getattr(instruction, "source", None)
    if isinstance(source, DefaultClaim):
        return source
    return DefaultClaim.objects.get(pk=instruction.source_id)


def on_confirmed(instruction, *, actor, paid_on, treasury_ref):
    """The treasury confirmed the payment (runs in the import's transaction): riskpool → riskpaid, the
    claim paid. Returns the journal entry."""
    claim = _lock_claim(_claim_of(instruction))
    if claim.state != ClaimState.INSTRUCTED:
        raise ServiceError(
            _("代偿申请 %(n)s 当前状态为“%(s)s”，不能确认拨付。")
            % {"n": claim.number, "s": ClaimState(claim.state).label},
            code="claim_state",
        )
    amount = ledger.money(instruction.amount)
    if amount != claim.compensation:
        raise ServiceError(
            _("国库确认金额 %(a)s 元与代偿申请 %(n)s 核定补偿 %(c)s 元不一致。")
            % {"a": fmt(amount), "n": claim.number, "c": fmt(claim.compensation)},
            code="amount_mismatch",
        )
    CLAIM.check(claim, ClaimState.PAID)
    pool = claim.pool
    with data_language():
        memo = _("风险补偿代偿 %(n)s 拨付%(bank)s %(a)s 元（%(ref)s）") % {
            "n": claim.number,
            "bank": pool.bank.organisation.name,
            "a": fmt(amount),
            "ref": treasury_ref,
        }
    entry = ledger.transfer(
        pool.account,
        pool.paid_account,
        amount,
        code="riskpool.claim.paid",
        memo=memo,
        year=pool.fund_year.year,
        actor=actor,
        ref=claim,
    )
    claim.state = ClaimState.PAID
    paid_on = paid_on or timezone.localdate()
    claim.paid_on, claim.treasury_ref, claim.entry = paid_on, treasury_ref or "", entry
    claim.save()
    audit.record(
        "riskpool.claim.paid",
        actor=actor,
        role=acting_role(actor, "riskpool.pay") if actor is not None else "",
        target=claim,
        before={"state": ClaimState.INSTRUCTED},
        after={"state": claim.state, "paid_on": paid_on, "treasury_ref": treasury_ref},
        data={"entry": entry.pk, "amount": amount, "instruction": getattr(instruction, "pk", None)},
    )
    return entry


def on_returned(instruction, *, actor, reason=""):
    """The treasury returned the instruction: the claim is payable again (approved)."""
    claim = _lock_claim(_claim_of(instruction))
    if claim.state != ClaimState.INSTRUCTED:
        return None
    CLAIM.check(claim, ClaimState.APPROVED)
    claim.state = ClaimState.APPROVED
    claim.instructed_by, claim.instructed_at = None, None
    claim.save()
    audit.record(
        "riskpool.claim.returned",
        actor=actor,
        role=acting_role(actor, "riskpool.pay") if actor is not None else "",
        target=claim,
        before={"state": ClaimState.INSTRUCTED},
        after={"state": claim.state},
        data={"instruction": getattr(instruction, "pk", None)},
        reason=reason or "",
    )
    return None

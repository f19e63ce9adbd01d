"""Interest-subsidy claims (贴息申请): filed and submitted by the enterprise, verified by the managing
department, approved by finance and paid through the treasury (直通车).

Every step recomputes the amount from the records as they are then (``evaluate``), so a cap that
another claim used up in the meantime is applied: the claim stores its amount, its breakdown per
segment and the cap that bound it, and the audit trail keeps each step's figures.

Caps (``techfund.subsidies.compute``): the interest the evidence shows paid in the period
(``capped_by_interest_paid``), the per-enterprise cap less the organisation's other submitted,
not-rejected claims of every year, and the project's unpaid commitment less its other claims in
flight (submitted … instructed).

**Once per enterprise** (``once_per_enterprise``, e.g. 鲁科贷 “每家企业限享受一次”): an organisation is
subsidised on one claim. Once one of its claims is submitted and not rejected (submitted, verified,
approved, instructed or paid), no other claim of that organisation — on any loan, in any fund year —
may be submitted; the refusal names the earlier claim. Drafts do not count; a rejected claim frees
the organisation to claim again.

**Paid after interest** (``paid_after_interest``): every day subsidised must be covered by interest
evidence within the claim period; the refusal lists the days without evidence.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from techfund.core.errors import ServiceError
from techfund.core.models import Organisation
from techfund.core.permissions import acting_role, require
from techfund.core.services import audit, ledger
from techfund.funds.accounts import data_language
from techfund.projects import accounts
from techfund.projects.enums import ProjectState
from techfund.projects.scopes import visible_projects
from techfund.subsidies import compute
from techfund.subsidies.enums import IN_FLIGHT_STATES, LIVE_STATES, CapKind, ClaimState
from techfund.subsidies.models import Drawdown, InterestPayment, Loan, Repayment, SubsidyClaim
from techfund.subsidies.scopes import visible_claims, visible_loans
from techfund.subsidies.services._common import (
    collect,
    fmt,
    lock_project,
    parse_date,
    raise_errors,
    require_subsidy_project,
    text,
    today_or,
)
from techfund.subsidies.services.loans import ensure_no_claim_overlap
from techfund.subsidies.services.rates import rate_points
from techfund.subsidies.transitions import CLAIM

PURPOSE = "interest_subsidy"
OPINION_MAX = 2000


@dataclass(frozen=True)
class Evaluation:
    result: compute.Result
    policy: compute.Policy
    interest_paid: Decimal
    evidence: list  # the InterestPayment rows counted
    gaps: list  # (first, last) runs of subsidised days without interest evidence

    def breakdown(self) -> dict:
        out = self.result.breakdown()
        out["policy"] = self.policy.as_dict()
        out["interest_paid"] = str(self.interest_paid)
        out["evidence"] = [e.receipt_ref for e in self.evidence]
        out["uncovered"] = [[a.isoformat(), b.isoformat()] for a, b in self.gaps]
        return out


def loan_terms(loan) -> compute.LoanTerms:
    return compute.LoanTerms(
        principal=loan.principal,
        annual_rate=loan.annual_rate,
        start=loan.start_date,
        maturity=loan.maturity_date,
        drawdowns=tuple(
            compute.Flow(d.drawn_on, d.amount)
            for d in Drawdown.objects.filter(loan=loan).order_by("drawn_on")
        ),
        repayments=tuple(
            compute.Flow(r.repaid_on, r.amount)
            for r in Repayment.objects.filter(loan=loan).order_by("repaid_on")
        ),
    )


def enterprise_used(organisation, *, exclude=None) -> Decimal:
    qs = SubsidyClaim.objects.filter(organisation=organisation, state__in=LIVE_STATES)
    if exclude is not None and exclude.pk:
        qs = qs.exclude(pk=exclude.pk)
    return qs.aggregate(s=Sum("amount"))["s"] or ledger.ZERO


def commitment_left(project, *, exclude=None) -> Decimal:
    """The project's unpaid commitment less its other claims in flight (submitted … instructed)."""
    qs = SubsidyClaim.objects.filter(project=project, state__in=IN_FLIGHT_STATES)
    if exclude is not None and exclude.pk:
        qs = qs.exclude(pk=exclude.pk)
    flying = qs.aggregate(s=Sum("amount"))["s"] or ledger.ZERO
    return ledger.balance(accounts.commitment_account(project)) - flying


def evaluate(loan, start: dt.date, end: dt.date, *, claim=None) -> Evaluation:
    """The subsidy of ``loan`` for ``start``–``end`` from the records as they are now (no writes)."""
    project = loan.project
    policy = compute.Policy.of(project.fund_year.profile)
    evidence = list(
        InterestPayment.objects.filter(loan=loan, period_start__gte=start, period_end__lte=end).order_by(
            "period_start"
        )
    )
    paid = sum((e.amount for e in evidence), ledger.ZERO)
    result = compute.compute(
        policy,
        loan_terms(loan),
        rate_points(policy.reference_rate),
        start,
        end,
        interest_paid=paid,
        enterprise_used=enterprise_used(project.organisation, exclude=claim),
        commitment_left=commitment_left(project, exclude=claim),
    )
    gaps = compute.uncovered(result.segments, [(e.period_start, e.period_end) for e in evidence])
    return Evaluation(result, policy, paid, evidence, gaps)


def earlier_claim(organisation, *, exclude=None):
    qs = SubsidyClaim.objects.filter(organisation=organisation, state__in=LIVE_STATES)
    if exclude is not None and exclude.pk:
        qs = qs.exclude(pk=exclude.pk)
    return qs.select_related("loan").order_by("submitted_on", "id").first()


def _check_once(policy, organisation, *, claim=None) -> None:
    if not policy.once_per_enterprise:
        return
    other = earlier_claim(organisation, exclude=claim)
    if other is not None:
        raise ServiceError(
            _(
                "按本市政策，每家企业限享受一次贷款贴息：%(org)s 已有贴息申请 %(number)s（%(bank)s %(contract)s，"
                "%(a)s 至 %(b)s，%(amount)s 元，%(state)s），不能再申请。"
            )
            % {
                "org": organisation.name,
                "number": other.number,
                "bank": other.loan.bank,
                "contract": other.loan.contract_number,
                "a": other.period_start.isoformat(),
                "b": other.period_end.isoformat(),
                "amount": fmt(other.amount),
                "state": ClaimState(other.state).label,
            },
            code="once_per_enterprise",
        )


def _check_evidence(ev: Evaluation, *, claim_label: str) -> None:
    if ev.policy.paid_after_interest and ev.gaps:
        days = "；".join(f"{a.isoformat()} 至 {b.isoformat()}" for a, b in ev.gaps[:5])
        raise ServiceError(
            _("按本市政策，贴息在企业付息后拨付：%(claim)s 以下期间尚无付息凭证，请先登记：%(days)s。")
            % {"claim": claim_label, "days": days},
            code="interest_not_paid",
        )


def _check_positive(ev: Evaluation, *, claim_label: str) -> None:
    if ev.result.amount <= 0:
        reason = {
            "": _("期间内没有计息的贷款余额"),
            CapKind.INTEREST_PAID: _("期间内没有实付利息"),
            CapKind.ENTERPRISE: _("该企业的贴息额度已用完"),
            CapKind.COMMITMENT: _("项目安排的贴息资金已用完"),
        }[ev.result.bound_by]
        raise ServiceError(
            _("%(claim)s 可贴息金额为 0（%(reason)s），不能提交。")
            % {"claim": claim_label, "reason": reason},
            code="nothing_to_subsidise",
        )


def _store(claim, ev: Evaluation) -> dict:
    """Write the evaluation onto the claim (not saved); return the figures before, for the audit."""
    before = {"amount": claim.amount, "gross": claim.gross, "bound_by": claim.bound_by} if claim.pk else {}
    claim.gross = ev.result.gross
    claim.amount = ev.result.amount
    claim.interest_paid = ev.interest_paid
    claim.bound_by = ev.result.bound_by
    claim.breakdown = ev.breakdown()
    claim.computed_at = timezone.now()
    return before


def _figures(claim) -> dict:
    return {
        "amount": claim.amount,
        "gross": claim.gross,
        "bound_by": claim.bound_by,
        "interest_paid": claim.interest_paid,
    }


def _next_number(project) -> str:
    prefix = f"TX-{project.number}-"
    last = SubsidyClaim.objects.filter(number__startswith=prefix).aggregate(m=Max("number"))["m"]
    n = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{n:02d}"


def _lock_organisation(project) -> None:
    """The per-enterprise cap and once-per-enterprise span the organisation's projects: its row is
    locked (after the project's, always in that order) so two claims of one enterprise on different
    projects are checked one after the other."""
    Organisation.objects.select_for_update().filter(pk=project.organisation_id).first()


def _lock_loan(loan) -> Loan:
    project = lock_project(Loan.objects.get(pk=loan.pk).project)
    _lock_organisation(project)
    loan = Loan.objects.select_for_update().get(pk=loan.pk)
    loan.project = project
    return loan


def _lock_claim(claim) -> SubsidyClaim:
    row = SubsidyClaim.objects.get(pk=claim.pk)
    project = lock_project(row.project)
    _lock_organisation(project)
    claim = SubsidyClaim.objects.select_for_update().select_related("loan", "organisation").get(pk=claim.pk)
    claim.project = project
    claim.loan.project = project
    return claim


def preview(loan, *, period_start, period_end) -> Evaluation:
    """The amount a claim for this period would have now (the page shows it before filing)."""
    errors: dict = {}
    start = collect(errors, parse_date, period_start, field="period_start", label=_("贴息期间起"))
    end = collect(errors, parse_date, period_end, field="period_end", label=_("贴息期间止"))
    if start and end and end < start:
        errors.setdefault("period_end", []).append(_("贴息期间止不能早于起。"))
    raise_errors(errors, "claim_invalid", _("贴息申请有%(n)d处需要修改。") % {"n": len(errors)})
    return evaluate(loan, start, end)


@transaction.atomic
def file_claim(loan, *, actor, period_start, period_end, today: dt.date | None = None) -> SubsidyClaim:
    """The enterprise files a claim for a period (a draft, with its amount computed and shown)."""
    loan = _lock_loan(loan)
    project = loan.project
    role = require(actor, "subsidies.claim", loan, visible=visible_loans(actor))
    require_subsidy_project(project)
    day = today_or(today)
    errors: dict = {}
    start = collect(errors, parse_date, period_start, field="period_start", label=_("贴息期间起"))
    end = collect(errors, parse_date, period_end, field="period_end", label=_("贴息期间止"))
    if start and end:
        if end < start:
            errors.setdefault("period_end", []).append(_("贴息期间止不能早于起。"))
        elif end >= day:
            errors.setdefault("period_end", []).append(
                _("贴息期间须已结束（截止日早于今天 %(d)s）：贴息按已发生并已支付的利息申请。")
                % {"d": day.isoformat()}
            )
        elif end < loan.start_date or start >= loan.maturity_date:
            errors.setdefault("period_start", []).append(
                _("贴息期间与贷款期限（%(a)s 至 %(b)s）没有交集。")
                % {"a": loan.start_date.isoformat(), "b": loan.maturity_date.isoformat()}
            )
    raise_errors(errors, "claim_invalid", _("贴息申请有%(n)d处需要修改。") % {"n": len(errors)})
    ensure_no_claim_overlap(loan, start, end)
    ev = evaluate(loan, start, end)
    _check_once(ev.policy, project.organisation)
    claim = SubsidyClaim(
        number=_next_number(project),
        loan=loan,
        project=project,
        organisation=project.organisation,
        period_start=start,
        period_end=end,
        created_by=actor,
    )
    _store(claim, ev)
    claim.save()
    audit.record(
        "subsidies.claim.filed",
        actor=actor,
        role=role,
        target=claim,
        after={"state": claim.state, "period_start": start, "period_end": end, **_figures(claim)},
        data={"loan": loan.pk, "project": project.pk, "segments": len(ev.result.segments)},
    )
    return claim


def _label(claim) -> str:
    return _("贴息申请 %(number)s") % {"number": claim.number}


@transaction.atomic
def submit_claim(claim, *, actor, today: dt.date | None = None) -> SubsidyClaim:
    """The enterprise submits its draft: recomputed, with the once-per-enterprise rule and the
    interest evidence checked."""
    claim = _lock_claim(claim)
    role = require(actor, "subsidies.claim", claim, visible=visible_claims(actor))
    CLAIM.check(claim, ClaimState.SUBMITTED)
    require_subsidy_project(claim.project)
    ev = evaluate(claim.loan, claim.period_start, claim.period_end, claim=claim)
    _check_once(ev.policy, claim.organisation, claim=claim)
    _check_evidence(ev, claim_label=_label(claim))
    _check_positive(ev, claim_label=_label(claim))
    before = _store(claim, ev)
    claim.state = ClaimState.SUBMITTED
    claim.submitted_by, claim.submitted_on = actor, today_or(today)
    claim.save()
    audit.record(
        "subsidies.claim.submitted",
        actor=actor,
        role=role,
        target=claim,
        before={"state": ClaimState.DRAFT, **before},
        after={"state": claim.state, **_figures(claim)},
        data={"project": claim.project_id},
    )
    return claim


def _decision_errors(decision, opinion, *, required_on_reject=True) -> tuple[str, dict]:
    errors: dict = {}
    if decision not in ("concur", "reject"):
        errors["decision"] = [_("请选择审核意见（同意或不同意）。")]
    opinion = text(
        opinion,
        field="opinion",
        label=_("审核意见"),
        max_length=OPINION_MAX,
        required=decision == "reject" and required_on_reject,
        errors=errors,
    )
    return opinion, errors


def _reject(claim, *, actor, role, opinion, day, action) -> SubsidyClaim:
    CLAIM.check(claim, ClaimState.REJECTED)
    before = claim.state
    claim.state = ClaimState.REJECTED
    claim.rejected_by, claim.rejected_on, claim.opinion = actor, day, opinion
    claim.save()
    audit.record(
        action,
        actor=actor,
        role=role,
        target=claim,
        before={"state": before},
        after={"state": claim.state},
        data={"project": claim.project_id, "amount": claim.amount},
        reason=opinion,
    )
    return claim


def _not_same_person(claim, actor, *, step: str) -> None:
    people = {claim.submitted_by_id: _("提交"), claim.verified_by_id: _("审核")}
    if actor.pk in people:
        raise ServiceError(
            _("%(step)s须由%(who)s以外的人员进行：您已%(did)s该申请。")
            % {"step": step, "who": _("提交人和审核人"), "did": people[actor.pk]},
            code="same_person",
        )


@transaction.atomic
def verify_claim(
    claim, *, actor, decision: str, opinion: str = "", today: dt.date | None = None
) -> SubsidyClaim:
    """The managing department verifies a submitted claim (concur: recomputed and forwarded to
    finance) or returns it with its opinion."""
    claim = _lock_claim(claim)
    role = require(actor, "subsidies.verify", claim, visible=visible_claims(actor))
    if claim.state != ClaimState.SUBMITTED:
        CLAIM.check(claim, ClaimState.VERIFIED)
    _not_same_person(claim, actor, step=_("主管部门审核"))
    opinion, errors = _decision_errors(decision, opinion)
    raise_errors(errors, "decision_invalid", _("审核意见有%(n)d处需要修改。") % {"n": len(errors)})
    day = today_or(today)
    if decision == "reject":
        return _reject(
            claim, actor=actor, role=role, opinion=opinion, day=day, action="subsidies.claim.returned"
        )
    CLAIM.check(claim, ClaimState.VERIFIED)
    ev = evaluate(claim.loan, claim.period_start, claim.period_end, claim=claim)
    _check_evidence(ev, claim_label=_label(claim))
    _check_positive(ev, claim_label=_label(claim))
    before = _store(claim, ev)
    claim.state = ClaimState.VERIFIED
    claim.verified_by, claim.verified_on, claim.opinion = actor, day, opinion
    claim.save()
    audit.record(
        "subsidies.claim.verified",
        actor=actor,
        role=role,
        target=claim,
        before={"state": ClaimState.SUBMITTED, **before},
        after={"state": claim.state, **_figures(claim)},
        data={"project": claim.project_id},
        reason=opinion,
    )
    return claim


@transaction.atomic
def approve_claim(
    claim, *, actor, decision: str, opinion: str = "", today: dt.date | None = None
) -> SubsidyClaim:
    """Finance approves a verified claim (recomputed; the amount then fixed for payment) or returns it."""
    claim = _lock_claim(claim)
    role = require(actor, "subsidies.approve", claim, visible=visible_claims(actor))
    if claim.state != ClaimState.VERIFIED:
        CLAIM.check(claim, ClaimState.APPROVED)
    _not_same_person(claim, actor, step=_("财政部门审批"))
    opinion, errors = _decision_errors(decision, opinion)
    raise_errors(errors, "decision_invalid", _("审批意见有%(n)d处需要修改。") % {"n": len(errors)})
    day = today_or(today)
    if decision == "reject":
        return _reject(
            claim, actor=actor, role=role, opinion=opinion, day=day, action="subsidies.claim.refused"
        )
    CLAIM.check(claim, ClaimState.APPROVED)
    ev = evaluate(claim.loan, claim.period_start, claim.period_end, claim=claim)
    _check_evidence(ev, claim_label=_label(claim))
    _check_positive(ev, claim_label=_label(claim))
    before = _store(claim, ev)
    claim.state = ClaimState.APPROVED
    claim.approved_by, claim.approved_on = actor, day
    if opinion:
        claim.opinion = opinion
    claim.save()
    audit.record(
        "subsidies.claim.approved",
        actor=actor,
        role=role,
        target=claim,
        before={"state": ClaimState.VERIFIED, **before},
        after={"state": claim.state, **_figures(claim)},
        data={"project": claim.project_id},
        reason=opinion,
    )
    return claim


@transaction.atomic
def instruct_claim(claim, *, actor, today: dt.date | None = None):
    """Finance instructs the treasury to pay an approved claim to the enterprise (直通车). Never more
    than the project's unpaid commitment less its other claims in flight; never twice (the amount
    already instructed for the claim, ``pending_amount``, counts). Returns the instruction."""
    from techfund.treasury.services import confirmed_amount, instruct, pending_amount

    claim = _lock_claim(claim)
    project = claim.project
    role = require(actor, "subsidies.instruct", claim, visible=visible_claims(actor))
    before_state = claim.state
    withdrawn = (
        claim.state == ClaimState.INSTRUCTED and pending_amount(claim) == 0 and confirmed_amount(claim) == 0
    )
    if not withdrawn:  # an instruction withdrawn (cancelled) in the treasury may be made again
        CLAIM.check(claim, ClaimState.INSTRUCTED)
    if project.state != ProjectState.IN_PROGRESS:
        raise ServiceError(
            _("项目 %(number)s 当前状态为“%(state)s”，不能拨付贴息。")
            % {"number": project.number, "state": ProjectState(project.state).label},
            code="project_not_payable",
        )
    pending = pending_amount(claim)
    left = commitment_left(project, exclude=claim) - pending
    if pending > 0 or claim.amount > left:
        raise ServiceError(
            _(
                "项目 %(number)s 未拨付的安排资金扣除其他在途贴息申请后为 %(left)s 元（本申请已下达未确认 %(pending)s 元），"
                "不能下达 %(v)s 元的支付指令。"
            )
            % {"number": project.number, "left": fmt(left), "pending": fmt(pending), "v": fmt(claim.amount)},
            code="exceeds_commitment",
        )
    with data_language():
        memo = _("贷款贴息：%(number)s %(bank)s %(contract)s %(a)s至%(b)s") % {
            "number": claim.number,
            "bank": claim.loan.bank,
            "contract": claim.loan.contract_number,
            "a": claim.period_start.isoformat(),
            "b": claim.period_end.isoformat(),
        }
    instruction = instruct(
        actor=actor,
        purpose=PURPOSE,
        source=claim,
        payee=claim.organisation,
        amount=claim.amount,
        fund_year=project.fund_year,
        project=project,
        memo=memo[:200],
    )
    claim.state = ClaimState.INSTRUCTED
    claim.instructed_by, claim.instructed_on = actor, today_or(today)
    claim.save(update_fields=["state", "instructed_by", "instructed_on"])
    audit.record(
        "subsidies.claim.instructed",
        actor=actor,
        role=role,
        target=claim,
        before={"state": before_state},
        after={"state": claim.state, "amount": claim.amount},
        data={"project": project.pk, "instruction": instruction.pk},
    )
    return instruction


# ---------------------------------------------------------------- treasury purpose handlers


def _claim_of(instruction) -> SubsidyClaim:
    claim = SubsidyClaim.objects.get(pk=int(instruction.source_id))
    return _lock_claim(claim)


def on_confirmed(instruction, *, actor, paid_on, treasury_ref):
    """The treasury confirmed the payment: commitment → disbursed, and the claim is paid."""
    claim = _claim_of(instruction)
    project = claim.project
    CLAIM.check(claim, ClaimState.PAID)
    if instruction.amount != claim.amount:
        raise ServiceError(
            _("支付指令金额 %(i)s 元与贴息申请 %(number)s 的金额 %(c)s 元不一致。")
            % {"i": fmt(instruction.amount), "number": claim.number, "c": fmt(claim.amount)},
            code="amount_mismatch",
        )
    with data_language():
        memo = _("直通车拨付贷款贴息：%(number)s %(claim)s %(amount)s 元（%(ref)s）") % {
            "number": project.number,
            "claim": claim.number,
            "amount": fmt(claim.amount),
            "ref": treasury_ref,
        }
    entry = ledger.transfer(
        accounts.commitment_account(project),
        accounts.disbursed_account(project),
        claim.amount,
        code="subsidies.claim.paid",
        memo=memo,
        year=project.fund_year.year,
        actor=actor,
        ref=claim,
    )
    claim.state = ClaimState.PAID
    claim.paid_on, claim.treasury_ref, claim.entry = paid_on, treasury_ref, entry
    claim.save(update_fields=["state", "paid_on", "treasury_ref", "entry"])
    audit.record(
        "subsidies.claim.paid",
        actor=actor,
        role=acting_role(actor, "subsidies.instruct"),
        target=claim,
        before={"state": ClaimState.INSTRUCTED},
        after={
            "state": claim.state,
            "amount": claim.amount,
            "paid_on": paid_on,
            "treasury_ref": treasury_ref,
        },
        data={"project": project.pk, "entry": entry.pk, "instruction": instruction.pk},
    )
    return entry


def on_returned(instruction, *, actor, reason):
    """The treasury returned the payment (or it was withdrawn): the claim is approved again, payable."""
    claim = _claim_of(instruction)
    if claim.state != ClaimState.INSTRUCTED:
        return None
    CLAIM.check(claim, ClaimState.APPROVED)
    claim.state = ClaimState.APPROVED
    claim.instructed_by, claim.instructed_on = None, None
    claim.save(update_fields=["state", "instructed_by", "instructed_on"])
    audit.record(
        "subsidies.claim.payment_returned",
        actor=actor,
        role=acting_role(actor, "subsidies.instruct"),
        target=claim,
        before={"state": ClaimState.INSTRUCTED},
        after={"state": claim.state},
        data={"project": claim.project_id, "instruction": instruction.pk},
        reason=reason or "",
    )
    return None


def projects_open_for(user):
    """The interest-subsidy projects on which ``user`` may register loans (for the pages)."""
    return (
        visible_projects(user)
        .filter(support_mode="interest_subsidy", state__in=[ProjectState.ARRANGED, ProjectState.IN_PROGRESS])
        .select_related("organisation", "fund_year")
    )

"""The enterprise's loans and their records: drawdowns and repayments of principal (so the
outstanding principal of every day is known) and the interest it paid (付息凭证).

Each is registered by the enterprise (an applicant of the project's organisation) on its
interest-subsidy project, and checked against the loan: drawdowns never exceed the principal and
fall within the term; a repayment never makes the outstanding principal negative on any day;
interest periods lie within the term and never overlap (so no interest is counted twice).
"""

import datetime as dt

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from techfund.core.errors import ServiceError
from techfund.core.permissions import require
from techfund.core.services import audit, ledger
from techfund.projects.enums import ProjectState
from techfund.projects.scopes import visible_projects
from techfund.subsidies.models import Drawdown, InterestPayment, Loan, Repayment
from techfund.subsidies.scopes import visible_loans
from techfund.subsidies.services._common import (
    collect,
    evidence_digest,
    fmt,
    lock_project,
    parse_amount,
    parse_date,
    parse_rate,
    raise_errors,
    require_subsidy_project,
    text,
    today_or,
)

#: Loans may be registered once the project is arranged (the agreement may still be being signed).
REGISTER_STATES = (ProjectState.ARRANGED, ProjectState.IN_PROGRESS)
MAX_EVIDENCE_BYTES = 20 * 1024 * 1024


def _lock_loan(loan) -> Loan:
    project = lock_project(Loan.objects.get(pk=loan.pk).project)
    loan = Loan.objects.select_for_update().get(pk=loan.pk)
    loan.project = project
    return loan


def drawn(loan, *, until: dt.date | None = None):
    qs = Drawdown.objects.filter(loan=loan)
    if until is not None:
        qs = qs.filter(drawn_on__lte=until)
    return qs.aggregate(s=Sum("amount"))["s"] or ledger.ZERO


def repaid(loan, *, until: dt.date | None = None):
    qs = Repayment.objects.filter(loan=loan)
    if until is not None:
        qs = qs.filter(repaid_on__lte=until)
    return qs.aggregate(s=Sum("amount"))["s"] or ledger.ZERO


@transaction.atomic
def register_loan(
    project,
    *,
    actor,
    bank: str,
    contract_number: str,
    principal,
    annual_rate,
    start_date,
    maturity_date,
    purpose: str,
) -> Loan:
    """The enterprise registers a loan on its interest-subsidy project."""
    project = lock_project(project)
    role = require(actor, "subsidies.register", project, visible=visible_projects(actor))
    require_subsidy_project(project, states=REGISTER_STATES)
    errors: dict = {}
    bank = text(bank, field="bank", label=_("贷款银行"), max_length=100, required=True, errors=errors)
    number = text(
        contract_number,
        field="contract_number",
        label=_("借款合同编号"),
        max_length=60,
        required=True,
        errors=errors,
    )
    value = collect(errors, parse_amount, principal, field="principal", label=_("贷款本金"))
    rate = collect(errors, parse_rate, annual_rate, field="annual_rate", label=_("合同年利率"))
    start = collect(errors, parse_date, start_date, field="start_date", label=_("贷款起始日"))
    maturity = collect(errors, parse_date, maturity_date, field="maturity_date", label=_("贷款到期日"))
    purpose = text(
        purpose, field="purpose", label=_("贷款用途"), max_length=300, required=True, errors=errors
    )
    if start and maturity and maturity <= start:
        errors.setdefault("maturity_date", []).append(_("贷款到期日须晚于起始日。"))
    if bank and number and Loan.objects.filter(bank=bank, contract_number=number).exists():
        errors.setdefault("contract_number", []).append(
            _("%(bank)s 的借款合同“%(number)s”已登记过，不能重复登记。") % {"bank": bank, "number": number}
        )
    raise_errors(errors, "loan_invalid", _("贷款登记有%(n)d处需要修改。") % {"n": len(errors)})
    loan = Loan.objects.create(
        project=project,
        bank=bank,
        contract_number=number,
        principal=value,
        annual_rate=rate,
        start_date=start,
        maturity_date=maturity,
        purpose=purpose,
        registered_by=actor,
    )
    audit.record(
        "subsidies.loan.registered",
        actor=actor,
        role=role,
        target=loan,
        after={
            "bank": bank,
            "contract_number": number,
            "principal": value,
            "annual_rate": rate,
            "start_date": start,
            "maturity_date": maturity,
        },
        data={"project": project.pk, "organisation": project.organisation_id},
    )
    return loan


def _loan_open(loan, *, today: dt.date) -> None:
    require_subsidy_project(loan.project, states=REGISTER_STATES)


@transaction.atomic
def record_drawdown(loan, *, actor, drawn_on, amount, today: dt.date | None = None) -> Drawdown:
    """A drawdown (放款) of the loan: on a day within its term, never beyond the principal in total."""
    loan = _lock_loan(loan)
    role = require(actor, "subsidies.register", loan, visible=visible_loans(actor))
    day_today = today_or(today)
    _loan_open(loan, today=day_today)
    errors: dict = {}
    day = collect(errors, parse_date, drawn_on, field="drawn_on", label=_("放款日期"))
    value = collect(errors, parse_amount, amount, field="amount", label=_("放款金额"))
    if day is not None:
        if day > day_today:
            errors.setdefault("drawn_on", []).append(_("放款日期不能晚于今天。"))
        elif not loan.start_date <= day < loan.maturity_date:
            errors.setdefault("drawn_on", []).append(
                _("放款日期须在贷款期限内（%(a)s 至 %(b)s 前）。")
                % {"a": loan.start_date.isoformat(), "b": loan.maturity_date.isoformat()}
            )
    if value is not None:
        before = drawn(loan)
        if before + value > loan.principal:
            errors.setdefault("amount", []).append(
                _(
                    "累计放款 %(total)s 元将超过贷款本金 %(principal)s 元（已放款 %(before)s 元，本次 %(v)s 元）。"
                )
                % {
                    "total": fmt(before + value),
                    "principal": fmt(loan.principal),
                    "before": fmt(before),
                    "v": fmt(value),
                }
            )
    raise_errors(errors, "drawdown_invalid", _("放款登记有%(n)d处需要修改。") % {"n": len(errors)})
    row = Drawdown.objects.create(loan=loan, drawn_on=day, amount=value, recorded_by=actor)
    audit.record(
        "subsidies.drawdown.recorded",
        actor=actor,
        role=role,
        target=loan,
        after={"drawn_on": day, "amount": value},
        data={"drawdown": row.pk, "project": loan.project_id},
    )
    return row


@transaction.atomic
def record_repayment(loan, *, actor, repaid_on, amount, today: dt.date | None = None) -> Repayment:
    """A repayment of principal (还本): never more than is outstanding, on its day or any later one."""
    loan = _lock_loan(loan)
    role = require(actor, "subsidies.register", loan, visible=visible_loans(actor))
    day_today = today_or(today)
    _loan_open(loan, today=day_today)
    errors: dict = {}
    day = collect(errors, parse_date, repaid_on, field="repaid_on", label=_("还本日期"))
    value = collect(errors, parse_amount, amount, field="amount", label=_("归还本金"))
    if day is not None:
        if day > day_today:
            errors.setdefault("repaid_on", []).append(_("还本日期不能晚于今天。"))
        elif not loan.start_date < day <= loan.maturity_date:
            errors.setdefault("repaid_on", []).append(
                _("还本日期须在贷款期限内（%(a)s 后至 %(b)s）。")
                % {"a": loan.start_date.isoformat(), "b": loan.maturity_date.isoformat()}
            )
    if day is not None and value is not None and not errors:
        later = sorted(
            {day, *Repayment.objects.filter(loan=loan, repaid_on__gt=day).values_list("repaid_on", flat=True)}
        )
        for d in later:
            left = drawn(loan, until=d) - repaid(loan, until=d) - value
            if left < 0:
                errors.setdefault("amount", []).append(
                    _(
                        "%(d)s 贷款余额将为负数：截至当日放款 %(drawn)s 元，已还本 %(repaid)s 元，本次还本 %(v)s 元。"
                    )
                    % {
                        "d": d.isoformat(),
                        "drawn": fmt(drawn(loan, until=d)),
                        "repaid": fmt(repaid(loan, until=d)),
                        "v": fmt(value),
                    }
                )
                break
    raise_errors(errors, "repayment_invalid", _("还本登记有%(n)d处需要修改。") % {"n": len(errors)})
    row = Repayment.objects.create(loan=loan, repaid_on=day, amount=value, recorded_by=actor)
    audit.record(
        "subsidies.repayment.recorded",
        actor=actor,
        role=role,
        target=loan,
        after={"repaid_on": day, "amount": value},
        data={"repayment": row.pk, "project": loan.project_id},
    )
    return row


@transaction.atomic
def record_interest(
    loan,
    *,
    actor,
    period_start,
    period_end,
    amount,
    paid_on,
    receipt_ref: str,
    evidence=None,
    today: dt.date | None = None,
) -> InterestPayment:
    """Evidence of interest paid for a period (付息凭证): the bank's receipt number, and optionally the
    scanned receipt (``evidence``: an uploaded file). Periods of one loan never overlap."""
    loan = _lock_loan(loan)
    role = require(actor, "subsidies.register", loan, visible=visible_loans(actor))
    day_today = today_or(today)
    _loan_open(loan, today=day_today)
    errors: dict = {}
    start = collect(errors, parse_date, period_start, field="period_start", label=_("计息起始日"))
    end = collect(errors, parse_date, period_end, field="period_end", label=_("计息截止日"))
    paid = collect(errors, parse_date, paid_on, field="paid_on", label=_("付息日期"))
    value = collect(errors, parse_amount, amount, field="amount", label=_("实付利息"))
    ref = text(
        receipt_ref,
        field="receipt_ref",
        label=_("银行付息凭证号"),
        max_length=60,
        required=True,
        errors=errors,
    )
    if start and end:
        if end < start:
            errors.setdefault("period_end", []).append(_("计息截止日不能早于起始日。"))
        elif start < loan.start_date or end > loan.maturity_date:
            errors.setdefault("period_start", []).append(
                _("计息期间须在贷款期限内（%(a)s 至 %(b)s）。")
                % {"a": loan.start_date.isoformat(), "b": loan.maturity_date.isoformat()}
            )
        else:
            clash = (
                InterestPayment.objects.filter(loan=loan, period_start__lte=end, period_end__gte=start)
                .order_by("period_start")
                .first()
            )
            if clash is not None:
                errors.setdefault("period_start", []).append(
                    _(
                        "计息期间与已登记的付息凭证 %(ref)s（%(a)s 至 %(b)s）重叠，同一期间的利息不能重复登记。"
                    )
                    % {
                        "ref": clash.receipt_ref,
                        "a": clash.period_start.isoformat(),
                        "b": clash.period_end.isoformat(),
                    }
                )
    if paid:
        if paid > day_today:
            errors.setdefault("paid_on", []).append(_("付息日期不能晚于今天。"))
        elif start and paid < start:
            errors.setdefault("paid_on", []).append(_("付息日期不能早于计息起始日。"))
    if ref and InterestPayment.objects.filter(loan=loan, receipt_ref=ref).exists():
        errors.setdefault("receipt_ref", []).append(
            _("付息凭证号“%(ref)s”已登记过，不能重复使用。") % {"ref": ref}
        )
    content = b""
    if evidence is not None:
        content = evidence.read()
        if not content:
            errors.setdefault("evidence", []).append(_("凭证文件为空。"))
        elif len(content) > MAX_EVIDENCE_BYTES:
            errors.setdefault("evidence", []).append(_("凭证文件不能超过20MB。"))
    raise_errors(errors, "interest_invalid", _("付息登记有%(n)d处需要修改。") % {"n": len(errors)})
    row = InterestPayment(
        loan=loan,
        period_start=start,
        period_end=end,
        amount=value,
        paid_on=paid,
        receipt_ref=ref,
        recorded_by=actor,
    )
    if content:
        from django.core.files.base import ContentFile

        row.evidence_sha256 = evidence_digest(content)
        row.evidence_name = (getattr(evidence, "name", "") or "evidence")[:200]
        row.evidence.save(row.evidence_name, ContentFile(content), save=False)
    row.save()
    audit.record(
        "subsidies.interest.recorded",
        actor=actor,
        role=role,
        target=loan,
        after={
            "period_start": start,
            "period_end": end,
            "amount": value,
            "paid_on": paid,
            "receipt_ref": ref,
            "evidence_sha256": row.evidence_sha256,
        },
        data={"interest_payment": row.pk, "project": loan.project_id},
    )
    return row


def ensure_no_claim_overlap(loan, start, end, *, exclude=None) -> None:
    """Refuse a period overlapping another live or draft claim of the loan (named)."""
    from techfund.subsidies.enums import ClaimState
    from techfund.subsidies.models import SubsidyClaim

    qs = SubsidyClaim.objects.filter(loan=loan, period_start__lte=end, period_end__gte=start).exclude(
        state=ClaimState.REJECTED
    )
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    other = qs.order_by("period_start").first()
    if other is not None:
        msg = _(
            "贴息期间与该笔贷款的贴息申请 %(number)s（%(a)s 至 %(b)s，%(state)s）重叠，同一期间不能重复申请。"
        ) % {
            "number": other.number,
            "a": other.period_start.isoformat(),
            "b": other.period_end.isoformat(),
            "state": ClaimState(other.state).label,
        }
        raise ServiceError(msg, code="claim_overlap", errors={"period_start": [msg]})

"""The loan register: the office registers a partner bank's loan (checked against the policy of the
pool's fund year, refused with every reason listed) and records the bank's monthly filings.

Eligibility at registration (``risk_compensation`` table):

- the borrower holds every qualification in ``borrower_qualifications`` (registered 科技型中小企业:
  ``Organisation.qualifications`` contains ``tech_sme``) and is not on the 失信 list;
- rate ≤ ``max_rate_factor`` × the benchmark rate at grant: the one the bank files with its basis, or,
  when it files none, the LPR in force on the drawdown date from the office's reference-rate table
  (``subsidies.ReferenceRate``: one-year LPR for terms up to five years, five-year beyond);
- term ≤ ``max_term_years`` years;
- the enterprise's covered balance across every partner bank — each active loan's latest filed
  outstanding balance (its principal before the first filing) — plus this principal ≤
  ``per_enterprise_cap``;
- the loan starts within the bank's cooperation agreement, and its contract number is new at the bank.
"""

import calendar
import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from techfund.core.enums import CreditStatus
from techfund.core.errors import ServiceError
from techfund.core.models import Organisation
from techfund.core.permissions import require
from techfund.core.services import audit, ledger
from techfund.funds.accounts import data_language
from techfund.riskpool import filing
from techfund.riskpool.enums import ClaimState, GuaranteeType, LoanState
from techfund.riskpool.models import CoveredLoan, LoanFiling
from techfund.riskpool.scopes import visible_loans, visible_pools
from techfund.riskpool.services._common import (
    collect,
    fmt,
    parse_amount,
    parse_date,
    parse_rate,
    pool_rules,
    raise_errors,
    text,
    today_or,
)


def add_months(day: dt.date, n: int) -> dt.date:
    m = day.month - 1 + n
    y, m = day.year + m // 12, m % 12 + 1
    return dt.date(y, m, min(day.day, calendar.monthrange(y, m)[1]))


def covered_balance(borrower, *, exclude=None) -> Decimal:
    """The enterprise's covered balance across every partner bank: each active loan's latest filed
    outstanding balance, or its principal before the first filing."""
    total = ledger.ZERO
    loans = CoveredLoan.objects.filter(borrower=borrower, state=LoanState.ACTIVE)
    if exclude is not None:
        loans = loans.exclude(pk=exclude.pk)
    for loan in loans.prefetch_related("filings"):
        filings = sorted(loan.filings.all(), key=lambda f: f.month)
        total += filings[-1].outstanding if filings else loan.principal
    return total


def eligibility_problems(
    rules: dict, *, bank, borrower, principal, rate, benchmark_rate, start_date, term_months
) -> dict[str, list[str]]:
    """Every reason the loan may not be covered, by field (empty when it may)."""
    from techfund.core.enums import Qualification

    errors: dict[str, list[str]] = {}
    held = set(borrower.qualifications or [])
    for q in rules.get("borrower_qualifications") or []:
        if q not in held:
            errors.setdefault("borrower", []).append(
                _("借款企业 %(name)s 不是已登记的%(q)s，不能纳入风险补偿。")
                % {"name": borrower.name, "q": Qualification(q).label}
            )
    if borrower.credit_status == CreditStatus.BLOCKED:
        errors.setdefault("borrower", []).append(
            _("借款企业 %(name)s 处于失信惩戒期，不能纳入风险补偿。") % {"name": borrower.name}
        )
    if rate is not None and benchmark_rate is not None:
        factor = Decimal(str(rules["max_rate_factor"]))
        cap = benchmark_rate * factor
        if rate > cap:
            errors.setdefault("rate", []).append(
                _("贷款年利率 %(rate)s%% 超过基准利率 %(bench)s%% 的 %(factor)s 倍（%(cap)s%%）。")
                % {
                    "rate": f"{rate.normalize():f}",
                    "bench": f"{benchmark_rate.normalize():f}",
                    "factor": f"{factor.normalize():f}",
                    "cap": f"{cap.normalize():f}",
                }
            )
    if term_months is not None:
        years = int(rules["max_term_years"])
        if term_months > years * 12:
            errors.setdefault("term_months", []).append(
                _("贷款期限 %(m)s 个月超过政策上限 %(y)s 年（%(max)s 个月）。")
                % {"m": term_months, "y": years, "max": years * 12}
            )
    if principal is not None:
        cap = Decimal(str(rules["per_enterprise_cap"]))
        current = covered_balance(borrower)
        if current + principal > cap:
            errors.setdefault("principal", []).append(
                _(
                    "借款企业已纳入补偿的贷款余额 %(cur)s 元，加上本笔 %(p)s 元为 %(sum)s 元，超过每家企业上限 %(cap)s 元。"
                )
                % {"cur": fmt(current), "p": fmt(principal), "sum": fmt(current + principal), "cap": fmt(cap)}
            )
    if start_date is not None and not (bank.agreement_start <= start_date <= bank.agreement_end):
        errors.setdefault("start_date", []).append(
            _("放款日期 %(d)s 不在 %(bank)s 合作协议期内（%(a)s 至 %(b)s）。")
            % {"d": start_date, "bank": bank, "a": bank.agreement_start, "b": bank.agreement_end}
        )
    return errors


def _term(value, errors: dict) -> int | None:
    try:
        term = int(value)
        if term <= 0 or term > 600:
            raise ValueError
    except (TypeError, ValueError):
        errors.setdefault("term_months", []).append(_("请填写贷款期限（月数，正整数）。"))
        return None
    return term


def reference_lpr(start: dt.date, term_months: int, errors: dict) -> tuple[Decimal | None, str]:
    """The LPR in force on ``start`` from the reference-rate table the office keeps
    (``subsidies.ReferenceRate``): one-year for terms up to five years, five-year beyond. Used when the
    bank files no benchmark of its own."""
    from techfund.subsidies.enums import RateKind, Tenor
    from techfund.subsidies.models import ReferenceRate

    tenor = Tenor.ONE_YEAR if term_months <= 60 else Tenor.FIVE_YEAR
    row = (
        ReferenceRate.objects.filter(kind=RateKind.LPR, tenor=tenor, effective_from__lte=start)
        .order_by("-effective_from")
        .first()
    )
    if row is None:
        errors.setdefault("benchmark_rate", []).append(
            _("参考利率表中没有 %(d)s 适用的%(tenor)sLPR：请填写银行提供的基准利率及依据。")
            % {"d": start.isoformat(), "tenor": Tenor(tenor).label}
        )
        return None, ""
    with data_language():
        basis = _("%(tenor)s贷款市场报价利率（LPR）%(rate)s%%，%(d)s起执行（参考利率表）") % {
            "tenor": Tenor(tenor).label,
            "rate": f"{row.rate.normalize():f}",
            "d": row.effective_from.isoformat(),
        }
    return row.rate, basis[:200]


@transaction.atomic
def register_loan(
    pool,
    *,
    actor,
    borrower,
    contract_number: str,
    principal,
    rate,
    benchmark_rate=None,
    benchmark_basis: str = "",
    start_date,
    term_months,
    guarantee_type: str,
    first_loan: bool = False,
    evidence: str,
    today: dt.date | None = None,
) -> CoveredLoan:
    """The office registers a loan the bank filed under its pool; refused with every reason listed."""
    role = require(actor, "riskpool.register_loan", pool, visible=visible_pools(actor))
    # Covered balances per enterprise are checked under the borrower's lock (two registrations of one
    # enterprise run one after the other).
    borrower = Organisation.objects.select_for_update().get(pk=borrower.pk)
    bank = pool.bank
    rules = pool_rules(pool)
    day = today_or(today)
    errors: dict = {}
    number = text(
        contract_number,
        field="contract_number",
        label=_("借款合同编号"),
        max_length=60,
        required=True,
        errors=errors,
    )
    if number and CoveredLoan.objects.filter(bank=bank, contract_number=number).exists():
        errors.setdefault("contract_number", []).append(
            _("%(bank)s 的借款合同 %(n)s 已登记。") % {"bank": bank, "n": number}
        )
    value = collect(errors, parse_amount, principal, field="principal", label=_("贷款本金"))
    r = parse_rate(rate, field="rate", label=_("贷款年利率"), errors=errors)
    start = collect(errors, parse_date, start_date, field="start_date", label=_("放款日期"))
    term = _term(term_months, errors)
    b, basis = None, ""
    if benchmark_rate in (None, "") and start is not None and term is not None:
        b, basis = reference_lpr(start, term, errors)
    elif benchmark_rate not in (None, ""):
        b = parse_rate(benchmark_rate, field="benchmark_rate", label=_("基准利率"), errors=errors)
        basis = text(
            benchmark_basis,
            field="benchmark_basis",
            label=_("基准利率依据"),
            max_length=200,
            required=True,
            errors=errors,
        )
    if start is not None and start > day:
        errors.setdefault("start_date", []).append(_("放款日期不能晚于今天。"))
    if guarantee_type not in GuaranteeType.values:
        errors["guarantee_type"] = [_("请选择担保方式。")]
    ev = text(evidence, field="evidence", label=_("证明材料"), max_length=300, required=True, errors=errors)
    for field, msgs in eligibility_problems(
        rules,
        bank=bank,
        borrower=borrower,
        principal=value,
        rate=r,
        benchmark_rate=b,
        start_date=start,
        term_months=term,
    ).items():
        errors.setdefault(field, []).extend(msgs)
    raise_errors(
        errors,
        "loan_ineligible",
        _("该笔贷款有%(n)d处不符合风险补偿条件或需要修改。") % {"n": sum(len(v) for v in errors.values())},
    )
    loan = CoveredLoan.objects.create(
        bank=bank,
        pool=pool,
        borrower=borrower,
        contract_number=number,
        principal=value,
        rate=r,
        benchmark_rate=b,
        benchmark_basis=basis,
        start_date=start,
        term_months=term,
        end_date=add_months(start, term),
        guarantee_type=guarantee_type,
        first_loan=bool(first_loan),
        evidence=ev,
        registered_by=actor,
        registered_on=day,
    )
    audit.record(
        "riskpool.loan.registered",
        actor=actor,
        role=role,
        target=loan,
        after={
            "principal": value,
            "rate": r,
            "benchmark_rate": b,
            "start": start,
            "term_months": term,
            "guarantee_type": guarantee_type,
            "first_loan": bool(first_loan),
        },
        data={"bank": bank.code, "borrower": borrower.uscc, "pool": pool.pk},
    )
    return loan


@transaction.atomic
def file_month(loan, *, actor, month, outstanding, filed_on=None, today: dt.date | None = None) -> LoanFiling:
    """The office records the bank's filing of a loan for ``month`` (any day of it): its outstanding
    balance at the month's end. A filing after the due date is recorded as late (it does not count)."""
    loan = CoveredLoan.objects.select_for_update().select_related("pool__fund_year__profile").get(pk=loan.pk)
    role = require(actor, "riskpool.file", loan, visible=visible_loans(actor))
    rules = pool_rules(loan.pool)
    day = today_or(today)
    errors: dict = {}
    m = collect(errors, parse_date, month, field="month", label=_("备案月份"))
    filed = collect(errors, parse_date, filed_on or day, field="filed_on", label=_("备案日期"))
    bal = None
    if outstanding in (0, "0", "0.00") or (isinstance(outstanding, Decimal) and outstanding == 0):
        bal = ledger.ZERO
    else:
        bal = collect(errors, parse_amount, outstanding, field="outstanding", label=_("月末贷款余额"))
    if m is not None:
        m = filing.month_start(m)
        if m < filing.month_start(loan.start_date) or m > filing.month_start(loan.end_date):
            errors.setdefault("month", []).append(
                _("备案月份 %(m)s 不在贷款期限内（%(a)s 至 %(b)s）。")
                % {"m": f"{m:%Y-%m}", "a": loan.start_date, "b": loan.end_date}
            )
        elif LoanFiling.objects.filter(loan=loan, month=m).exists():
            errors.setdefault("month", []).append(_("%(m)s 已备案。") % {"m": f"{m:%Y-%m}"})
        if filed is not None and filed < filing.next_month(m):
            errors.setdefault("filed_on", []).append(
                _("%(m)s 的备案须在该月结束后报送。") % {"m": f"{m:%Y-%m}"}
            )
    if filed is not None and filed > day:
        errors.setdefault("filed_on", []).append(_("备案日期不能晚于今天。"))
    if bal is not None and bal > loan.principal:
        errors.setdefault("outstanding", []).append(
            _("月末贷款余额 %(b)s 元超过贷款本金 %(p)s 元。") % {"b": fmt(bal), "p": fmt(loan.principal)}
        )
    raise_errors(errors, "filing_invalid", _("备案有%(n)d处需要修改。") % {"n": len(errors)})
    f = LoanFiling.objects.create(
        loan=loan, month=m, outstanding=bal, filed_on=filed, due_on=filing.due_on(m, rules), recorded_by=actor
    )
    audit.record(
        "riskpool.loan.filed",
        actor=actor,
        role=role,
        target=loan,
        after={"month": f"{m:%Y-%m}", "outstanding": bal, "filed_on": filed, "on_time": f.on_time},
        data={"filing": f.pk, "due_on": f.due_on},
    )
    if bal == 0 and loan.state == LoanState.ACTIVE:
        loan.state = LoanState.REPAID
        loan.save(update_fields=["state"])
        audit.record(
            "riskpool.loan.repaid",
            actor=actor,
            role=role,
            target=loan,
            before={"state": LoanState.ACTIVE},
            after={"state": loan.state},
            data={"filing": f.pk},
        )
    return f


def loan_gaps(loan, *, today: dt.date | None = None) -> list[dt.date]:
    """The loan's filing gaps as of ``today`` (months due and missing or late)."""
    # ``all()`` so that a caller's prefetch_related("filings", "claims") serves every loan of a page.
    claim = next((c for c in loan.claims.all() if c.state != ClaimState.REFUSED), None)
    until = claim.default_date if claim is not None else None
    return filing.gaps(
        loan, list(loan.filings.all()), pool_rules(loan.pool), today=today_or(today), until=until
    )


__all__ = [
    "ServiceError",
    "add_months",
    "covered_balance",
    "eligibility_problems",
    "file_month",
    "loan_gaps",
    "register_loan",
]

"""The demo's slice of 贷款贴息 in an already-executed demo year, through the services only.

``populate(fund_year, *, rng, actors)`` with ``actors`` the demo's users: ``office``, ``finance``,
``departments`` (``{department code: officer}``) and, optionally, ``applicant_for`` (``organisation →
applicant user``; without it an existing applicant of the organisation is used).

- the published reference rates are entered (those not yet in the table);
- every final interest-subsidy item of the year is arranged by finance and its subsidy agreement
  drawn up and signed by the enterprise and the managing department;
- each enterprise registers a loan taken the year before (one drawn in two parts and partly repaid),
  its drawdowns and its quarterly interest receipts, and files a claim for that year;
- the claims end at every stage: paid through the treasury (batched, sent, confirmed), instructed
  and waiting for the treasury, approved, verified, submitted, a draft, and one returned by the
  department; one enterprise's second claim is refused under once-per-enterprise (counted).
"""

import datetime as dt
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from techfund.core.enums import Role
from techfund.core.errors import ServiceError
from techfund.decisions.enums import ItemState
from techfund.decisions.models import ProposalItem
from techfund.policy.enums import SupportMode
from techfund.projects import services as projects
from techfund.projects.enums import ProjectState
from techfund.projects.models import Project
from techfund.subsidies import services
from techfund.subsidies.enums import ClaimState
from techfund.subsidies.models import SubsidyClaim

BANKS = [
    "日照银行科技支行",
    "中国工商银行日照分行",
    "中国建设银行日照分行",
    "青岛银行日照分行",
    "齐鲁银行日照分行",
]
CENT = Decimal("0.01")
#: The stage each claim is taken to, in turn.
STAGES = ["paid", "instructed", "approved", "verified", "submitted", "draft", "returned"]


def _applicant(actors, org):
    finder = actors.get("applicant_for")
    if finder is not None:
        return finder(org)
    grant = org.grants.filter(role=Role.APPLICANT, revoked_at__isnull=True).select_related("user").first()
    return grant.user if grant else None


def _officer(actors, project):
    return (actors.get("departments") or {}).get(project.department.code) or actors["office"]


def _projects(fund_year, actors, counts, today) -> list[Project]:
    office, finance = actors["office"], actors["finance"]
    items = ProposalItem.objects.filter(
        batch__fund_year=fund_year,
        state=ItemState.FINAL,
        project__isnull=True,
        support_mode=SupportMode.INTEREST_SUBSIDY,
    ).order_by("batch__number", "id")
    for item in items:
        try:
            project = projects.arrange_item(
                item, actor=finance, statutory_approved=True, note=f"{fund_year.year}年度贷款贴息资金"
            )
        except ServiceError:
            counts["items_not_arranged"] += 1
            continue
        counts["projects_arranged"] += 1
        unit = _applicant(actors, project.organisation)
        if unit is None:
            continue
        contract = projects.generate_contract(project, actor=office)
        signed = min(today, dt.date(fund_year.year, 10, 20))
        projects.sign_contract(contract, actor=unit, signatory="企业法定代表人", today=signed)
        projects.sign_contract(
            contract, actor=_officer(actors, project), signatory="业务处负责人", today=signed
        )
    return list(
        Project.objects.filter(
            fund_year=fund_year, support_mode=SupportMode.INTEREST_SUBSIDY, state=ProjectState.IN_PROGRESS
        )
        .filter(loans__isnull=True)
        .select_related("organisation", "department", "fund_year__profile")
        .order_by("number")
    )


def _quarter_end(day: dt.date) -> dt.date:
    month = ((day.month - 1) // 3 + 1) * 3
    if month == 12:
        return dt.date(day.year, 12, 31)
    return dt.date(day.year, month + 1, 1) - dt.timedelta(days=1)


def _quarterly_interest(principal_by_day, rate: Decimal, start: dt.date, end: dt.date):
    """(first, last, interest) per calendar quarter at the contract rate on a 360-day basis, as the
    bank charges it (rounded to the fen per quarter)."""
    out, day = [], start
    while day <= end:
        last = min(_quarter_end(day), end)
        total, d = Decimal(0), day
        while d <= last:
            total += principal_by_day(d) * rate / Decimal(100) / Decimal(360)
            d += dt.timedelta(days=1)
        if total > 0:
            out.append((day, last, total.quantize(CENT, rounding=ROUND_HALF_UP)))
        day = last + dt.timedelta(days=1)
    return out


def _loan(project, unit, rng, i, year, counts):
    principal = Decimal(rng.choice([3, 5, 8, 10, 12, 15, 20])) * Decimal(1_000_000)
    rate = Decimal(rng.choice(["3.20", "3.45", "3.65", "3.85", "4.10", "4.35", "4.60"]))
    start = dt.date(year - 1, 1 + i % 3, 10 + i % 15)
    loan = services.register_loan(
        project,
        actor=unit,
        bank=BANKS[i % len(BANKS)],
        contract_number=f"{year - 1}JK{project.number[-4:]}{i:02d}",
        principal=f"{principal}",
        annual_rate=f"{rate}",
        start_date=start,
        maturity_date=dt.date(start.year + 2 + i % 2, start.month, start.day),
        purpose=rng.choice(["购置研发设备", "补充研发流动资金", "科技成果转化产线建设", "中试基地建设"]),
    )
    counts["loans"] += 1
    flows = []
    if i % 3 == 1:  # drawn in two parts, partly repaid in the autumn
        half = (principal / 2).quantize(CENT)
        flows = [
            ("d", start, half),
            ("d", dt.date(year - 1, 7, 1), principal - half),
            ("r", dt.date(year - 1, 10, 8), half / 2),
        ]
    else:
        flows = [("d", start, principal)]
    for kind, day, amount in flows:
        if kind == "d":
            services.record_drawdown(loan, actor=unit, drawn_on=day, amount=amount, today=day)
            counts["drawdowns"] += 1
        else:
            services.record_repayment(loan, actor=unit, repaid_on=day, amount=amount, today=day)
            counts["repayments"] += 1

    def outstanding(day):
        return sum((a if k == "d" else -a for k, d, a in flows if d <= day), Decimal(0))

    for n, (a, b, interest) in enumerate(
        _quarterly_interest(outstanding, rate, start, dt.date(year - 1, 12, 31)), start=1
    ):
        paid_on = min(b + dt.timedelta(days=1), dt.date(year, 1, 5))
        services.record_interest(
            loan,
            actor=unit,
            period_start=a,
            period_end=b,
            amount=interest,
            paid_on=paid_on,
            receipt_ref=f"FX{loan.pk:05d}{n:02d}",
            today=max(paid_on, dt.date(year, 1, 5)),
        )
        counts["interest_receipts"] += 1
    return loan


def _payee(org, unit, finance, counts):
    from techfund.treasury import services as treasury

    if treasury.active_account(org) is not None:
        return True
    try:
        acct = treasury.record_account(
            org,
            actor=unit,
            account_name=org.name,
            bank_name="日照银行科技支行",
            account_number=f"81010{org.pk:014d}",
            bank_code="313473000018",
        )
        treasury.verify_account(acct, actor=finance, approve=True)
    except ServiceError:
        return False
    counts["payee_accounts"] += 1
    return True


def _confirm(instructions, finance, counts, today) -> None:
    from techfund.treasury.services.batches import create_batch, export_batch
    from techfund.treasury.services.confirmations import import_confirmations

    if not instructions:
        return
    batch = create_batch(instructions[0].fund_year, actor=finance, instructions=instructions)
    export_batch(batch, actor=finance, fmt="csv")
    lines = ["指令编号,支付凭证号,金额,银行账号,支付日期,状态"]
    for i in instructions:
        i.refresh_from_db()
        lines.append(f"{i.number},GKTX{i.pk:08d},{i.amount},{i.account_number},{today.isoformat()},已支付")
    record = import_confirmations(
        batch, "\n".join(lines).encode("utf-8"), actor=finance, filename="贴息回单.csv", today=today
    )
    counts["claims_paid"] += record.matched


def populate(fund_year, *, rng, actors, today: dt.date | None = None) -> dict:
    today = today or timezone.localdate()
    counts: Counter = Counter()
    counts["reference_rates"] += services.seed_published(today)
    year = fund_year.year
    if dt.date(year, 1, 6) > today:
        return dict(counts)
    finance = actors["finance"]
    to_confirm = []
    for i, project in enumerate(_projects(fund_year, actors, counts, today)):
        unit = _applicant(actors, project.organisation)
        if unit is None:
            continue
        try:
            loan = _loan(project, unit, rng, i, year, counts)
            claim = services.file_claim(
                loan,
                actor=unit,
                period_start=dt.date(year - 1, 1, 1),
                period_end=dt.date(year - 1, 12, 31),
                today=today,
            )
        except ServiceError:
            counts["claims_refused"] += 1
            continue
        counts["claims_filed"] += 1
        stage = STAGES[i % len(STAGES)]
        day = min(today, dt.date(year, 11, 1))
        try:
            if stage == "draft":
                continue
            services.submit_claim(claim, actor=unit, today=day)
            if stage == "submitted":
                continue
            officer = _officer(actors, project)
            if stage == "returned":
                services.verify_claim(
                    claim,
                    actor=officer,
                    decision="reject",
                    opinion="贷款用途与贴息项目不符，请补充借款合同用途说明。",
                    today=day,
                )
                counts["claims_returned"] += 1
                continue
            services.verify_claim(
                claim, actor=officer, decision="concur", opinion="材料齐全，同意。", today=day
            )
            if stage == "verified":
                continue
            services.approve_claim(claim, actor=finance, decision="concur", today=day)
            if stage == "approved" or not _payee(project.organisation, unit, finance, counts):
                continue
            instruction = services.instruct_claim(claim, actor=finance, today=day)
            if stage == "paid":
                to_confirm.append(instruction)
        except ServiceError:
            counts["claims_refused"] += 1
            continue
        # once per enterprise: the enterprise's second loan is refused a claim while the first stands
        if stage == "paid" and services.enterprise_used(project.organisation) > 0:
            second = services.register_loan(
                project,
                actor=unit,
                bank=BANKS[(i + 1) % len(BANKS)],
                contract_number=f"{loan.contract_number}-2",
                principal="2000000.00",
                annual_rate="3.50",
                start_date=loan.start_date,
                maturity_date=loan.maturity_date,
                purpose="补充流动资金",
            )
            services.record_drawdown(
                second, actor=unit, drawn_on=loan.start_date, amount="2000000.00", today=today
            )
            try:
                services.file_claim(
                    second,
                    actor=unit,
                    period_start=dt.date(year - 1, 1, 1),
                    period_end=dt.date(year - 1, 12, 31),
                    today=today,
                )
            except ServiceError:
                counts["once_per_enterprise_refused"] += 1
    _confirm(to_confirm, finance, counts, min(today, dt.date(year, 11, 10)))
    for state in ClaimState.values:
        counts[f"claims_{state}"] = SubsidyClaim.objects.filter(
            project__fund_year=fund_year, state=state
        ).count()
    return dict(counts)

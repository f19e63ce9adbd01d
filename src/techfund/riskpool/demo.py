"""A realistic slice of risk compensation in an already-executed demo year, through the services only.

Two partner banks under cooperation agreements; each has a pool for the year funded by finance from
the focus area with the most unpromised allocation; the office registers tech-SME loans (one
registration refused for its rate, nothing saved), files them monthly (one month filed late), and
three defaults become claims at every stage: one paid through the treasury (with a later bank
recovery returned to the pool), one approved and waiting for finance, one waiting for the agency's
review. A second office member and a second finance officer are added for the steps that must be
taken by different people.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from techfund.core.enums import OrganisationKind, Qualification, Role
from techfund.core.errors import ServiceError
from techfund.core.models import Department, Organisation
from techfund.core.services import ledger, people
from techfund.funds.accounts import area_code
from techfund.policy.models import FocusArea
from techfund.riskpool import services as rp
from techfund.riskpool.models import PartnerBank

BANKS = [
    ("riskbank1", "91370000MA3C8K1X0A", "科技支行", "0.30"),
    ("riskbank2", "91370000MA3C8K2Y0B", "农村商业银行", "0.40"),
]


def _user(actors, username, name, role):
    from techfund.demo.generator import _user

    return _user(actors.get("sysadmin"), username, name, role, secadmin=actors.get("secadmin"))


def _bank_org(actor, city: str, uscc_stem: str, suffix: str) -> Organisation:
    from techfund.core import uscc

    number = uscc.make(uscc_stem[:8], uscc_stem[8:16])
    org = Organisation.objects.filter(uscc=number).first()
    if org is None:
        org = people.register_organisation(
            actor=actor,
            uscc=number,
            name=f"{city}{suffix}",
            kind=OrganisationKind.BANK,
            contact_name="信贷部",
        )
    return org


def _richest_area(fund_year):
    best, best_bal = None, ledger.ZERO
    for fa in FocusArea.objects.filter(profile=fund_year.profile):
        from techfund.core.models import Account

        acct = Account.objects.filter(code=area_code(fund_year.year, fa)).first()
        bal = ledger.balance(acct) if acct else ledger.ZERO
        if bal > best_bal:
            best, best_bal = fa, bal
    return best, best_bal


def populate(fund_year, *, rng, actors) -> dict:
    from techfund.treasury import services as treasury
    from techfund.treasury.services import batches, confirmations

    counts = {
        "banks": 0,
        "pools": 0,
        "loans": 0,
        "filings": 0,
        "refused_loans": 0,
        "claims": 0,
        "claims_paid": 0,
        "recoveries": 0,
    }
    year = fund_year.year
    office, finance = actors["office"], actors["finance"]
    office2 = _user(actors, "office_risk", "领导小组办公室 风险补偿审核岗", Role.OFFICE)
    finance2 = _user(actors, "finance_risk", "财政局 国库支付复核岗", Role.FINANCE)
    dept = (
        Department.objects.filter(code="science_technology").first()
        or Department.objects.order_by("code").first()
    )
    approver = actors.get("departments", {}).get(dept.code) or _user(
        actors, f"dept_{dept.code}", f"{dept.short_name}业务处", Role.DEPARTMENT
    )
    area, area_balance = _richest_area(fund_year)
    if area is None:
        return counts
    per_pool = min(Decimal("2000000.00"), (area_balance / 4).quantize(Decimal("10000")))
    if per_pool <= 0:
        return counts
    city = fund_year.profile.city.removesuffix("市")
    borrowers = [
        o
        for o in Organisation.objects.filter(kind=OrganisationKind.ENTERPRISE).order_by("uscc")
        if Qualification.TECH_SME in (o.qualifications or []) and o.credit_status != "blocked"
    ]
    rng.shuffle(borrowers)
    pools = []
    for code, stem, suffix, share in BANKS:
        org = _bank_org(actors.get("sysadmin"), city, stem, suffix)
        bank = PartnerBank.objects.filter(organisation=org).first()
        if bank is None:
            bank = rp.register_bank(
                actor=office,
                organisation=org,
                code=code,
                agreement_ref=f"科技贷款风险补偿合作协议〔{year}〕{len(pools) + 1}号",
                agreement_start=dt.date(year - 1, 1, 1),
                agreement_end=dt.date(year + 2, 12, 31),
                bank_share=share,
            )
            counts["banks"] += 1
        pool = rp.open_pool(fund_year, actor=finance, bank=bank, focus_area=area, department=dept)
        rp.fund_pool(pool, actor=finance, amount=per_pool, note="年初注资", today=dt.date(year, 1, 10))
        counts["pools"] += 1
        pools.append(pool)
        acc = treasury.record_account(
            org,
            actor=finance,
            account_name=org.name,
            bank_name=org.name,
            account_number=f"6228{rng.randint(10**11, 10**12 - 1)}",
            bank_code=f"3134{rng.randint(10**7, 10**8 - 1)}",
        )
        treasury.verify_account(acc, actor=finance2, approve=True)

    loans = []
    today = dt.date(year, 10, 20)
    for i, borrower in enumerate(borrowers[:8]):
        pool = pools[i % len(pools)]
        principal = Decimal(rng.choice([500, 800, 1000, 1500, 2000, 3000])) * 1000
        start = dt.date(year, 1 + i % 3, 5 + i)
        kind = ("credit", "guaranteed", "ip_pledge")[i % 3]
        bench = Decimal("3.45")
        loan = rp.register_loan(
            pool,
            actor=office,
            borrower=borrower,
            contract_number=f"{pool.bank.code.upper()}-{year}-{i + 1:03d}",
            principal=principal,
            rate=bench + Decimal(rng.choice(["0.20", "0.55", "0.85", "1.10"])),
            benchmark_rate=bench,
            benchmark_basis=f"{year}年{start.month}月一年期贷款市场报价利率（LPR）3.45%",
            start_date=start,
            term_months=rng.choice([12, 24, 36]),
            guarantee_type=kind,
            first_loan=i % 4 == 0,
            evidence="借款合同、借据及放款凭证（银行报送）",
            today=start + dt.timedelta(days=7),
        )
        counts["loans"] += 1
        loans.append(loan)
        for m in range(start.month, 10):
            late = i == 3 and m == 5
            filed_on = dt.date(year, m + 1, 15 if late else 3 + rng.randint(0, 6))
            rp.file_month(
                loan,
                actor=office,
                month=dt.date(year, m, 1),
                outstanding=principal,
                filed_on=filed_on,
                today=today,
            )
            counts["filings"] += 1
    if borrowers:
        try:  # refused: the rate is above 1.5 × the benchmark (nothing is saved)
            rp.register_loan(
                pools[0],
                actor=office,
                borrower=borrowers[0],
                contract_number=f"X-{year}-999",
                principal="1000000.00",
                rate="6.00",
                benchmark_rate="3.45",
                benchmark_basis="LPR",
                start_date=dt.date(year, 3, 1),
                term_months=24,
                guarantee_type="credit",
                evidence="借款合同",
                today=dt.date(year, 3, 8),
            )
        except ServiceError:
            counts["refused_loans"] += 1

    claims = []
    for j, loan in enumerate(loans[:3]):
        loss = (loan.principal * Decimal(rng.choice(["0.35", "0.5", "0.6"]))).quantize(Decimal("0.01"))
        c = rp.submit_claim(
            loan,
            actor=office,
            default_date=dt.date(year, 7, 10 + j),
            loss=loss,
            evidence="逾期超过90天的认定说明、催收及诉讼材料",
            today=dt.date(year, 8, 5),
        )
        claims.append(c)
        counts["claims"] += 1
    for c in claims[:2]:
        rp.review_claim(
            c,
            actor=office2,
            decision="approve",
            opinion="材料齐全，同意报主管部门审批",
            today=dt.date(year, 8, 12),
        )
        rp.approve_claim(
            c, actor=approver, decision="approve", opinion="同意代偿", today=dt.date(year, 8, 20)
        )
    if claims:
        paid = claims[0]
        instruction = rp.instruct_payment(paid, actor=finance)
        batch = batches.create_batch(fund_year, actor=finance, instructions=[instruction])
        batches.export_batch(batch, actor=finance, fmt="csv")
        instruction.refresh_from_db()
        csv = (
            "指令编号,支付凭证号,金额,银行账号,支付日期,状态\n"
            f"{instruction.number},GK{year}RC{instruction.pk:05d},{instruction.amount},{instruction.account_number},"
            f"{year}-09-02,支付成功\n"
        ).encode()
        confirmations.import_confirmations(
            batch, csv, actor=finance, filename="风险补偿回单.csv", today=dt.date(year, 9, 3)
        )
        paid.refresh_from_db()
        counts["claims_paid"] += 1
        rp.record_recovery(
            paid,
            actor=finance,
            amount=(paid.loss * Decimal("0.2")).quantize(Decimal("0.01")),
            recovered_on=dt.date(year, 10, 8),
            evidence="法院执行款到账凭证（银行报送）",
            today=dt.date(year, 10, 9),
        )
        counts["recoveries"] += 1
    return counts

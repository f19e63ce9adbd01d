"""The services of 贷款贴息 on the database: the claim's amount as computed (to the fen) from the
loan's records, the policy and the reference-rate table; each refusal changes nothing; the steps by
different people; the caps across claims; once per enterprise."""

import datetime as dt
from decimal import Decimal as D

import pytest

from techfund.core.errors import NotAllowed, NotVisible, ServiceError
from techfund.subsidies import services
from techfund.subsidies.enums import ClaimState
from techfund.subsidies.models import ReferenceRate
from tests.subsidies.conftest import (
    AMOUNT_2025,
    TODAY,
    YEAR_2025,
    make_loan,
    nothing_saved,
    pay_interest,
    set_policy,
    subsidy_project,
    unpaid,
)

d = dt.date


def test_claim_amount_and_breakdown_to_the_fen(draft):
    # see AMOUNT_2025 in conftest: 47,877.78 + 75,333.33
    assert draft.state == ClaimState.DRAFT
    assert draft.amount == draft.gross == AMOUNT_2025
    assert draft.interest_paid == D("425833.33")
    assert draft.bound_by == ""
    segs = draft.breakdown["segments"]
    assert [(s["start"], s["days"], s["rate_used"], s["amount"]) for s in segs] == [
        ("2025-01-01", 139, "3.1000", "47877.78"),
        ("2025-05-20", 226, "3.0000", "75333.33"),
    ]
    assert draft.breakdown["policy"]["subsidy_ratio"] == "0.40"
    assert draft.breakdown["uncovered"] == []
    assert draft.number.startswith("TX-")


def test_the_steps_by_three_people(approved, unit, dept, finance, sub_project):
    c = approved
    assert c.state == ClaimState.APPROVED
    assert (c.submitted_by, c.verified_by, c.approved_by) == (unit, dept, finance)
    assert c.amount == AMOUNT_2025
    # nothing has moved in the ledger yet: the money moves on the treasury's confirmation
    assert unpaid(sub_project) == D("600000.00")


def test_chongqing_variant_capped_at_300k(sub_project, unit, loan, fund_year):
    # 重庆: 50 % of the interest at the benchmark rate, at most 300,000 per enterprise, 360-day basis
    set_policy(
        sub_project,
        subsidy_ratio="0.50",
        reference_rate="benchmark",
        reference_tenor="1y",
        per_enterprise_cap="300000.00",
        once_per_enterprise=False,
    )
    big = make_loan(sub_project, unit, principal="15000000.00", rate="5.00", number="CQ-1")
    services.record_drawdown(big, actor=unit, drawn_on=d(2025, 1, 1), amount="15000000.00", today=TODAY)
    # interest paid at 5 % on 360 days: 15,000,000 × 5 % × 365/360 = 760,416.67 (one receipt for the year)
    services.record_interest(
        big,
        actor=unit,
        period_start=d(2025, 1, 1),
        period_end=d(2025, 12, 31),
        amount="760416.67",
        paid_on=d(2025, 12, 21),
        receipt_ref="CQ-FX-1",
        today=TODAY,
    )
    c = services.file_claim(
        big, actor=unit, period_start=d(2025, 1, 1), period_end=d(2025, 12, 31), today=TODAY
    )
    # 15,000,000 × 4.35 % × 50 % × 365/360 = 330,781.25 → 300,000.00 (the enterprise cap)
    assert (c.gross, c.amount, c.bound_by) == (D("330781.25"), D("300000.00"), "enterprise")


def test_suzhou_variant_rate_capped_at_lpr(sub_project, interest_2025, unit):
    set_policy(sub_project, subsidy_ratio="0.30", reference_tenor="1y", once_per_enterprise=False)
    c = services.file_claim(
        interest_2025, actor=unit, period_start=YEAR_2025[0], period_end=YEAR_2025[1], today=TODAY
    )
    # 93,000 × 139/360 = 35,908.33; 90,000 × 226/360 = 56,500.00 → 92,408.33
    assert c.amount == D("92408.33")


def test_once_per_enterprise_names_the_earlier_claim(submitted, sub_project, unit):
    second = make_loan(sub_project, unit, principal="1000000.00", rate="3.00", number="RZ-2")
    services.record_drawdown(second, actor=unit, drawn_on=d(2025, 1, 1), amount="1000000.00", today=TODAY)
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.file_claim(
            second, actor=unit, period_start=d(2025, 1, 1), period_end=d(2025, 6, 30), today=TODAY
        )
    assert exc.value.code == "once_per_enterprise"
    assert submitted.number in exc.value.message and "日照银行" in exc.value.message


def test_once_per_enterprise_at_submit_and_freed_by_rejection(draft, sub_project, unit, dept):
    # two drafts may coexist; only one may be submitted
    second = make_loan(sub_project, unit, principal="1000000.00", rate="3.00", number="RZ-2")
    services.record_drawdown(second, actor=unit, drawn_on=d(2025, 1, 1), amount="1000000.00", today=TODAY)
    pay_interest(second, unit, prefix="B")
    other = services.file_claim(
        second, actor=unit, period_start=YEAR_2025[0], period_end=YEAR_2025[1], today=TODAY
    )
    services.submit_claim(draft, actor=unit, today=TODAY)
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.submit_claim(other, actor=unit, today=TODAY)
    assert exc.value.code == "once_per_enterprise" and draft.number in exc.value.message
    services.verify_claim(draft, actor=dept, decision="reject", opinion="贷款用途与项目不符。", today=TODAY)
    assert services.submit_claim(other, actor=unit, today=TODAY).state == ClaimState.SUBMITTED


def test_per_enterprise_cap_across_claims_of_two_projects(
    fund_year, office, leader, finance, rates, sub, loan
):
    # no once-per-enterprise in this variant; cap 150,000 across the organisation's claims, all projects
    project, unit, dept = sub
    set_policy(project, once_per_enterprise=False, per_enterprise_cap="150000.00")
    pay_interest(loan, unit)
    first = services.file_claim(
        loan, actor=unit, period_start=YEAR_2025[0], period_end=YEAR_2025[1], today=TODAY
    )
    services.submit_claim(first, actor=unit, today=TODAY)
    assert first.amount == AMOUNT_2025  # 123,211.11 < 150,000
    # a second project of the same organisation, another loan: 150,000 − 123,211.11 = 26,788.89 left
    project2, unit2, _dept2 = subsidy_project(
        fund_year, office, leader, finance, organisation=project.organisation
    )
    loan2 = make_loan(project2, unit2, number="RZ-9")
    services.record_drawdown(loan2, actor=unit2, drawn_on=d(2025, 1, 1), amount="10000000.00", today=TODAY)
    pay_interest(loan2, unit2, prefix="C")
    second = services.file_claim(
        loan2, actor=unit2, period_start=YEAR_2025[0], period_end=YEAR_2025[1], today=TODAY
    )
    assert (second.gross, second.amount, second.bound_by) == (AMOUNT_2025, D("26788.89"), "enterprise")


def test_capped_by_project_commitment(fund_year, office, leader, finance, rates):
    project, unit, _dept = subsidy_project(fund_year, office, leader, finance, amount="100000.00")
    loan = make_loan(project, unit)
    services.record_drawdown(loan, actor=unit, drawn_on=d(2025, 1, 1), amount="10000000.00", today=TODAY)
    pay_interest(loan, unit)
    c = services.file_claim(loan, actor=unit, period_start=YEAR_2025[0], period_end=YEAR_2025[1], today=TODAY)
    assert (c.amount, c.bound_by) == (D("100000.00"), "commitment")


def test_interest_not_yet_paid_is_refused_at_submit(loan, unit):
    pay_interest(
        loan,
        unit,
        quarters=[
            q
            for i, q in enumerate(__import__("tests.subsidies.conftest", fromlist=["x"]).QUARTERS_2025)
            if i != 2
        ],
    )
    c = services.file_claim(loan, actor=unit, period_start=YEAR_2025[0], period_end=YEAR_2025[1], today=TODAY)
    assert c.breakdown["uncovered"] == [["2025-07-01", "2025-09-30"]]
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.submit_claim(c, actor=unit, today=TODAY)
    assert exc.value.code == "interest_not_paid" and "2025-07-01 至 2025-09-30" in exc.value.message


def test_a_period_without_a_reference_rate_is_refused(sub_project, unit):
    ReferenceRate.objects.filter(
        kind="lpr", tenor="1y", effective_from__lt=d(2024, 7, 22)
    ).delete()  # test setup
    loan = make_loan(sub_project, unit, start=d(2024, 1, 1), maturity=d(2025, 12, 31), number="OLD-1")
    services.record_drawdown(loan, actor=unit, drawn_on=d(2024, 1, 1), amount="1000000.00", today=TODAY)
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.file_claim(
            loan, actor=unit, period_start=d(2024, 1, 1), period_end=d(2024, 12, 31), today=TODAY
        )
    assert exc.value.code == "reference_rate_missing" and "2024-01-01" in exc.value.message


def test_overlapping_claims_on_one_loan_are_refused(draft, unit, interest_2025):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.file_claim(
            interest_2025, actor=unit, period_start=d(2025, 6, 1), period_end=d(2025, 8, 31), today=TODAY
        )
    assert exc.value.code == "claim_overlap" and draft.number in exc.value.message


def test_loan_records_refusals_change_nothing(loan, unit, sub_project):
    with nothing_saved():
        with pytest.raises(ServiceError) as exc:
            services.record_drawdown(loan, actor=unit, drawn_on=d(2025, 2, 1), amount="1.00", today=TODAY)
        assert exc.value.code == "drawdown_invalid" and "10,000,000.00" in exc.value.message
        with pytest.raises(ServiceError) as exc:
            services.record_repayment(
                loan, actor=unit, repaid_on=d(2025, 6, 1), amount="10000000.01", today=TODAY
            )
        assert "amount" in exc.value.errors
        with pytest.raises(ServiceError) as exc:
            make_loan(sub_project, unit, number="RZ-0001")  # the fixture's contract number at the same bank
        assert "contract_number" in exc.value.errors
        with pytest.raises(ServiceError) as exc:
            services.register_loan(
                sub_project,
                actor=unit,
                bank="",
                contract_number="X",
                principal="-1",
                annual_rate="120",
                start_date="2025-02-01",
                maturity_date="2025-01-01",
                purpose="",
            )
        assert set(exc.value.errors) == {"bank", "principal", "annual_rate", "maturity_date", "purpose"}
    services.record_interest(
        loan,
        actor=unit,
        period_start=d(2025, 1, 1),
        period_end=d(2025, 3, 31),
        amount="105000.00",
        paid_on=d(2025, 3, 21),
        receipt_ref="R1",
        today=TODAY,
    )
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.record_interest(
            loan,
            actor=unit,
            period_start=d(2025, 3, 1),
            period_end=d(2025, 5, 31),
            amount="1.00",
            paid_on=d(2025, 5, 31),
            receipt_ref="R1",
            today=TODAY,
        )
    assert set(exc.value.errors) == {"period_start", "receipt_ref"}


def test_repayment_then_claim_follows_the_outstanding_principal(sub_project, unit):
    set_policy(sub_project, subsidy_ratio="0.50", reference_tenor="1y")
    loan = make_loan(
        sub_project, unit, principal="6000000.00", rate="3.00", maturity=d(2028, 1, 1), number="PD-1"
    )
    services.record_drawdown(loan, actor=unit, drawn_on=d(2025, 3, 1), amount="3000000.00", today=TODAY)
    services.record_drawdown(loan, actor=unit, drawn_on=d(2025, 7, 1), amount="3000000.00", today=TODAY)
    services.record_repayment(loan, actor=unit, repaid_on=d(2025, 10, 1), amount="1000000.00", today=TODAY)
    c = services.file_claim(loan, actor=unit, period_start=YEAR_2025[0], period_end=YEAR_2025[1], today=TODAY)
    # 10,000.00 + 5,250.00 + 23,000.00 + 19,166.67 (see test_compute.test_partial_drawdowns_and_a_repayment)
    assert c.gross == D("57416.67")
    assert c.bound_by == "interest_paid" and c.amount == D("0.00")  # no interest evidence yet


def test_permissions_and_scope(draft, loan, unit, dept, finance, other_unit, other_dept, office, sub_project):
    with nothing_saved():
        with pytest.raises(NotVisible):
            services.record_drawdown(
                loan, actor=other_unit, drawn_on=d(2025, 2, 1), amount="1.00", today=TODAY
            )
        with pytest.raises(NotVisible):
            services.submit_claim(draft, actor=other_unit, today=TODAY)
        with pytest.raises(NotAllowed):
            services.submit_claim(draft, actor=dept, today=TODAY)
        with pytest.raises(NotAllowed):
            services.register_loan(
                sub_project,
                actor=office,
                bank="b",
                contract_number="c",
                principal="1",
                annual_rate="1",
                start_date="2025-01-01",
                maturity_date="2026-01-01",
                purpose="p",
            )
        with pytest.raises(NotAllowed):
            services.record_rate(
                actor=finance, kind="lpr", tenor="1y", effective_from="2026-01-20", rate="2.90", source="x"
            )
    services.submit_claim(draft, actor=unit, today=TODAY)
    with nothing_saved():
        with pytest.raises(NotVisible):
            services.verify_claim(draft, actor=other_dept, decision="concur", today=TODAY)
        with pytest.raises(NotAllowed):
            services.verify_claim(draft, actor=finance, decision="concur", today=TODAY)
        with pytest.raises(ServiceError) as exc:
            services.approve_claim(draft, actor=finance, decision="concur", today=TODAY)
        assert exc.value.code == "transition_not_allowed"
        with pytest.raises(ServiceError) as exc:
            services.verify_claim(draft, actor=dept, decision="reject", opinion="", today=TODAY)
        assert "opinion" in exc.value.errors


def test_never_the_same_person_twice(draft, unit, dept, finance):
    from techfund.core.enums import Role
    from techfund.core.services import people

    people.grant_role(actor=None, user=unit, role=Role.DEPARTMENT, department=dept.grants.first().department)
    unit.forget_grants()
    services.submit_claim(draft, actor=unit, today=TODAY)
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.verify_claim(draft, actor=unit, decision="concur", today=TODAY)
    assert exc.value.code == "same_person"
    services.verify_claim(draft, actor=dept, decision="concur", today=TODAY)
    people.grant_role(actor=None, user=dept, role=Role.FINANCE)
    dept.forget_grants()
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.approve_claim(draft, actor=dept, decision="concur", today=TODAY)
    assert exc.value.code == "same_person"
    assert (
        services.approve_claim(draft, actor=finance, decision="concur", today=TODAY).state
        == ClaimState.APPROVED
    )


def test_rates_recorded_and_corrected_by_the_office(office, rates):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.record_rate(
            actor=office, kind="lpr", tenor="1y", effective_from="2025-05-20", rate="3.00", source="x"
        )
    assert "effective_from" in exc.value.errors
    row = services.record_rate(
        actor=office, kind="lpr", tenor="1y", effective_from="2026-02-20", rate="2.95", source="测试来源"
    )
    fixed = services.correct_rate(
        row, actor=office, rate="2.90", source="测试来源（更正）", reason="录入错误"
    )
    assert fixed.rate == D("2.9000")
    with nothing_saved(), pytest.raises(ServiceError):
        services.record_rate(
            actor=office, kind="lpr", tenor="1y", effective_from="2026-03-20", rate="abc", source=""
        )


def test_evidence_file_is_kept_with_its_digest(loan, unit):
    from django.core.files.uploadedfile import SimpleUploadedFile

    f = SimpleUploadedFile("回单.pdf", b"%PDF-1.4 receipt", content_type="application/pdf")
    row = services.record_interest(
        loan,
        actor=unit,
        period_start=d(2025, 1, 1),
        period_end=d(2025, 3, 31),
        amount="105000.00",
        paid_on=d(2025, 3, 21),
        receipt_ref="F-1",
        evidence=f,
        today=TODAY,
    )
    assert row.evidence_name == "回单.pdf" and len(row.evidence_sha256) == 64
    with row.evidence.open("rb") as fh:
        assert fh.read() == b"%PDF-1.4 receipt"

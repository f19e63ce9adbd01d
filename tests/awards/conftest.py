"""Fixtures for post-award subsidies and competition prizes: the projects fixtures (Rizhao's 2026
fund year with 10,000,000 in 重大科技创新专项), a 以赛代评 call whose finalists were ranked through the
review services, and post-award projects taken to in progress through the decisions and projects
services."""

import datetime as dt
from decimal import Decimal

import pytest

from techfund.core.enums import Role
from techfund.projects import services as project_services
from tests import factories
from tests.decisions.conftest import make_application, make_call, review
from tests.projects.conftest import *  # noqa: F403
from tests.projects.conftest import SIGNED_ON
from tests.projects.helpers import make_final_item

#: The call's 奖补档次: 1st 1,000,000; 2nd–3rd 600,000 each; 4th–5th 300,000 each.
TIERS = [
    {"rank_from": 1, "rank_to": 1, "amount": "1000000.00"},
    {"rank_from": 2, "rank_to": 3, "amount": "600000.00"},
    {"rank_from": 4, "rank_to": 5, "amount": "300000.00"},
]
DD_DAY = dt.date(2026, 6, 20)


def competition_call(fund_year, tiers=TIERS):
    call = make_call(fund_year, mode="competition", support_modes=("post_award",), ceiling="1000000.00")
    call.prize_tiers = tiers
    call.save(update_fields=["prize_tiers"])  # TEST SETUP ONLY, as make_call writes the call
    return call


def finalists_of(fund_year, call, scores, *, requested="1000000.00"):
    """Applications of ``call`` scored ``scores`` in one competition round, in that order."""
    apps = [
        make_application(
            fund_year,
            call=call,
            requested=requested,
            title=f"参赛项目{i + 1}",
            state="formal_passed",
            support_mode="post_award",
        )
        for i in range(len(scores))
    ]
    review(call, list(zip(apps, scores, strict=True)))
    return apps


@pytest.fixture
def call(fund_year):
    return competition_call(fund_year)


@pytest.fixture
def finalists(fund_year, call):
    """Six finalists: 95 / 90 / 90 / 80 / 70 / 60 — two tied second (sharing 2nd and 3rd)."""
    return finalists_of(fund_year, call, ["95.00", "90.00", "90.00", "80.00", "70.00", "60.00"])


@pytest.fixture
def dd(call, finalists, office):
    """Due diligence on two of the six (the policy asks one in three)."""
    from techfund.awards import services

    return [
        services.record_diligence(
            call,
            actor=office,
            application=app,
            conducted_on=DD_DAY,
            investigators="办公室 张三、李四",
            findings="核查企业财务报表、知识产权与生产场地，与参赛材料一致。",
            conclusion="confirmed",
        )
        for app in finalists[:2]
    ]


def running_post_award(fund_year, office, leader, finance, *, amount="2000000.00", title=None):
    """A general post-award project (competitive call), arranged and in progress."""
    item = make_final_item(fund_year, office, leader, amount=amount, support_mode="post_award", title=title)
    project = project_services.arrange_item(item, actor=finance, statutory_approved=True)
    contract = project_services.generate_contract(project, actor=office)
    unit = factories.user(Role.APPLICANT, organisation=project.organisation)
    officer = factories.user(Role.DEPARTMENT, department=project.department)
    project_services.sign_contract(contract, actor=unit, signatory="单位负责人", today=SIGNED_ON)
    project_services.sign_contract(contract, actor=officer, signatory="处长", today=SIGNED_ON)
    project.refresh_from_db()
    project.unit_user, project.officer = unit, officer
    return project


@pytest.fixture
def subsidy_project(fund_year, office, leader, finance):
    return running_post_award(fund_year, office, leader, finance)


def payee_account(organisation, finance):
    """The unit's payee account, recorded and verified through the treasury services."""
    from techfund.treasury import services as treasury

    unit = factories.user(Role.APPLICANT, organisation=organisation)
    acct = treasury.record_account(
        organisation,
        actor=unit,
        account_name=organisation.name,
        bank_name="中国工商银行日照分行",
        account_number="6222020200112233445",
        bank_code="102473000011",
    )
    return treasury.verify_account(acct, actor=finance, approve=True)


M = Decimal("1000000.00")

"""Test helpers of the project stage: an assertion that nothing was written, ledger balances, and
clients."""

import contextlib
import datetime as dt
from decimal import Decimal

from techfund.core.models import Account, AuditEvent, JournalEntry, Posting
from techfund.core.services import ledger
from techfund.projects.models import Contract, ContractMilestone, ContractTarget, Payment, Project, Tranche
from tests import factories

MODELS = (
    Project,
    Contract,
    ContractTarget,
    ContractMilestone,
    Tranche,
    Payment,
    JournalEntry,
    Posting,
    Account,
)


def counts() -> dict:
    out = {m.__name__: m.objects.count() for m in MODELS}
    out["AuditEvent"] = AuditEvent.objects.exclude(action__startswith="auth.").count()
    out["projects"] = sorted(
        Project.objects.values_list("id", "state", "statutory_approved", "start_date", "end_date")
    )
    out["contracts"] = sorted(
        Contract.objects.values_list("id", "state", "unit_signed_at", "owner_signed_at", "signed_on")
    )
    out["tranches"] = sorted(Tranche.objects.values_list("id", "due_date"))
    return out


@contextlib.contextmanager
def nothing_changed():
    """Asserts that the block writes no project record, no ledger entry and no audit event."""
    before = counts()
    yield
    assert counts() == before


def balance(code: str) -> Decimal:
    acct = Account.objects.filter(code=code).first()
    return ledger.balance(acct) if acct else ledger.ZERO


def unpaid(project) -> Decimal:
    return balance(f"fund:{project.fund_year.year}:commitment:{project.number}")


def disbursed(project) -> Decimal:
    return balance(f"fund:{project.fund_year.year}:disbursed:{project.number}")


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("seq"))


def make_final_item(
    fund_year,
    office,
    leader,
    *,
    amount: str = "1000000.00",
    support_mode: str = "grant",
    implementing=None,
    area: str = "major_projects",
    department=None,
    title=None,
):
    """A further final item of ``fund_year`` through the decisions services: a reviewed application
    (see tests.decisions.conftest), proposed in its own batch, approved, publicised and final."""
    from techfund.decisions import services as decisions
    from tests.decisions.conftest import START, make_application
    from tests.projects.conftest import FINAL_DAY, add_targets

    app = make_application(
        fund_year, area=area, requested=amount, department=department, title=title, support_mode=support_mode
    )
    add_targets(app)
    batch = decisions.create_batch(fund_year, actor=office, title="")
    item = decisions.propose_item(
        batch,
        actor=office,
        application=app,
        amount=amount,
        support_mode=support_mode,
        implementing_organisation=implementing.uscc if implementing is not None else None,
    )
    decisions.submit_batch(batch, actor=office)
    decisions.decide_item(item, actor=leader, decision="approve", basis="同意")
    p = decisions.publish_publicity(fund_year, actor=office, items=[item], starts_on=START)
    decisions.end_publicity(p, actor=office, today=FINAL_DAY)
    item.refresh_from_db()
    return item


EMERGENCY_TARGETS = [
    {"kind": "output", "name": "应急攻关样机", "indicator_type": "higher", "unit": "台", "target_value": "2"}
]


def make_emergency(
    fund_year, office, *, title="应急攻关项目", amount="100000.00", organisation=None, department=None
):
    """A 一事一议 project through ``create_emergency_project`` (the emergency stage's approval service
    calls it; here the fund year stands in for the approved request it refers to)."""
    from techfund.core.models import Department
    from techfund.policy.models import FocusArea
    from techfund.projects.services import create_emergency_project

    return create_emergency_project(
        fund_year=fund_year,
        title=title,
        organisation=organisation or factories.organisation(),
        department=department or Department.objects.get(code="science_technology"),
        focus_area=FocusArea.objects.get(profile=fund_year.profile, code="key_rd"),
        amount=Decimal(amount),
        start_date=dt.date(2026, 11, 1),
        end_date=dt.date(2027, 10, 31),
        actor=office,
        role="leading_group",
        request=fund_year,
    )


def run_emergency(fund_year, office, finance, *, title="应急攻关项目", pay=True):
    """An emergency project taken to in progress (contract signed by both sides), approved and, with
    ``pay``, its first tranche paid."""
    from techfund.core.enums import Role
    from techfund.projects import services
    from tests.projects.conftest import PAID_ON, SIGNED_ON

    p = make_emergency(fund_year, office, title=title)
    c = services.generate_contract(p, actor=office, targets=EMERGENCY_TARGETS, milestones=[])
    unit = factories.user(Role.APPLICANT, organisation=p.organisation)
    services.sign_contract(c, actor=unit, signatory="单位负责人", today=SIGNED_ON)
    services.sign_contract(c, actor=office, signatory="办公室", today=SIGNED_ON)
    services.confirm_statutory_approval(p, actor=finance)
    if pay:
        services.pay_tranche(
            c.tranches.get(seq=1),
            actor=finance,
            treasury_ref=f"YJ-{p.number}",
            paid_on=PAID_ON,
            today=dt.date(2026, 11, 2),
        )
    p.refresh_from_db()
    return p

"""What every lifecycle test asserts at the end of a year: money within allocations, the audit chain
intact, and every role's view limited to its scope (through the scopes and over HTTP)."""

from decimal import Decimal

from django.db.models import Sum

from techfund.applications.models import Application
from techfund.applications.scopes import visible_applications
from techfund.core.enums import AccountKind, Role
from techfund.core.models import Account, Posting, User
from techfund.core.services import audit, ledger
from techfund.decisions.enums import ItemState
from techfund.decisions.models import ProposalItem
from techfund.funds.enums import FrameworkState
from techfund.funds.models import Allocation
from techfund.review.models import Assignment
from techfund.review.scopes import visible_assignments


def allocations_never_exceeded(fund_year) -> None:
    """The ledger reconciles for the year, per focus area, per project and for the whole fund:

    - allocation = area balance + reserved + Σ projects (unpaid + paid);
    - reserved = the live items of submitted batches not yet arranged;
    - per project: arranged = paid + unpaid + released, and disbursed = paid − recovered;
    - sources = allocations + unallocated pool − recoveries returned to the pool;
    - nothing below zero that may not be, and every entry balanced."""
    from techfund.funds.enums import ContributionState
    from techfund.funds.models import Contribution
    from techfund.projects.accounts import project_balances
    from techfund.projects.models import Payment, Project
    from techfund.sanctions.models import RecoveryReceipt, SanctionOrder

    year = fund_year.year
    projects = list(Project.objects.filter(fund_year=fund_year).select_related("fund_year", "focus_area"))
    bals = project_balances(projects)
    paid = dict(
        Payment.objects.filter(project__fund_year=fund_year)
        .values("project")
        .annotate(s=Sum("amount"))
        .values_list("project", "s")
    )
    received = dict(
        RecoveryReceipt.objects.filter(order__project__fund_year=fund_year)
        .values("order__project")
        .annotate(s=Sum("amount"))
        .values_list("order__project", "s")
    )
    released = dict(
        SanctionOrder.objects.filter(project__fund_year=fund_year, release_entry__isnull=False)
        .values("project")
        .annotate(s=Sum("released_amount"))
        .values_list("project", "s")
    )
    zero = Decimal("0.00")
    by_area: dict = {}
    for p in projects:
        unpaid, disbursed = bals[p.pk]["unpaid"], bals[p.pk]["disbursed"]
        p_paid, p_received, p_released = (
            paid.get(p.pk, zero),
            received.get(p.pk, zero),
            released.get(p.pk, zero),
        )
        assert p.amount == p_paid + unpaid + p_released, (p.number, p.amount, p_paid, unpaid, p_released)
        assert disbursed == p_paid - p_received, (p.number, disbursed, p_paid, p_received)
        by_area[p.focus_area.code] = by_area.get(p.focus_area.code, zero) + unpaid + p_paid
    approved = (
        Allocation.objects.filter(framework__fund_year=fund_year, framework__state=FrameworkState.APPROVED)
        .values("focus_area__code")
        .annotate(s=Sum("amount"))
    )
    for row in approved:
        code = row["focus_area__code"]
        area = ledger.balance(Account.objects.get(code=f"fund:{year}:area:{code}"))
        reserved_acct = Account.objects.filter(code=f"fund:{year}:reserved:{code}").first()
        reserved = ledger.balance(reserved_acct) if reserved_acct else zero
        assert area >= 0 and reserved >= 0, code
        assert area + reserved + by_area.get(code, zero) == row["s"], (
            code,
            area,
            reserved,
            by_area.get(code),
        )
        live = ProposalItem.objects.filter(
            batch__fund_year=fund_year,
            focus_area__code=code,
            state__in=[ItemState.PROPOSED, ItemState.APPROVED, ItemState.IN_PUBLICITY, ItemState.FINAL],
            batch__state__in=["submitted", "decided"],
            project__isnull=True,
        )
        expected = sum((i.decided_amount if i.decided_amount is not None else i.amount) for i in live)
        assert reserved == expected, (code, reserved, expected)
    sources = (
        Contribution.objects.filter(fund_year=fund_year, state=ContributionState.RECORDED).aggregate(
            s=Sum("amount")
        )["s"]
        or zero
    )
    allocated = sum((row["s"] for row in approved), zero)
    pool_acct = Account.objects.filter(code=f"fund:{year}:pool").first()
    pool = ledger.balance(pool_acct) if pool_acct else zero
    assert sources == allocated + pool - sum(received.values(), zero), (sources, allocated, pool)
    # Nothing anywhere below zero that may not be, and every entry balanced.
    for acct in Account.objects.filter(year=year).exclude(kind=AccountKind.SOURCE):
        assert ledger.balance(acct) >= 0, acct.code
    assert (Posting.objects.filter(account__year=year).aggregate(s=Sum("amount"))["s"] or 0) == 0


def chain_verifies() -> None:
    result = audit.verify()
    assert result.ok, result


def scopes_hold(client) -> None:
    """Applicants see only their organisation, officers only their department, experts only what is
    assigned to them — in the scope querysets and over HTTP (another's record answers 404)."""
    all_apps = list(Application.objects.all())
    applicants = User.objects.filter(grants__role=Role.APPLICANT, grants__revoked_at__isnull=True).distinct()
    for user in applicants[:40]:
        user.forget_grants()
        own = user.organisation_ids()
        assert all(a.organisation_id in own for a in visible_applications(user)), user
        foreign = next((a for a in all_apps if a.organisation_id not in own), None)
        if foreign is not None and user.pk % 7 == 0:
            client.force_login(user)
            assert client.get(f"/applications/{foreign.pk}/").status_code == 404
            assert client.get(f"/api/applications/{foreign.pk}/").status_code == 404
            assert client.get(f"/library/{foreign.pk}/").status_code == 404
    officers = User.objects.filter(grants__role=Role.DEPARTMENT, grants__revoked_at__isnull=True).distinct()
    for user in officers:
        depts = user.department_ids()
        assert all(a.department_id in depts for a in visible_applications(user)), user
        foreign = next((a for a in all_apps if a.department_id not in depts), None)
        if foreign is not None:
            client.force_login(user)
            assert client.get(f"/applications/{foreign.pk}/").status_code == 404
    experts = User.objects.filter(grants__role=Role.EXPERT, grants__revoked_at__isnull=True).distinct()
    for user in experts[:20]:
        mine = set(Assignment.objects.filter(expert__user=user).values_list("pk", flat=True))
        assert set(visible_assignments(user).values_list("pk", flat=True)) <= mine
        assert not visible_applications(user).exclude(assignments__expert__user=user).exists()
        others = Assignment.objects.exclude(expert__user=user).first()
        if others is not None and user.pk % 5 == 0:
            client.force_login(user)
            assert client.get(f"/review/tasks/{others.pk}/").status_code == 404


def project_scopes_hold(client) -> None:
    """Units see only the projects they implement, department officers only those their department
    manages — in the scope querysets and over HTTP (pages and API), for projects and what hangs on them."""
    from techfund.projects.models import Project
    from techfund.projects.scopes import visible_projects

    projects = list(Project.objects.all())
    applicants = User.objects.filter(grants__role=Role.APPLICANT, grants__revoked_at__isnull=True).distinct()
    for user in applicants[:40]:
        user.forget_grants()
        own = user.organisation_ids()
        assert all(p.organisation_id in own for p in visible_projects(user)), user
        foreign = next((p for p in projects if p.organisation_id not in own), None)
        if foreign is not None and user.pk % 5 == 0:
            client.force_login(user)
            assert client.get(f"/projects/{foreign.pk}/").status_code == 404
            assert client.get(f"/api/projects/{foreign.pk}/").status_code == 404
            assert client.get(f"/monitoring/projects/{foreign.pk}/").status_code == 404
    officers = User.objects.filter(grants__role=Role.DEPARTMENT, grants__revoked_at__isnull=True).distinct()
    for user in officers:
        depts = user.department_ids()
        assert all(p.department_id in depts for p in visible_projects(user)), user
        foreign = next((p for p in projects if p.department_id not in depts), None)
        if foreign is not None:
            client.force_login(user)
            assert client.get(f"/projects/{foreign.pk}/").status_code == 404
            assert client.get(f"/api/projects/{foreign.pk}/").status_code == 404
    experts = User.objects.filter(grants__role=Role.EXPERT, grants__revoked_at__isnull=True).distinct()[:5]
    for user in experts:
        assert not visible_projects(user).exists()

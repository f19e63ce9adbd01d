"""What every lifecycle test asserts at the end of a year: money within allocations, the audit chain
intact, and every role's view limited to its scope (through the scopes and over HTTP)."""

from decimal import Decimal

from django.db.models import Sum

from techfund.applications.models import Application
from techfund.applications.scopes import visible_applications
from techfund.core.enums import AccountKind, Role
from techfund.core.models import Account, Posting, User
from techfund.core.services import audit, ledger
from techfund.review.models import Assignment
from techfund.review.scopes import visible_assignments


def allocations_never_exceeded(fund_year) -> None:
    """The ledger reconciles for the year, for every support mode: the product's reconciliation
    (``funds.reconcile``, tested on its own in tests/ledger) passes every check — per focus area
    allocation = area + reserved + projects + risk pools, reserved = the live items not yet arranged,
    per project arranged = paid + unpaid + released and disbursed = paid − recovered − returned −
    written off, sources = contributions, treasury confirmations posted once — and, counted here
    independently of it: nothing below zero that may not be, every posting of the year sums to zero,
    and the recorded contributions equal what the source accounts gave."""
    from techfund.funds.enums import ContributionState
    from techfund.funds.models import Contribution
    from techfund.funds.reconcile import reconcile

    year = fund_year.year
    report = reconcile(fund_year)
    assert report.ok, report.text()
    for acct in Account.objects.filter(year=year, may_go_negative=False):
        assert ledger.balance(acct) >= 0, acct.code
    # (SQLite sums decimals in floating point: compare to the fen.)
    total = Posting.objects.filter(account__year=year).aggregate(s=Sum("amount"))["s"] or 0
    assert Decimal(total).quantize(ledger.CENT) == 0, total
    recorded = Contribution.objects.filter(fund_year=fund_year, state=ContributionState.RECORDED).aggregate(
        s=Sum("amount")
    )["s"] or Decimal("0.00")
    given = -(
        Posting.objects.filter(
            account__year=year,
            account__kind=AccountKind.SOURCE,
            account__code__startswith=f"fund:{year}:source:",
        ).aggregate(s=Sum("amount"))["s"]
        or Decimal("0.00")
    )
    assert Decimal(recorded).quantize(ledger.CENT) == Decimal(given).quantize(ledger.CENT), (recorded, given)


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

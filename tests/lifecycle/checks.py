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
    """Per focus area: approved allocation = unreserved balance + reserved balance, both ≥ 0, and the
    reserved balance equals the live approved/proposed-and-submitted items' amounts."""
    year = fund_year.year
    approved = (
        Allocation.objects.filter(framework__fund_year=fund_year, framework__state=FrameworkState.APPROVED)
        .values("focus_area__code")
        .annotate(s=Sum("amount"))
    )
    for row in approved:
        code = row["focus_area__code"]
        area = ledger.balance(Account.objects.get(code=f"fund:{year}:area:{code}"))
        reserved_acct = Account.objects.filter(code=f"fund:{year}:reserved:{code}").first()
        reserved = ledger.balance(reserved_acct) if reserved_acct else Decimal("0.00")
        assert area >= 0 and reserved >= 0, code
        assert area + reserved == row["s"], code
        live = ProposalItem.objects.filter(
            batch__fund_year=fund_year,
            focus_area__code=code,
            state__in=[ItemState.PROPOSED, ItemState.APPROVED, ItemState.IN_PUBLICITY, ItemState.FINAL],
            batch__state__in=["submitted", "decided"],
        )
        expected = sum((i.decided_amount if i.decided_amount is not None else i.amount) for i in live)
        assert reserved == expected, (code, reserved, expected)
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

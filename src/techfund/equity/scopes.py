"""What each person may see of equity investments: those of the projects they see
(``techfund.projects.scopes.visible_projects``).

- office, leading group, finance, auditor: all (the whole portfolio, its totals and the pilot share);
- department officer: the investments of the projects their department manages;
- applicant: the investments in its own organisation (the investee);
- experts and administrators: none.
"""

from django.db.models import QuerySet

from techfund.core.enums import Role
from techfund.equity.models import Conversion, Exit, Investment, Stage, WriteOff
from techfund.projects.scopes import reads_all_projects, visible_projects

__all__ = [
    "reads_all_projects",
    "sees_equity",
    "visible_conversions",
    "visible_exits",
    "visible_investments",
    "visible_stages",
    "visible_write_offs",
]


def sees_equity(user) -> bool:
    """Whether the user has any equity pages at all (others get 404, as for a record outside scope)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return reads_all_projects(user) or bool(user.roles() & {Role.DEPARTMENT, Role.APPLICANT})


def visible_investments(user) -> QuerySet[Investment]:
    return Investment.objects.filter(project__in=visible_projects(user))


def visible_stages(user) -> QuerySet[Stage]:
    return Stage.objects.filter(investment__project__in=visible_projects(user))


def visible_conversions(user) -> QuerySet[Conversion]:
    return Conversion.objects.filter(investment__project__in=visible_projects(user))


def visible_write_offs(user) -> QuerySet[WriteOff]:
    return WriteOff.objects.filter(investment__project__in=visible_projects(user))


def visible_exits(user) -> QuerySet[Exit]:
    return Exit.objects.filter(investment__project__in=visible_projects(user))

"""What each person may see of competition prizes, due diligence and post-award payments.

- office, leading group, finance, auditor: everything;
- department officer: the due diligence of the finalists it routed, and the post-award projects it
  manages (their verification and payment);
- applicant: its own organisation's post-award projects and payments (never due diligence findings);
- experts and administrators: nothing.
"""

from django.db.models import QuerySet

from techfund.awards.models import AwardPayment, AwardVerification, DueDiligence
from techfund.calls.models import Call
from techfund.core.enums import Role
from techfund.policy.enums import EstablishmentMode, SupportMode
from techfund.projects.models import Project
from techfund.projects.scopes import reads_all_projects, visible_projects

__all__ = [
    "reads_all_projects",
    "sees_awards",
    "visible_award_payments",
    "visible_award_projects",
    "visible_competitions",
    "visible_diligence",
    "visible_verifications",
]


def _roles(user) -> set[str]:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    return user.roles()


def sees_awards(user) -> bool:
    """Whether the user has any awards pages at all (others get 404)."""
    return reads_all_projects(user) or bool(_roles(user) & {Role.DEPARTMENT, Role.APPLICANT})


def visible_competitions(user) -> QuerySet[Call]:
    """以赛代评 calls: the readers see their prize schedules; department officers see the calls (their
    schedules need ``awards.view_schedule``, which they lack: 403)."""
    qs = Call.objects.filter(establishment_mode=EstablishmentMode.COMPETITION)
    roles = _roles(user)
    if reads_all_projects(user) or Role.DEPARTMENT in roles:
        return qs
    return qs.none()


def visible_diligence(user) -> QuerySet[DueDiligence]:
    qs = DueDiligence.objects.all()
    if reads_all_projects(user):
        return qs
    if Role.DEPARTMENT in _roles(user):
        return qs.filter(application__department_id__in=user.department_ids())
    return qs.none()


def visible_award_projects(user) -> QuerySet[Project]:
    return visible_projects(user).filter(support_mode=SupportMode.POST_AWARD)


def visible_verifications(user) -> QuerySet[AwardVerification]:
    return AwardVerification.objects.filter(project__in=visible_projects(user))


def visible_award_payments(user) -> QuerySet[AwardPayment]:
    return AwardPayment.objects.filter(project__in=visible_projects(user))

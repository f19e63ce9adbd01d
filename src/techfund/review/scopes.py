"""What each person may see of expert review. Views, the API and ``require(..., visible=...)`` use
these querysets, so an object outside a person's scope answers 404 everywhere alike.

- office, leading group, finance, auditor: everything (experts, rounds, assignments, scores, results);
- expert: their own profile, their own assignments (with their own scores), the rounds and the
  applications assigned to them — never another expert's name or score, never another application;
- department officer: the closed-round results of their department's applications (no expert names);
- applicant: the closed-round results of their organisation's applications (no expert names);
- everyone else: nothing.
"""

from django.db.models import Q, QuerySet

from techfund.applications.models import Application
from techfund.calls.models import Call
from techfund.core.enums import Role
from techfund.review.enums import AssignmentState, RoundState
from techfund.review.models import Assignment, Expert, ReviewRound, RoundResult

#: Roles that read the whole of expert review.
READER_ROLES = frozenset({Role.OFFICE, Role.LEADING_GROUP, Role.FINANCE, Role.AUDITOR})
#: Assignments not yet scored (the expert may still accept, score or decline).
PENDING = (AssignmentState.ASSIGNED, AssignmentState.ACCEPTED)
#: Assignment states in which the expert holds the application (a declined one gives it back).
HOLDING = (*PENDING, AssignmentState.SUBMITTED)


def _roles(user) -> set[str]:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    return user.roles()


def reads_everything(user) -> bool:
    return bool(_roles(user) & READER_ROLES)


def expert_id_of(user) -> int | None:
    """The expert record of a person holding the expert role (cached on the user for the request)."""
    if Role.EXPERT not in _roles(user):
        return None
    cached = getattr(user, "_review_expert_id", None)
    if cached is None:
        cached = Expert.objects.filter(user=user).values_list("pk", flat=True).first()
        if cached is not None:
            user._review_expert_id = cached
    return cached


def visible_experts(user) -> QuerySet[Expert]:
    qs = Expert.objects.all()
    if reads_everything(user):
        return qs
    expert_id = expert_id_of(user)
    return qs.filter(pk=expert_id) if expert_id else qs.none()


def experts_without_account(user) -> QuerySet[Expert]:
    """Experts registered without a sign-in account (an import never creates accounts): the security
    administrator links one to them; the fund's readers see them in the pool."""
    qs = Expert.objects.filter(user__isnull=True)
    roles = _roles(user)
    return qs if roles & READER_ROLES or Role.SECADMIN in roles else qs.none()


def review_calls(user) -> QuerySet[Call]:
    """Calls whose review the person may organise or read (office and the fund's readers)."""
    qs = Call.objects.all()
    return qs if reads_everything(user) else qs.none()


def visible_assignments(user) -> QuerySet[Assignment]:
    qs = Assignment.objects.all()
    if reads_everything(user):
        return qs
    expert_id = expert_id_of(user)
    return qs.filter(expert_id=expert_id) if expert_id else qs.none()


def my_assignments(user) -> QuerySet[Assignment]:
    """An expert's own review tasks (office staff who are also experts get only their own here)."""
    expert_id = expert_id_of(user)
    qs = Assignment.objects.all()
    return qs.filter(expert_id=expert_id) if expert_id else qs.none()


def visible_rounds(user) -> QuerySet[ReviewRound]:
    """Readers: every round; an expert: the rounds they are on — assigned (declined included), on a
    panel of, or visited an application in."""
    from techfund.review.models import PanelMember, SiteVisit

    qs = ReviewRound.objects.all()
    if reads_everything(user):
        return qs
    expert_id = expert_id_of(user)
    if expert_id:
        return qs.filter(
            Q(pk__in=Assignment.objects.filter(expert_id=expert_id).values("round_id"))
            | Q(pk__in=PanelMember.objects.filter(expert_id=expert_id).values("panel__round_id"))
            | Q(pk__in=SiteVisit.objects.filter(experts__id=expert_id).values("round_id"))
        )
    return qs.none()


def visible_results(user) -> QuerySet[RoundResult]:
    qs = RoundResult.objects.filter(round__state=RoundState.CLOSED)
    if reads_everything(user):
        return qs
    roles, q = _roles(user), Q(pk__in=[])
    if Role.DEPARTMENT in roles:
        q |= Q(application__department_id__in=user.department_ids())
    if Role.APPLICANT in roles:
        q |= Q(application__organisation_id__in=user.organisation_ids())
    return qs.filter(q)


def review_applications(user) -> QuerySet[Application]:
    """Applications that have been put to review, as the person may see them.

    Readers: all of them; an expert: those assigned to them (and not declined); a department
    officer: their department's; an applicant: their organisation's."""
    qs = Application.objects.filter(pk__in=Assignment.objects.values("application_id"))
    if reads_everything(user):
        return qs
    roles, q = _roles(user), Q(pk__in=[])
    expert_id = expert_id_of(user)
    if expert_id:
        q |= Q(pk__in=_held_by(expert_id))
    if Role.DEPARTMENT in roles:
        q |= Q(department_id__in=user.department_ids())
    if Role.APPLICANT in roles:
        q |= Q(organisation_id__in=user.organisation_ids())
    return qs.filter(q)


def _held_by(expert_id: int):
    return Assignment.objects.filter(expert_id=expert_id, state__in=HOLDING).values("application_id")


def applications_for_expert(user) -> QuerySet[Application]:
    """The applications an expert holds (assigned or scored; a declined one is given back).

    The applications stage may union this into its own scope so an expert opens exactly these."""
    expert_id = expert_id_of(user)
    if not expert_id:
        return Application.objects.none()
    return Application.objects.filter(pk__in=_held_by(expert_id))


# ---------------------------------------------------------------- meetings and site visits (会议论证 / 现场考核)
# Readers see every panel, meeting and visit; an expert the panels they sit on (and those panels'
# meetings) and the visits they took part in; attachments of a visit only the office, the auditors
# and the visit's own experts. Everyone else (departments, applicants): nothing — they see results.

ATTACHMENT_READER_ROLES = frozenset({Role.OFFICE, Role.AUDITOR})


def visible_panels(user) -> QuerySet:
    from techfund.review.models import Panel

    qs = Panel.objects.all()
    if reads_everything(user):
        return qs
    expert_id = expert_id_of(user)
    return qs.filter(members__expert_id=expert_id).distinct() if expert_id else qs.none()


def visible_meetings(user) -> QuerySet:
    from techfund.review.models import Meeting

    qs = Meeting.objects.all()
    if reads_everything(user):
        return qs
    expert_id = expert_id_of(user)
    return qs.filter(panel__members__expert_id=expert_id).distinct() if expert_id else qs.none()


def visible_site_visits(user) -> QuerySet:
    from techfund.review.models import SiteVisit

    qs = SiteVisit.objects.all()
    if reads_everything(user):
        return qs
    expert_id = expert_id_of(user)
    return qs.filter(experts__id=expert_id).distinct() if expert_id else qs.none()


def visible_site_visit_attachments(user) -> QuerySet:
    from techfund.review.models import SiteVisitAttachment

    qs = SiteVisitAttachment.objects.all()
    if _roles(user) & ATTACHMENT_READER_ROLES:
        return qs
    expert_id = expert_id_of(user)
    return qs.filter(visit__experts__id=expert_id).distinct() if expert_id else qs.none()


# ---- pool: conflicts and exclusions ----


def visible_conflicts(user):
    """Conflict findings name experts: the office and the auditor see them, nobody else."""
    from techfund.review.models import ConflictFinding

    qs = ConflictFinding.objects.all()
    return qs if _roles(user) & {Role.OFFICE, Role.AUDITOR} else qs.none()


def visible_exclusions(user):
    """申请回避 lists: the fund's readers all of them, an applicant their organisation's (only what they
    typed — never whether such an expert exists)."""
    from techfund.review.models import Exclusion

    qs = Exclusion.objects.all()
    if reads_everything(user):
        return qs
    if Role.APPLICANT in _roles(user):
        return qs.filter(application__organisation_id__in=user.organisation_ids())
    return qs.none()


# ---- plans: assignment plans (专家分配方案) ----


def visible_plans(user):
    """Plans name experts: the fund's readers (office, leading group, finance, auditor) see them."""
    from techfund.review.models import AssignmentPlan

    qs = AssignmentPlan.objects.all()
    return qs if reads_everything(user) else qs.none()

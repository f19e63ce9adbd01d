"""The allowed moves of expert review's records, as data (see ``techfund.core.transitions``).

Review round (评审轮次)::

    draft ──open (≥ 1 assignment)──► open ──close (every application has a valid review)──► closed

Assignment (评审任务)::

    assigned ──accept──► accepted ──score──► submitted   (final: a submitted score is never changed)
        │  └─────────score (without accepting first)──────┘
        └──decline (回避/拒绝, reason)──► declined ◄──decline── accepted
    (a declined assignment of a random or optimal round gets a replacement at once: ``replaces``)
    (an assignment not yet scored may be withdrawn by the office: the row is removed, the trail keeps it)

The review's moves of an application (the applications stage owns the rest of its states)::

    formal_passed ──open round / assign in an open round──► in_review ──close round──► reviewed
    reviewed (in the previous round's results) ──next round──► in_review
    in_review ──last assignment withdrawn──► formal_passed | reviewed (where it came from)
"""

from django.utils.translation import gettext as _

from techfund.applications.enums import ApplicationState
from techfund.core.errors import ServiceError
from techfund.core.transitions import Move, Table
from techfund.review.enums import AssignmentState, RoundState
from techfund.review.scopes import HOLDING


def has_assignments(round_, **context) -> None:
    """Remote and site-visit rounds: ≥ 1 expert assigned (a site visit's selection is its assigned
    visiting experts). Meeting rounds: a panel with a scheduled meeting (``services.meetings``)."""
    if round_.method == "meeting":
        from techfund.review.services.meetings import check_can_open

        return check_can_open(round_)
    if not round_.assignments.filter(state__in=HOLDING).exists():
        raise ServiceError(
            _("“%(name)s”还没有分配任何评审专家，不能开始评审。") % {"name": round_.name},
            code="round_without_assignments",
        )


def unreviewed_applications(round_) -> list:
    """The round's applications that have no submitted score (by application number)."""
    from techfund.applications.models import Application

    in_round = round_.assignments.values("application_id")
    scored = round_.assignments.filter(state=AssignmentState.SUBMITTED).values("application_id")
    return list(Application.objects.filter(pk__in=in_round).exclude(pk__in=scored).order_by("number"))


def every_application_reviewed(round_, **context) -> None:
    """Remote rounds: a submitted score for every application. Meeting rounds: every agenda application
    voted at a held meeting, no meeting left planned. Site-visit rounds: a visit record for every
    selected application."""
    if round_.method == "meeting":
        from techfund.review.services.meetings import check_can_close

        return check_can_close(round_)
    if round_.method == "site_visit":
        from techfund.review.services.site_visits import check_can_close

        return check_can_close(round_)
    missing = unreviewed_applications(round_)
    if missing:
        raise ServiceError(
            _("以下申报项目还没有有效评审意见，不能结束本轮评审：%(apps)s。请补充分配专家或等待评分。")
            % {"apps": "、".join(f"{a.number}（{a.title}）" for a in missing)},
            code="round_has_unreviewed",
            errors={"applications": [a.number for a in missing]},
        )


ROUND = Table(
    {
        (RoundState.DRAFT, RoundState.OPEN): Move("review.manage_rounds", guard=has_assignments),
        (RoundState.OPEN, RoundState.CLOSED): Move("review.manage_rounds", guard=every_application_reviewed),
    },
    labels=RoundState,
)

ASSIGNMENT = Table(
    {
        (AssignmentState.ASSIGNED, AssignmentState.ACCEPTED): Move("review.accept"),
        (AssignmentState.ASSIGNED, AssignmentState.SUBMITTED): Move("review.score"),
        (AssignmentState.ACCEPTED, AssignmentState.SUBMITTED): Move("review.score"),
        (AssignmentState.ASSIGNED, AssignmentState.DECLINED): Move("review.decline"),
        (AssignmentState.ACCEPTED, AssignmentState.DECLINED): Move("review.decline"),
    },
    labels=AssignmentState,
)

#: The states in which an application may be given to a review round.
ASSIGNABLE = frozenset({ApplicationState.FORMAL_PASSED, ApplicationState.IN_REVIEW})

APPLICATION = Table(
    {
        (ApplicationState.FORMAL_PASSED, ApplicationState.IN_REVIEW): Move("review.manage_rounds"),
        (ApplicationState.REVIEWED, ApplicationState.IN_REVIEW): Move("review.manage_rounds"),
        (ApplicationState.IN_REVIEW, ApplicationState.REVIEWED): Move("review.manage_rounds"),
        (ApplicationState.IN_REVIEW, ApplicationState.FORMAL_PASSED): Move("review.assign"),
    },
    labels=ApplicationState,
)

"""How review moves an application: into review, out of it, and back where it came from.

Each move is checked against ``transitions.APPLICATION`` and written to the application's own trail,
so the project library shows when an application entered and left review, and why.
"""

from django.utils.translation import gettext as _

from techfund.applications.enums import ApplicationState
from techfund.core.errors import ServiceError
from techfund.core.services import audit
from techfund.review.enums import RoundState
from techfund.review.models import Assignment
from techfund.review.scopes import HOLDING
from techfund.review.transitions import APPLICATION


def _move(application, to: str, *, actor, role: str, action: str, round_, reason: str = "") -> None:
    before = application.state
    APPLICATION.check(application, to)
    application.state = to
    application.save(update_fields=["state", "updated_at"])
    audit.record(
        action,
        actor=actor,
        role=role,
        target=application,
        before={"state": before},
        after={"state": to},
        data={"round": round_.pk, "round_name": round_.name},
        reason=reason,
    )


def enter_review(application, *, actor, role: str, round_) -> None:
    """formal_passed / reviewed → in_review (already in review: nothing to do)."""
    if application.state == ApplicationState.IN_REVIEW:
        return
    if application.state not in (ApplicationState.FORMAL_PASSED, ApplicationState.REVIEWED):
        raise ServiceError(
            _("申报项目 %(n)s 当前状态为“%(s)s”，不能进入评审；请先撤销对它的评审分配。")
            % {"n": application.number, "s": application.get_state_display()},
            code="application_not_reviewable",
        )
    _move(
        application,
        ApplicationState.IN_REVIEW,
        actor=actor,
        role=role,
        action="review.application.entered",
        round_=round_,
    )


def _held_elsewhere(application, round_) -> bool:
    """Still held by an expert in another open round (then it stays in review)."""
    return (
        Assignment.objects.filter(application=application, round__state=RoundState.OPEN, state__in=HOLDING)
        .exclude(round=round_)
        .exists()
    )


def finish_review(application, *, actor, role: str, round_) -> None:
    """in_review → reviewed when the round closes (unless another open round still holds it)."""
    if application.state != ApplicationState.IN_REVIEW or _held_elsewhere(application, round_):
        return
    _move(
        application,
        ApplicationState.REVIEWED,
        actor=actor,
        role=role,
        action="review.application.reviewed",
        round_=round_,
    )


def leave_review(application, *, actor, role: str, round_, reason: str) -> None:
    """The last expert was withdrawn from an open round: in_review → back where it came from
    (reviewed if an earlier round has a result for it, else formal_passed)."""
    if application.state != ApplicationState.IN_REVIEW or _held_elsewhere(application, round_):
        return
    if Assignment.objects.filter(application=application, round=round_).exists():
        return  # still in this round (a declined assignment keeps it there until another expert scores)
    back = (
        ApplicationState.REVIEWED
        if application.round_results.filter(round__state=RoundState.CLOSED).exists()
        else ApplicationState.FORMAL_PASSED
    )
    _move(
        application,
        back,
        actor=actor,
        role=role,
        action="review.application.left",
        round_=round_,
        reason=reason,
    )

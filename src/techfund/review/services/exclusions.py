"""申请回避: the applicant organisation names experts who should not review its application (name,
workplace, reason) — at most the policy's ``review.max_exclusions`` — until the application goes to
review. Applicants never see the pool: the list shows only what they typed, and whether anyone in
the pool matches is for the office to see (``conflicts.py``, rule EXCLUDED).
"""

from django.db import transaction
from django.utils.translation import gettext as _

from techfund.applications.enums import ApplicationState
from techfund.applications.models import Application
from techfund.applications.scopes import visible_applications
from techfund.core.errors import ServiceError
from techfund.core.permissions import require
from techfund.core.services import audit
from techfund.core.validation import raise_errors, text
from techfund.review.models import Assignment, Exclusion
from techfund.review.services.conflicts import normalise_name

#: Until the formal check has passed and no expert is yet assigned, the list may change.
OPEN_STATES = frozenset(
    {
        ApplicationState.DRAFT,
        ApplicationState.SUBMITTED,
        ApplicationState.RETURNED,
        ApplicationState.RECOMMENDED,
        ApplicationState.FORWARDED,
        ApplicationState.FORMAL_PASSED,
    }
)


def max_exclusions(application: Application) -> int:
    """``review.max_exclusions`` of the application's fund year (0 when the policy does not set it)."""
    value = application.call.fund_year.profile.rule("review.max_exclusions")
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def can_change(application: Application) -> str:
    """Why the list may not change now ("" when it may)."""
    if application.state not in OPEN_STATES:
        return _("申报项目 %(n)s 当前为“%(s)s”，不能再修改申请回避的专家。") % {
            "n": application.number,
            "s": application.get_state_display(),
        }
    if Assignment.objects.filter(application=application).exists():
        return _("申报项目 %(n)s 已进入专家评审，不能再修改申请回避的专家。") % {"n": application.number}
    return ""


def _lock(application: Application) -> Application:
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("call__fund_year__profile")
        .get(pk=application.pk)
    )


def _snapshot(e: Exclusion) -> dict:
    return {"name": e.name, "organisation_name": e.organisation_name, "reason": e.reason}


@transaction.atomic
def add_exclusion(
    application: Application, *, actor, name: str, organisation_name: str = "", reason: str
) -> Exclusion:
    """申请回避一名专家 (name; workplace when known, to tell namesakes apart; why)."""
    application = _lock(application)
    role = require(actor, "review.manage_exclusions", application, visible=visible_applications(actor))
    why = can_change(application)
    if why:
        raise ServiceError(why, code="exclusions_closed")
    errors: dict = {}
    name = text(name, field="name", label=_("回避专家姓名"), max_length=50, required=True, errors=errors)
    organisation_name = text(
        organisation_name,
        field="organisation_name",
        label=_("回避专家工作单位"),
        max_length=200,
        required=False,
        errors=errors,
    )
    reason = text(reason, field="reason", label=_("回避理由"), max_length=300, required=True, errors=errors)
    raise_errors(errors, "exclusion_invalid", _("申请回避的信息有误，请按提示修改。"))
    limit = max_exclusions(application)
    existing = list(Exclusion.objects.filter(application=application))
    if len(existing) >= limit:
        if limit == 0:
            msg = _("本年度政策不允许申请回避评审专家。")
        else:
            msg = _("每个申报项目最多申请回避 %(n)s 名专家，已达上限。") % {"n": limit}
        raise ServiceError(msg, code="exclusions_full")
    key = (normalise_name(name), normalise_name(organisation_name))
    if any((normalise_name(e.name), normalise_name(e.organisation_name)) == key for e in existing):
        msg = _("已申请回避专家%(name)s。") % {"name": name}
        raise ServiceError(msg, code="exclusion_exists", errors={"name": [msg]})
    exclusion = Exclusion.objects.create(
        application=application,
        name=name,
        organisation_name=organisation_name,
        reason=reason,
        created_by=actor,
    )
    audit.record(
        "review.exclusion.added", actor=actor, role=role, target=application, after=_snapshot(exclusion)
    )
    return exclusion


@transaction.atomic
def remove_exclusion(exclusion: Exclusion, *, actor) -> None:
    """撤回申请回避 (the trail keeps what was asked)."""
    gone = ServiceError(_("已撤回该申请回避。"), code="already_removed")  # a simultaneous request did
    application_id = (
        Exclusion.objects.filter(pk=exclusion.pk).values_list("application_id", flat=True).first()
    )
    if application_id is None:
        raise gone
    application = _lock(Application(pk=application_id))
    exclusion = Exclusion.objects.filter(pk=exclusion.pk).first()
    if exclusion is None:
        raise gone
    role = require(actor, "review.manage_exclusions", application, visible=visible_applications(actor))
    why = can_change(application)
    if why:
        raise ServiceError(why, code="exclusions_closed")
    audit.record(
        "review.exclusion.removed", actor=actor, role=role, target=application, before=_snapshot(exclusion)
    )
    exclusion.delete()

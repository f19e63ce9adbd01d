"""This stage's part of each role's home page: pending work and links (registered in ``apps.py``).

- applicant: drafts to submit, claims returned to it;
- department: submitted claims of its projects to verify;
- finance: verified claims to approve, approved claims to instruct;
- office: nothing pending, but the reference-rate table's link.
"""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from techfund.core.enums import Role
from techfund.core.home import Pending, register_link, register_pending
from techfund.funds.validation import fmt
from techfund.subsidies.enums import ClaimState
from techfund.subsidies.scopes import visible_claims


def _claims(user, state):
    return visible_claims(user).filter(state=state).select_related("project", "organisation").order_by("id")


def _item(c, kind) -> Pending:
    return Pending(
        title=f"{c.number} {c.organisation.name}",
        url=reverse("subsidies:claim_detail", args=[c.pk]),
        kind=kind,
        detail=_("贴息 %(amount)s 元，%(a)s 至 %(b)s")
        % {"amount": fmt(c.amount), "a": c.period_start.isoformat(), "b": c.period_end.isoformat()},
    )


def drafts_to_submit(user):
    for c in _claims(user, ClaimState.DRAFT).filter(project__organisation_id__in=user.organisation_ids()):
        yield _item(c, _("贴息申请草稿，待提交"))


def returned_to_unit(user):
    for c in _claims(user, ClaimState.REJECTED).filter(project__organisation_id__in=user.organisation_ids())[
        :20
    ]:
        yield _item(c, _("贴息申请未通过"))


def to_verify(user):
    for c in (
        _claims(user, ClaimState.SUBMITTED)
        .filter(project__department_id__in=user.department_ids())
        .exclude(submitted_by=user)
    ):
        yield _item(c, _("贴息申请待主管部门审核"))


def to_approve(user):
    for c in _claims(user, ClaimState.VERIFIED).exclude(submitted_by=user).exclude(verified_by=user):
        yield _item(c, _("贴息申请待财政部门审批"))


def to_instruct(user):
    for c in _claims(user, ClaimState.APPROVED):
        yield _item(c, _("贴息申请待下达国库支付指令"))


_registered = False


def register() -> None:
    global _registered
    if _registered:
        return
    _registered = True
    register_pending(Role.APPLICANT)(drafts_to_submit)
    register_pending(Role.APPLICANT)(returned_to_unit)
    register_pending(Role.DEPARTMENT)(to_verify)
    register_pending(Role.FINANCE)(to_approve)
    register_pending(Role.FINANCE)(to_instruct)
    for role in (
        Role.OFFICE,
        Role.FINANCE,
        Role.LEADING_GROUP,
        Role.AUDITOR,
        Role.DEPARTMENT,
        Role.APPLICANT,
    ):
        register_link(role, "subsidies:overview", gettext_lazy("贷款贴息"))

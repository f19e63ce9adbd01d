"""This stage's part of each role's home page: pending work and links (registered in ``apps.py``).

- office: claims waiting for the managing agency's review (not those one recorded oneself), and
  loans with filing gaps;
- department officer: claims of its department's pools waiting for approval;
- finance: approved claims to pay through the treasury.
"""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from techfund.core.enums import Role
from techfund.core.home import Pending, register_link, register_pending
from techfund.funds.validation import fmt
from techfund.riskpool.enums import ClaimState
from techfund.riskpool.rules import may_approve, may_pay, may_review
from techfund.riskpool.scopes import visible_claims

RELATED = ("loan__borrower", "loan__bank__organisation", "pool__fund_year__profile")


def _pending(user, state, check, kind):
    qs = visible_claims(user).filter(state__in=state).select_related(*RELATED).order_by("claimed_at", "id")
    for c in qs:
        if check(user, c):
            yield Pending(
                title=f"{c.number} {c.loan.borrower.name}",
                url=reverse("riskpool:claim_detail", args=[c.pk]),
                kind=kind,
                detail=_("%(bank)s 本金损失 %(loss)s 元，核定补偿 %(c)s 元")
                % {"bank": c.loan.bank, "loss": fmt(c.loss), "c": fmt(c.compensation)},
            )


def claims_to_review(user):
    yield from _pending(user, [ClaimState.CLAIMED], may_review, _("代偿申请待管理机构审核"))


def claims_to_approve(user):
    yield from _pending(
        user, [ClaimState.CLAIMED, ClaimState.REVIEWED], may_approve, _("代偿申请待主管部门审批")
    )


def claims_to_pay(user):
    yield from _pending(user, [ClaimState.APPROVED], may_pay, _("代偿补偿待下达国库支付指令"))


_registered = False


def register() -> None:
    global _registered
    if _registered:
        return
    _registered = True
    register_pending(Role.OFFICE)(claims_to_review)
    register_pending(Role.DEPARTMENT)(claims_to_approve)
    register_pending(Role.FINANCE)(claims_to_pay)
    for role in (Role.OFFICE, Role.FINANCE, Role.LEADING_GROUP, Role.AUDITOR, Role.DEPARTMENT):
        register_link(role, "riskpool:overview", gettext_lazy("风险补偿"))

"""This stage's part of each role's home page: pending work and links (registered in ``apps.py``)."""

from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from techfund.core.enums import Role
from techfund.core.home import Pending, register_link, register_pending
from techfund.decisions.enums import BatchState, ItemState, ObjectionState, PublicityState
from techfund.decisions.scopes import visible_batches, visible_items, visible_objections, visible_publicities
from techfund.decisions.transitions import fmt_date
from techfund.funds.validation import fmt


def _batches(user, state):
    return (
        visible_batches(user)
        .filter(state=state)
        .select_related("fund_year")
        .annotate(n=Count("items"), total=Sum("items__amount"))
        .order_by("fund_year__year", "number")
    )


def batches_to_decide(user):
    qs = _batches(user, BatchState.SUBMITTED).annotate(
        open_n=Count("items", filter=Q(items__state=ItemState.PROPOSED))
    )
    for b in qs:
        yield Pending(
            title=b.title,
            url=reverse("decisions:batch_detail", args=[b.pk]),
            kind=_("立项建议待审定"),
            detail=_("%(n)s项，合计 %(total)s 元；待审定 %(open)s 项")
            % {"n": b.n, "total": fmt(b.total or 0), "open": b.open_n},
        )


def batches_to_submit(user):
    for b in _batches(user, BatchState.DRAFT):
        if b.n:
            yield Pending(
                title=b.title,
                url=reverse("decisions:batch_detail", args=[b.pk]),
                kind=_("立项建议草稿，待报领导小组"),
                detail=_("%(n)s项，合计 %(total)s 元") % {"n": b.n, "total": fmt(b.total or 0)},
            )


def objections_to_resolve(user):
    qs = (
        visible_objections(user)
        .filter(state=ObjectionState.OPEN)
        .select_related("item__application", "publicity")
        .order_by("filed_at", "id")
    )
    for o in qs:
        yield Pending(
            title=o.item.application.title,
            url=reverse("decisions:objection_detail", args=[o.pk]),
            kind=_("公示异议待处理"),
            detail=o.publicity.title,
        )


def publicities_to_end(user):
    today = timezone.localdate()
    qs = (
        visible_publicities(user)
        .filter(state=PublicityState.OPEN, ends_on__lt=today)
        .order_by("ends_on", "id")
    )
    for p in qs:
        yield Pending(
            title=p.title,
            url=reverse("decisions:publicity_detail", args=[p.pk]),
            kind=_("公示期满，待办结"),
            detail=_("公示期至%(end)s") % {"end": fmt_date(p.ends_on)},
        )


def items_to_publicise(user):
    rows = (
        visible_items(user)
        .filter(state=ItemState.APPROVED, publicity__isnull=True)
        .values("batch__fund_year__year")
        .annotate(n=Count("id"), total=Sum("decided_amount"))
        .order_by("batch__fund_year__year")
    )
    for r in rows:
        year = r["batch__fund_year__year"]
        yield Pending(
            title=_("%(year)s年度 %(n)s 个审定项目待公示") % {"year": year, "n": r["n"]},
            url=reverse("decisions:publicity_new") + f"?year={year}",
            kind=_("审定同意，待公示"),
            detail=_("合计 %(total)s 元") % {"total": fmt(r["total"] or 0)},
        )


_registered = False


def register() -> None:
    global _registered
    if _registered:
        return
    _registered = True
    register_pending(Role.LEADING_GROUP)(batches_to_decide)
    register_pending(Role.OFFICE)(batches_to_submit)
    register_pending(Role.OFFICE)(objections_to_resolve)
    register_pending(Role.OFFICE)(publicities_to_end)
    register_pending(Role.OFFICE)(items_to_publicise)
    for role in (Role.OFFICE, Role.LEADING_GROUP, Role.FINANCE, Role.AUDITOR):
        register_link(role, "decisions:batch_list", gettext_lazy("立项建议与审定"))
        register_link(role, "decisions:publicity_list", gettext_lazy("立项公示"))
    for role in (
        Role.OFFICE,
        Role.LEADING_GROUP,
        Role.FINANCE,
        Role.AUDITOR,
        Role.DEPARTMENT,
        Role.APPLICANT,
    ):
        register_link(role, "decisions:item_list", gettext_lazy("立项项目"))

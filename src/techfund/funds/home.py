"""The annual fund's part of each role's home page: pending work and links (registered in ``apps.py``)."""

from django.db.models import OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from techfund.core.enums import Role
from techfund.core.home import Pending, register_link, register_pending
from techfund.funds.enums import ContributionState, FrameworkState
from techfund.funds.models import Contribution, FundYear
from techfund.funds.scopes import visible_frameworks, visible_fund_years
from techfund.funds.validation import fmt


def _framework_items(user, state: str, kind: str):
    qs = (
        visible_frameworks(user)
        .filter(state=state)
        .select_related("fund_year")
        .annotate(
            total=Coalesce(Sum("allocations__amount"), Value(0), output_field=Contribution.amount.field)
        )
        .order_by("fund_year__year", "number")
    )
    for fw in qs:
        detail = _("合计 %(total)s 元") % {"total": fmt(fw.total)}
        if state == FrameworkState.RETURNED and fw.decision_reason:
            detail += _("；退回理由：%(reason)s") % {"reason": fw.decision_reason}
        yield Pending(
            title=fw.title, url=reverse("funds:framework_detail", args=[fw.pk]), kind=kind, detail=detail
        )


def frameworks_to_decide(user):
    yield from _framework_items(user, FrameworkState.SUBMITTED, _("框架配置待审定"))


def frameworks_to_revise(user):
    yield from _framework_items(user, FrameworkState.RETURNED, _("框架配置被退回，待修改"))


def frameworks_to_submit(user):
    yield from _framework_items(user, FrameworkState.DRAFT, _("框架配置草稿，待报领导小组"))


def with_contributed_total(qs):
    """Annotate each fund year with the total of its recorded contributions (one query for any number)."""
    total = (
        Contribution.objects.filter(fund_year=OuterRef("pk"), state=ContributionState.RECORDED)
        .values("fund_year")
        .annotate(s=Sum("amount"))
        .values("s")
    )
    return qs.annotate(
        contributed_total=Coalesce(Subquery(total), Value(0), output_field=Contribution.amount.field)
    )


def fund_years_below_minimum(user):
    for fy in with_contributed_total(visible_fund_years(user).select_related("profile")):
        minimum = fy.profile.min_annual_scale
        if minimum is not None and fy.contributed_total < minimum:
            yield Pending(
                title=fy.name,
                url=reverse("funds:year_detail", args=[fy.year]),
                kind=_("资金规模低于最低要求"),
                detail=_("已入池 %(total)s 元，最低 %(min)s 元")
                % {"total": fmt(fy.contributed_total), "min": fmt(minimum)},
            )


def fund_year_to_open(user):
    year = timezone.localdate().year
    if not FundYear.objects.filter(year=year).exists():
        yield Pending(
            title=_("设立 %(year)s 年度资金") % {"year": year},
            url=reverse("funds:year_open"),
            kind=_("年度资金尚未设立"),
        )


_registered = False


def register() -> None:
    global _registered
    if _registered:
        return
    _registered = True
    register_pending(Role.LEADING_GROUP)(frameworks_to_decide)
    register_pending(Role.OFFICE)(fund_year_to_open)
    register_pending(Role.OFFICE)(frameworks_to_revise)
    register_pending(Role.OFFICE)(frameworks_to_submit)
    register_pending(Role.OFFICE)(fund_years_below_minimum)
    for role in (Role.OFFICE, Role.LEADING_GROUP, Role.FINANCE, Role.AUDITOR, Role.DEPARTMENT):
        register_link(role, "funds:year_list", gettext_lazy("年度资金"))

"""This stage's part of each role's home page: the office's reminder to report the current quarter,
and the report page's link for the fund's readers (registered in ``apps.py``)."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from techfund.core.enums import Role
from techfund.core.home import Pending, register_link, register_pending
from techfund.reports.models import ReportRun
from techfund.reports.scopes import reportable_years


def quarter_to_report(user):
    """The current quarter of the latest fund year begun by then, while the office has not generated its report."""
    from techfund.reports.services import current_quarter

    current = current_quarter(reportable_years(user))
    if current is None:
        return
    fy, start, end = current
    if ReportRun.objects.filter(fund_year=fy, start=start, end=end).exists():
        return
    yield Pending(
        title=_("%(year)s年度 %(s)s 至 %(e)s 定期调度报告") % {"year": fy.year, "s": start, "e": end},
        url=reverse("reports:index") + f"?year={fy.year}&start={start}&end={end}",
        kind=_("本季度定期调度报告待生成"),
        detail=_("生成 Excel 工作簿或 PDF 报告，报领导小组"),
    )


_registered = False


def register() -> None:
    global _registered
    if _registered:
        return
    _registered = True
    register_pending(Role.OFFICE)(quarter_to_report)
    for role in (Role.OFFICE, Role.LEADING_GROUP, Role.FINANCE, Role.AUDITOR):
        register_link(role, "reports:index", gettext_lazy("定期调度报告"))

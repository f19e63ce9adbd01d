"""The office-maintained working-day calendar (工作日历).

Publicity periods and deadlines are counted in Chinese working days: weekends and statutory holidays
are off, make-up days (调休) are on. The ``chinesecalendar`` package carries the State Council's
schedule up to its release year; for any later year, or to correct a day, the office records the
days here, and a row here always wins. A date in a year with neither gets a clear message, never a
silent wrong count (see ``techfund.core.workdays``).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarDay(models.Model):
    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("是否工作日"))
    note = models.CharField(_("说明"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("工作日历")
        verbose_name_plural = _("工作日历")

    def __str__(self) -> str:
        return f"{self.date} {'工作日' if self.is_workday else '休息日'}"


class CalendarYear(models.Model):
    """A year the office has entered completely (its holidays and make-up days are all recorded)."""

    year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    complete = models.BooleanField(_("已完整录入"), default=False)
    document = models.CharField(_("依据（国务院办公厅通知文号）"), max_length=200, blank=True)

    class Meta:
        ordering = ["year"]
        verbose_name = _("工作日历年度")
        verbose_name_plural = _("工作日历年度")

    def __str__(self) -> str:
        return str(self.year)

"""Counting Chinese working days (for publicity periods and deadlines).

Sources, in order: a ``CalendarDay`` row recorded by the office; then, for a year the office marked
complete (``CalendarYear``), weekends off and weekdays on; then the ``chinesecalendar`` package for
the years it carries. A date outside all of them raises a ``ServiceError`` that says which year is
missing and what to do — a count is never silently wrong.
"""

import datetime as dt
from functools import lru_cache

import chinese_calendar
from django.db import transaction
from django.utils.translation import gettext as _

from techfund.core.errors import ServiceError
from techfund.core.models import CalendarDay, CalendarYear
from techfund.core.permissions import require
from techfund.core.services import audit


@lru_cache(maxsize=1)
def package_years() -> tuple[int, int]:
    years = [d.year for d in chinese_calendar.holidays] + [d.year for d in chinese_calendar.workdays]
    return min(years), max(years)


class Calendar:
    """One lookup of the office's rows for a date range, so counting many days costs two queries."""

    def __init__(self, start: dt.date, end: dt.date):
        self.overrides = dict(
            CalendarDay.objects.filter(date__range=(start, end)).values_list("date", "is_workday")
        )
        self.complete_years = set(CalendarYear.objects.filter(complete=True).values_list("year", flat=True))

    def is_workday(self, day: dt.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        if day.year in self.complete_years:
            return day.weekday() < 5
        first, last = package_years()
        if first <= day.year <= last:
            return chinese_calendar.is_workday(day)
        raise ServiceError(
            _(
                "%(year)d年的法定节假日和调休安排尚未录入（内置日历只到%(last)d年）。"
                "请领导小组办公室先在“工作日历”中录入%(year)d年的安排。"
            )
            % {"year": day.year, "last": last},
            code="calendar_missing",
        )


def is_workday(day: dt.date) -> bool:
    return Calendar(day, day).is_workday(day)


def add_working_days(start: dt.date, n: int) -> dt.date:
    """The date of the n-th working day counting ``start`` itself when it is a working day.

    A publicity of 5 working days starting on a Monday with no holiday ends on that Friday.
    """
    if n < 1:
        raise ServiceError(_("工作日数必须至少为1。"), code="workdays_invalid")
    cal = Calendar(start, start + dt.timedelta(days=n * 3 + 30))
    day, counted = start, 0
    while True:
        if cal.is_workday(day):
            counted += 1
            if counted == n:
                return day
        day += dt.timedelta(days=1)


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days from ``start`` to ``end`` inclusive."""
    cal = Calendar(start, end)
    return sum(1 for i in range((end - start).days + 1) if cal.is_workday(start + dt.timedelta(days=i)))


@transaction.atomic
def set_day(*, actor, date: dt.date, is_workday: bool, note: str = "") -> CalendarDay:
    role = require(actor, "core.maintain_calendar")
    existing = CalendarDay.objects.select_for_update().filter(date=date).first()
    before = {"is_workday": existing.is_workday, "note": existing.note} if existing else None
    day, _created = CalendarDay.objects.update_or_create(
        date=date, defaults={"is_workday": is_workday, "note": note, "recorded_by": actor}
    )
    audit.record(
        "calendar.day_set",
        actor=actor,
        role=role,
        target=day,
        before=before,
        after={"date": date, "is_workday": is_workday, "note": note},
    )
    return day


@transaction.atomic
def mark_year_complete(*, actor, year: int, document: str) -> CalendarYear:
    role = require(actor, "core.maintain_calendar")
    if not (document or "").strip():
        raise ServiceError(
            _("请填写所依据的节假日安排通知文号。"),
            code="document_required",
            errors={"document": [_("请填写依据。")]},
        )
    cy, _created = CalendarYear.objects.update_or_create(
        year=year, defaults={"complete": True, "document": document}
    )
    audit.record(
        "calendar.year_complete",
        actor=actor,
        role=role,
        target=cy,
        after={"year": year, "document": document},
    )
    return cy

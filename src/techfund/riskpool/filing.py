"""The monthly filing rule (月度备案), precisely.

- The bank files each covered loan once a month: the filing for month M reports the loan's outstanding
  balance at the end of M and is due by day ``filing_due_day`` of month M+1 (policy
  ``risk_compensation.filing_due_day``). It may not be filed before M has ended.
- A filing made after its due date is recorded but *late*: it does not count.
- The months a loan must be filed for run from its start month to its end month (or the month it
  defaulted). A month whose due date has passed without an on-time filing is a **gap**, flagged on
  the loan register.
- A default dated in month M is compensable only when month M has an on-time filing: a loan not
  filed for a month is not covered for defaults in that month. (Gaps in other months are flagged but
  do not by themselves bar a default in a month that was filed.)
"""

import datetime as dt


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(month: dt.date) -> dt.date:
    return dt.date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def due_on(month: dt.date, rules: dict) -> dt.date:
    """The deadline of the filing for ``month``: day ``filing_due_day`` of the next month."""
    return next_month(month).replace(day=int(rules["filing_due_day"]))


def months(first: dt.date, last: dt.date) -> list[dt.date]:
    """The first days of every month from ``first``'s to ``last``'s, inclusive."""
    out, m, end = [], month_start(first), month_start(last)
    while m <= end:
        out.append(m)
        m = next_month(m)
    return out


def required_months(loan, *, until: dt.date | None = None) -> list[dt.date]:
    """The months the loan must be filed for: start month to end month, stopping at ``until``'s month."""
    last = loan.end_date if until is None else min(loan.end_date, until)
    return months(loan.start_date, last) if last >= loan.start_date else []


def gaps(loan, filings, rules: dict, *, today: dt.date, until: dt.date | None = None) -> list[dt.date]:
    """The months (first days) whose filing was due by ``today`` and is missing or late."""
    on_time = {f.month for f in filings if f.filed_on <= f.due_on}
    return [m for m in required_months(loan, until=until) if due_on(m, rules) < today and m not in on_time]


def covered_in(filings, default_date: dt.date) -> bool:
    """Whether a default on ``default_date`` falls in a month with an on-time filing."""
    month = month_start(default_date)
    return any(f.month == month and f.filed_on <= f.due_on for f in filings)

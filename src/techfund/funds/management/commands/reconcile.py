"""Reconcile one fund year's ledger (funds/reconcile.py) and print every check.

    manage.py reconcile --year 2026                 # the checks; exit 0 when all pass, 1 otherwise
    manage.py reconcile --year 2026 --xlsx out.xlsx # also the checks and offending records as Excel

Reads only; it records nothing (so it can run against a replica or a restored backup).
"""

import time

from django.core.management.base import BaseCommand, CommandError

from techfund.funds.models import FundYear
from techfund.funds.reconcile import reconcile


class Command(BaseCommand):
    help = "Reconcile a fund year's ledger with its records; exit 1 when any check fails."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True, help="the fund year, e.g. 2026")
        parser.add_argument("--xlsx", metavar="PATH", help="also write the report as an Excel workbook")
        parser.add_argument(
            "--offenders", type=int, default=5, help="offending records printed per check (default 5)"
        )

    def handle(self, *args, year, xlsx=None, offenders=5, **options):
        fund_year = FundYear.objects.filter(year=year).first()
        if fund_year is None:
            raise CommandError(f"no fund year {year}", returncode=2)
        started = time.perf_counter()
        report = reconcile(fund_year)
        elapsed = time.perf_counter() - started
        self.stdout.write(report.text(offenders=max(0, offenders)))
        self.stdout.write(f"({len(report.checks)} checks, {elapsed:.2f} s)")
        if xlsx:
            with open(xlsx, "wb") as fh:
                fh.write(report.xlsx())
            self.stdout.write(f"→ {xlsx}")
        if not report.ok:
            raise CommandError(f"FAILED: {', '.join(c.code for c in report.failed)}", returncode=1)

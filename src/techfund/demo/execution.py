"""After the final list: a demo year's projects driven through the services, as the city runs them.

Two cohorts share one database:

- the previous year's projects (立项 in July and September of that year) were contracted and paid in
  the autumn, reported on every six months, checked at mid-term and paid their second tranche; the
  short ones finished this summer and have been evaluated; some ran into trouble (rectification,
  escalation, suspension, termination with recovery);
- this year's projects are being arranged, contracted and paid their first tranche, with work still
  open on every desk (items to arrange, contracts to sign, tranches to pay), plus an emergency
  一事一议 project.

Every step is a service call by the role that takes it, with the business date passed as ``today``.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

from techfund.decisions.enums import ItemState
from techfund.decisions.models import ProposalItem
from techfund.projects import services as projects
from techfund.projects.enums import ProjectState
from techfund.projects.models import Project


def add_months(day: dt.date, months: int) -> dt.date:
    m = day.month - 1 + months
    y, m = day.year + m // 12, m % 12 + 1
    last = [
        31,
        29 if y % 4 == 0 and (y % 100 != 0 or y % 400 == 0) else 28,
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ]
    return dt.date(y, m, min(day.day, last[m - 1]))


class Execution:
    def __init__(self, preset: str, users: dict, rng: random.Random, *, applicant_for, log=print):
        self.preset, self.users, self.rng, self.log = preset, users, rng, log
        self.applicant_for = applicant_for
        self.office, self.leader, self.finance = users["office"], users["leader"], users["finance"]
        self.counts: dict[str, int] = defaultdict(int)

    def officer(self, project):
        return self.users["departments"].get(project.department.code, self.office)

    # ------------------------------------------------------------------ budget, contract, payment
    def arrange(self, fund_year, *, leave: int = 0, unapproved_every: int = 0) -> list[Project]:
        """Finance arranges every final grant item of the year (``leave`` of them still waiting)."""
        items = list(
            ProposalItem.objects.filter(
                batch__fund_year=fund_year, state=ItemState.FINAL, project__isnull=True, support_mode="grant"
            )
            .select_related("application")
            .order_by("batch__number", "id")
        )
        if leave:
            items = items[:-leave]
        out = []
        for i, item in enumerate(items):
            statutory = not (unapproved_every and i % unapproved_every == unapproved_every - 1)
            out.append(
                projects.arrange_item(
                    item,
                    actor=self.finance,
                    fiscal_year=fund_year.year,
                    statutory_approved=statutory,
                    note=f"列入{fund_year.year}年度市级科技创新发展资金预算",
                )
            )
        return out

    def contract(self, project, *, start: dt.date, months: int, signed_on: dt.date | None, unit_only=False):
        """The office draws up the 任务书; the unit and the department sign it on ``signed_on``."""
        end = add_months(start, months) - dt.timedelta(days=1)
        milestones = [
            {
                "due_date": add_months(start, months // 2) - dt.timedelta(days=1),
                "description": "完成关键技术攻关和样机（样品）研制，通过阶段检查",
            },
            {"due_date": end, "description": "完成全部研究任务和示范应用，提交绩效自评报告"},
        ]
        contract = projects.generate_contract(
            project, actor=self.office, start_date=start, end_date=end, milestones=milestones
        )
        if signed_on is None:
            return contract
        unit = self.applicant_for(project.organisation)
        projects.sign_contract(
            contract, actor=unit, signatory=project.organisation.contact_name or "项目负责人", today=signed_on
        )
        if not unit_only:
            projects.sign_contract(
                contract, actor=self.officer(project), signatory="业务处负责人", today=signed_on
            )
        return contract

    def pay(self, project, seq: int, paid_on: dt.date, today: dt.date | None = None):
        tranche = project.contract.tranches.get(seq=seq)
        ref = f"GK{paid_on:%Y%m%d}{project.number[-4:]}{seq}"
        return projects.pay_tranche(
            tranche, actor=self.finance, treasury_ref=ref, paid_on=paid_on, today=today or paid_on
        )

    # ------------------------------------------------------------------ the two cohorts
    def day(self, d: dt.date) -> dt.date:
        """A business date, never later than today (the demo may run early in a year)."""
        from django.utils import timezone

        return min(d, timezone.localdate())

    def run(self, prev_fy, fy) -> dict:
        self.previous_cohort(prev_fy)
        self.current_cohort(fy)
        for state in ProjectState.values:
            self.counts[f"project_{state}"] = Project.objects.filter(state=state).count()
        return dict(self.counts)

    def previous_cohort(self, fund_year) -> list[Project]:
        """Last year's projects: contracted in the autumn, both tranches paid by this autumn."""
        year = fund_year.year
        self.log(f"  {year}年度项目：预算安排、任务书、拨付 …")
        done = self.arrange(fund_year)
        for i, project in enumerate(done):
            batch = project.item.batch.number
            signed_on = dt.date(year, 8, 12) if batch == 1 else dt.date(year, 10, 16)
            signed_on += dt.timedelta(days=i % 9)
            start = add_months(signed_on.replace(day=1), 1)
            # Two in three are one-year projects (finished this summer); the rest run two years.
            months = 12 if i % 3 != 2 else 24
            self.contract(project, start=start, months=months, signed_on=signed_on)
            project.refresh_from_db()
            self.pay(project, 1, signed_on + dt.timedelta(days=18 + i % 10))
        self.prev_projects = done
        return done

    def current_cohort(self, fund_year) -> list[Project]:
        """This year's projects: most contracted and paid their first tranche; work left on every desk."""
        year = fund_year.year
        self.log(f"  {year}年度项目：预算安排、任务书、拨付 …")
        done = self.arrange(fund_year, leave=2, unapproved_every=9)
        for i, project in enumerate(done):
            signed_on = self.day(dt.date(year, 8, 18) + dt.timedelta(days=i % 12))
            if i % 11 == 5:
                self.contract(
                    project, start=dt.date(year, 9, 1), months=24, signed_on=None
                )  # awaiting signatures
                continue
            if i % 11 == 8:
                continue  # no 任务书 yet
            unit_only = i % 11 == 2
            self.contract(
                project, start=dt.date(year, 9, 1), months=24, signed_on=signed_on, unit_only=unit_only
            )
            project.refresh_from_db()
            if unit_only or not project.statutory_approved or i % 13 == 7:
                continue  # not payable yet / first tranche still due
            self.pay(project, 1, self.day(signed_on + dt.timedelta(days=21)))
        self.current_projects = done
        return done

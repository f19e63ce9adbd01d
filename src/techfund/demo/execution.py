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
from decimal import Decimal

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
        self.instrument_projects: list[Project] = []

    def officer(self, project):
        return self.users["departments"].get(project.department.code, self.office)

    # ------------------------------------------------------------------ budget, contract, payment
    def arrange(self, fund_year, *, leave: int = 0, unapproved_every: int = 0) -> list[Project]:
        """Finance arranges every final item of the year, whatever its support mode (``leave`` of them
        still waiting)."""
        items = list(
            ProposalItem.objects.filter(
                batch__fund_year=fund_year, state=ItemState.FINAL, project__isnull=True
            )
            .select_related("application")
            .order_by("batch__number", "id")
        )
        if leave:
            items = items[: -min(leave, max(1, len(items) // 4))]
        out = []
        for i, item in enumerate(items):
            # A few (at least the last) wait for the statutory approval before they may be paid.
            statutory = not (
                unapproved_every and (i % unapproved_every == unapproved_every - 1 or i == len(items) - 1)
            )
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

    def grants(self, arranged: list[Project], *, start: dt.date) -> list[Project]:
        """The grants of ``arranged`` (paid by tranches below); the other modes' projects get their
        任务书 (investment / subsidy / award agreement) signed here and are paid by their instruments
        (``instruments``)."""
        others = [p for p in arranged if p.support_mode != "grant"]
        for i, project in enumerate(others):
            signed_on = self.day(start - dt.timedelta(days=20 - i % 7))
            self.contract(project, start=start, months=24, signed_on=signed_on)
            project.refresh_from_db()
        self.instrument_projects.extend(others)
        return [p for p in arranged if p.support_mode == "grant"]

    # ------------------------------------------------------------------ the two cohorts
    def day(self, d: dt.date) -> dt.date:
        """A business date, never later than today (the demo may run early in a year)."""
        from django.utils import timezone

        return min(d, timezone.localdate())

    def run(self, prev_fy, fy) -> dict:
        self.prev_year = prev_fy.year
        self.previous_cohort(prev_fy)
        self.current_cohort(fy)
        self.emergency(fy)
        self.log("  支持方式：国库直通车、贷款贴息、风险补偿、股权投资、后补助、预算调剂 …")
        for fund_year in (prev_fy, fy):
            self.instruments(fund_year)
        self.next_year(prev_fy, fy)
        self.report(fy)
        for state in ProjectState.values:
            self.counts[f"project_{state}"] = Project.objects.filter(state=state).count()
        return dict(self.counts)

    def previous_cohort(self, fund_year) -> list[Project]:
        """Last year's projects: contracted in the autumn, both tranches paid by this autumn."""
        year = fund_year.year
        self.log(f"  {year}年度项目：预算安排、任务书、拨付 …")
        done = self.grants(self.arrange(fund_year), start=dt.date(year, 11, 1))
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
        self.follow_up(done)
        return done

    # ------------------------------------------------------------------ the previous cohort, a year on
    def follow_up(self, done: list[Project]) -> None:
        """Cast the previous year's projects (2 in 3 one-year, the rest two-year) in the roles the
        monitoring, sanctions and evaluation pages need, then run their year."""
        for p in done:
            p.refresh_from_db()
        short = [p for i, p in enumerate(done) if i % 3 != 2]
        long = [p for i, p in enumerate(done) if i % 3 == 2]
        # Trouble is found in running (two-year) projects; spare short ones stand in at small scale,
        # and where even they run out, the other modes' projects (monitored like grants) take the
        # roles that need no tranche.
        pool = long + short[8:]
        others = (
            [p for p in self.instrument_projects if p.fund_year_id == done[0].fund_year_id] if done else []
        )
        roles = {}
        for name in ("suspended", "lifted", "terminated", "refused"):
            if pool:
                roles[name] = pool.pop(0)
        for name in ("returned_report", "overdue_report", "open_rect", "open_escalation"):
            if pool or others:
                roles[name] = (pool or others).pop(0)
        troubled = {p.pk for p in roles.values()}
        # Second tranches: paid after the mid-term check, except where trouble stopped them.
        stopped = {roles[k].pk for k in ("suspended", "lifted", "terminated") if k in roles}
        for p in done:
            if p.pk in stopped:
                continue
            c = p.contract
            mid = c.start_date + (c.end_date - c.start_date) / 2
            paid_on = self.day(mid + dt.timedelta(days=25))
            if paid_on >= mid:
                self.pay(p, 2, paid_on)
        self.log("  执行情况报告与整改 …")
        for p in done + [p for p in roles.values() if p not in done]:
            self.reports(
                p, skip_last=p is roles.get("overdue_report"), returned=p is roles.get("returned_report")
            )
        self.rectifications(roles, short)
        self.log("  暂停拨款、终止与追回 …")
        self.sanctions(roles)
        self.log("  验收与绩效评价 …")
        evaluated = [p for p in short if p.pk not in troubled]
        self.evaluations(evaluated)

    def reports(self, project, *, skip_last=False, returned=False) -> None:
        from techfund.monitoring import services as m
        from techfund.monitoring.schedule import report_schedule

        now = self.day(dt.date(2100, 1, 1))
        unit, officer = self.applicant_for(project.organisation), self.officer(project)
        due = [p for p in report_schedule(project, today=now) if p.due < now]
        if skip_last and due:
            due = due[:-1]
        paid = m.paid_to_date(project)
        td = dt.timedelta
        for k, period in enumerate(due):
            share = Decimal(min(95, 35 + 30 * (k + 1))) / 100
            body = dict(
                period=period.number,
                progress=f"第{period.number}期：按任务书推进关键技术研发，完成阶段试验与数据分析。",
                milestones="阶段目标按计划推进。" if k == 0 else "已完成样机研制，进入示范应用。",
                funds_spent=(paid * share).quantize(Decimal("0.01")),
                problems="" if k else "部分进口部件到货延迟。",
            )
            if returned and k == 1:
                r = m.submit_progress_report(
                    project, actor=unit, today=self.day(period.end + td(days=3)), **body
                )
                m.review_progress_report(
                    r,
                    actor=officer,
                    decision="return",
                    opinion="资金使用明细不全，请补充支出凭证后重报。",
                    today=self.day(period.end + td(days=8)),
                )
                r = m.submit_progress_report(
                    project, actor=unit, today=self.day(period.end + td(days=12)), **body
                )
                m.review_progress_report(
                    r,
                    actor=officer,
                    decision="accept",
                    opinion="同意。",
                    today=self.day(period.end + td(days=14)),
                )
                continue
            r = m.submit_progress_report(project, actor=unit, today=self.day(period.end + td(days=5)), **body)
            m.review_progress_report(
                r,
                actor=officer,
                decision="accept",
                opinion="同意。",
                today=self.day(period.end + td(days=12)),
            )
        self.counts["progress_reports"] += len(due)

    def rectifications(self, roles: dict, short: list) -> None:
        from techfund.monitoring import services as m

        td = dt.timedelta
        now = self.day(dt.date(2100, 1, 1))
        c = roles.get("open_rect")
        if c is not None:
            m.issue_rectification(
                c,
                actor=self.officer(c),
                issue="资金支出进度滞后于任务书计划",
                requirement="报送资金使用计划并说明原因",
                today=now - td(days=10),
            )
        # A rectification answered twice and closed, on a project that then finished normally.
        if len(short) > 1:
            d = short[1]
            first = d.contract.start_date + td(days=200)
            rect = m.issue_rectification(
                d,
                actor=self.officer(d),
                issue="设备购置未按规定履行政府采购程序",
                requirement="补充采购程序材料",
                today=self.day(first),
            )
            unit = self.applicant_for(d.organisation)
            m.respond_rectification(
                rect, actor=unit, response="已补充凭证。", today=self.day(first + td(days=18))
            )
            m.verify_rectification(
                rect,
                actor=self.officer(d),
                decision="reject",
                opinion="整改材料不完整，请补充采购合同。",
                today=self.day(first + td(days=21)),
            )
            m.respond_rectification(
                rect, actor=unit, response="已补充采购合同和验收单。", today=self.day(first + td(days=33))
            )
            m.verify_rectification(
                rect,
                actor=self.officer(d),
                decision="close",
                opinion="整改到位。",
                today=self.day(first + td(days=35)),
            )
        g = roles.get("open_escalation")
        if g is not None:
            m.escalate(
                g,
                actor=self.officer(g),
                summary="群众反映承担单位涉嫌挪用项目资金，需核查。",
                suggested_action="recover",
                today=now - td(days=5),
            )

    def sanctions(self, roles: dict) -> None:
        from techfund.monitoring import services as m
        from techfund.sanctions import services as s

        td = dt.timedelta
        office, finance = self.office, self.finance
        d = self.day(dt.date(self.prev_year + 1, 9, 15))
        for key, action, summary in (
            ("suspended", "suspend", "核心团队变动，连续两期进度滞后，整改未到位。"),
            ("terminated", "terminate", "承担单位研发团队解散，项目无法继续实施。"),
        ):
            p = roles.get(key)
            if p is None:
                continue
            esc = m.escalate(
                p, actor=self.officer(p), summary=summary, suggested_action=action, today=d - td(days=7)
            )
            decision = (
                "经研究，暂停拨款，限期整改。" if action == "suspend" else "经研究，终止项目，追回已拨资金。"
            )
            m.handle_escalation(esc, actor=office, decision=decision, action=action, today=d - td(days=4))
        y = self.prev_year + 1
        if p := roles.get("suspended"):
            o = s.propose_sanction(
                p,
                actor=office,
                kind="suspend",
                reason="中期检查发现项目进度严重滞后、资金使用不规范",
                basis=f"领导小组办公室会议纪要〔{y}〕5号",
                today=d,
            )
            s.decide_sanction(
                o,
                actor=finance,
                decision="concur",
                opinion="同意暂停拨款，整改到位前不予拨付。",
                today=d + td(days=2),
            )
            r = s.issue_recovery(
                p,
                actor=office,
                amount="200000.00",
                reason="审计发现挤占挪用项目资金",
                basis=f"审计报告 日审〔{y}〕15号",
                deadline=d + td(days=60),
                today=d + td(days=3),
            )
            s.decide_recovery(r, actor=finance, decision="concur", opinion="同意追回。", today=d + td(days=5))
            s.record_receipt(
                r,
                actor=finance,
                amount="80000.00",
                treasury_ref=f"JK{y}-{p.number[-4:]}-1",
                received_on=self.day(d + td(days=25)),
                today=self.day(d + td(days=25)),
            )
        if p := roles.get("lifted"):
            o = s.propose_sanction(
                p,
                actor=office,
                kind="suspend",
                reason="未按期报送执行情况报告，经催告仍未报送",
                basis=f"领导小组办公室会议纪要〔{y}〕5号",
                today=d,
            )
            s.decide_sanction(o, actor=finance, decision="concur", opinion="同意。", today=d + td(days=2))
            o = s.propose_sanction(
                p,
                actor=office,
                kind="lift",
                reason="已完成整改并补报进展报告",
                basis="整改验收意见",
                today=d + td(days=20),
            )
            s.decide_sanction(
                o, actor=finance, decision="concur", opinion="同意恢复拨款。", today=d + td(days=21)
            )
            self.pay(p, 2, self.day(d + td(days=30)))
        if p := roles.get("terminated"):
            o = s.propose_sanction(
                p,
                actor=office,
                kind="terminate",
                reason="承担单位研发团队解散，项目无法继续实施",
                basis=f"领导小组会议纪要〔{y}〕3号",
                today=d,
            )
            s.decide_sanction(
                o,
                actor=finance,
                decision="concur",
                opinion="同意终止，未拨资金收回领域配置。",
                today=d + td(days=2),
            )
            paid = m.paid_to_date(p)
            r = s.issue_recovery(
                p,
                actor=office,
                amount=paid,
                reason="项目终止，退回已拨资金",
                basis=f"领导小组会议纪要〔{y}〕3号",
                deadline=d + td(days=60),
                today=d + td(days=3),
            )
            s.decide_recovery(r, actor=finance, decision="concur", opinion="同意追回。", today=d + td(days=5))
            s.record_receipt(
                r,
                actor=finance,
                amount=paid,
                treasury_ref=f"JK{y}-{p.number[-4:]}-2",
                received_on=self.day(d + td(days=20)),
                today=self.day(d + td(days=20)),
            )
        if p := roles.get("refused"):
            o = s.propose_sanction(
                p, actor=office, kind="terminate", reason="项目负责人调离", basis="承担单位报告", today=d
            )
            s.decide_sanction(
                o,
                actor=finance,
                decision="reject",
                opinion="依据不足，建议先下达整改通知、更换项目负责人。",
                today=d + td(days=2),
            )
        if p := roles.get("open_escalation"):
            s.propose_sanction(
                p,
                actor=office,
                kind="suspend",
                reason="群众反映涉嫌挪用项目资金，核查期间暂停拨款",
                basis="领导小组办公室专题会议",
                today=self.day(dt.date(2100, 1, 1)),
            )

    #: Inputs that give each grade (see tests/evaluation): output/outcome achievement, satisfaction,
    #: share of the money spent, and the comprehensive part scores (决策, 过程, 产出, 效益).
    GRADE_INPUTS = {
        "excellent": (Decimal("1"), 95, Decimal("1"), (95, 92, 96, 90)),
        "good": (Decimal("0.85"), 85, Decimal("0.9"), (85, 85, 85, 85)),
        "fair": (Decimal("0.7"), 75, Decimal("0.7"), (70, 70, 70, 70)),
        "poor": (Decimal("0.4"), 60, Decimal("0.5"), (50, 55, 40, 45)),
    }

    def evaluations(self, projects_: list[Project]) -> None:
        from techfund.evaluation import services as e
        from techfund.projects.accounts import project_balances

        td = dt.timedelta
        plan = ["excellent", "good", "fair", "poor"]
        for k, p in enumerate(projects_):
            p.refresh_from_db()
            grade = plan[k] if k < 4 else ("good" if k % 3 else "excellent")
            f, satisfaction, spent_share, parts = self.GRADE_INPUTS[grade]
            end = p.contract.end_date
            if k == len(projects_) - 1 and k >= 6:
                continue  # finished, self-evaluation not yet submitted (a reminder on the unit's home)
            arrived = project_balances([p])[p.pk]["disbursed"]
            results = {}
            for t in p.contract.targets.all():
                if t.indicator_type == "zero":
                    results[t.pk] = (
                        {"actual": "1", "explanation": "发生一起设备安全事故，已整改。"}
                        if grade == "poor"
                        else {"actual": "0"}
                    )
                elif t.indicator_type == "qualitative":
                    results[t.pk] = {
                        "band": "achieved"
                        if f >= 1
                        else ("partly" if f >= Decimal("0.7") else "not_achieved")
                    }
                else:
                    results[t.pk] = {"actual": (t.target_value * f).quantize(Decimal("0.01"))}
            unit = self.applicant_for(p.organisation)
            ev = e.submit_self_evaluation(
                p,
                actor=unit,
                summary="项目按任务书完成主要研究内容，形成自主知识产权并实现示范应用。",
                spent=(arrived * spent_share).quantize(Decimal("0.01")),
                satisfaction=satisfaction,
                results=results,
                today=self.day(end + td(days=10)),
            )
            if k == 5:
                e.return_self_evaluation(
                    ev,
                    actor=self.office,
                    reason="自评报告缺少资金使用明细，请补充后重新提交。",
                    today=self.day(end + td(days=15)),
                )
                continue
            if k == 6:
                continue  # awaiting the office
            e.accept_self_evaluation(
                ev, actor=self.office, note="材料齐全。", today=self.day(end + td(days=15))
            )
            ce = e.propose_comprehensive(
                p,
                actor=self.office,
                scores=dict(zip(("decision", "process", "output", "outcome"), parts, strict=True)),
                opinions={
                    part: "经核查，情况属实。" for part in ("decision", "process", "output", "outcome")
                },
                signatory="领导小组办公室 经办人",
                today=self.day(end + td(days=20)),
            )
            if k == 4:
                continue  # awaiting finance
            e.confirm_comprehensive(
                ce, actor=self.finance, signatory="财政局 经办人", today=self.day(end + td(days=25))
            )
            self.counts[f"grade_{grade}"] += 1

    def current_cohort(self, fund_year) -> list[Project]:
        """This year's projects: most contracted and paid their first tranche; work left on every desk."""
        year = fund_year.year
        self.log(f"  {year}年度项目：预算安排、任务书、拨付 …")
        done = self.grants(
            self.arrange(fund_year, leave=2, unapproved_every=9), start=self.day(dt.date(year, 9, 1))
        )
        for i, project in enumerate(done):
            signed_on = self.day(dt.date(year, 8, 18) + dt.timedelta(days=i % 12))
            # The first three (and then one in eleven each) wait at a desk: a 任务书 signed by the unit
            # only, one awaiting both signatures, no 任务书 yet.
            waiting = (2, 1, 0)[i] if i < 3 else {8: 0, 5: 1, 2: 2}.get(i % 11)
            if waiting == 0:
                continue
            if waiting == 1:
                self.contract(project, start=dt.date(year, 9, 1), months=24, signed_on=None)
                continue
            self.contract(
                project, start=dt.date(year, 9, 1), months=24, signed_on=signed_on, unit_only=waiting == 2
            )
            project.refresh_from_db()
            if waiting == 2 or not project.statutory_approved or i % 13 == 7:
                continue  # not payable yet / first tranche still due
            self.pay(project, 1, self.day(signed_on + dt.timedelta(days=21)))
        self.current_projects = done
        return done

    #: Each support mode's slice of the year, through its own services (``<app>.demo.populate``): the
    #: units' payee accounts first (every payment goes through the treasury), then the modes, then
    #: budget adjustments and spending on the running grants.
    INSTRUMENTS = ("treasury", "subsidies", "riskpool", "equity", "awards", "budgets")

    def instruments(self, fund_year) -> None:
        import importlib

        actors = {**self.users, "applicant_for": self.applicant_for}
        for app in self.INSTRUMENTS:
            module = importlib.import_module(f"techfund.{app}.demo")
            counts = module.populate(fund_year, rng=self.rng, actors=actors)
            for key, n in counts.items():
                self.counts[f"{app}_{key}"] += n

    # ------------------------------------------------------------------ next year's framework
    def next_year(self, prev_fy, fy) -> None:
        """评价结果与以后年度预算安排挂钩: the office proposes next year's framework from last year's
        grades, adjusts a line, and — the next year's budget draft being registered — submits it to
        the leading group, whose decision is pending on its home page."""
        from techfund.demo import data
        from techfund.evaluation import services as e
        from techfund.funds import services as funds
        from techfund.policy.loader import load_preset

        target = fy.year + 1
        self.log(f"  {target}年度框架建议（依据{prev_fy.year}年度项目绩效评价结果）…")
        proposal = e.propose_next_year(
            prev_fy, actor=self.office, target_year=target, note="依据绩效评价结果提出。"
        )
        lines = list(proposal.lines.order_by("-suggested_amount"))
        if lines:
            top = lines[0]
            e.adjust_next_year(
                proposal,
                actor=self.office,
                amounts={top.pk: (top.suggested_amount * Decimal("1.1")).quantize(Decimal("10000"))},
                reasons={top.pk: "该领域项目绩效优良，承接国家重大任务，适当增加。"},
            )
        profile = load_preset(self.preset, actor=None, year=target)
        nfy = funds.open_fund_year(actor=self.office, year=target, profile=profile)
        for i, src in enumerate(profile.source_types.order_by("order")[:3]):
            funds.record_contribution(
                nfy,
                actor=self.office,
                source_type=src,
                amount=(data.YEAR_TOTAL[self.preset] / 3).quantize(Decimal("10000")),
                document_ref=f"{data.CITY[self.preset]}财教〔{fy.year}〕{80 + i}号（{target}年预算草案）",
                note=f"{target}年度预算草案，待人代会批准",
            )
        e.submit_next_year(
            proposal, actor=self.office, title=f"{target}年度资金框架配置建议（依据绩效评价结果）"
        )

    # ------------------------------------------------------------------ 一事一议 and the scheduling report
    def emergency(self, fy) -> None:
        from techfund.core.enums import OrganisationKind
        from techfund.core.models import Organisation
        from techfund.emergency import services as emergency

        if not fy.profile.rule("procedure.emergency"):
            return
        y = fy.year
        area = fy.profile.focus_areas.order_by("order").first()
        dept = "science_technology"
        org = Organisation.objects.filter(kind=OrganisationKind.INSTITUTE).order_by("id").first() or (
            Organisation.objects.filter(kind=OrganisationKind.ENTERPRISE).order_by("id").first()
        )
        self.log("  一事一议 …")
        targets = [
            {
                "kind": "output",
                "name": "研制应急快速检测设备",
                "indicator_type": "higher",
                "unit": "台",
                "target_value": "5",
            },
            {
                "kind": "outcome",
                "name": "保障突发事件应急处置",
                "indicator_type": "qualitative",
                "target_text": "形成可推广的应急处置方案",
            },
        ]
        req = emergency.submit_emergency(
            fy,
            actor=self.office,
            title="突发公共事件应急检测关键技术攻关",
            organisation=org,
            department=dept,
            focus_area=area,
            amount="2000000.00",
            justification="汛期前须形成快速检测和处置能力，按常规申报程序无法满足时限要求。",
            basis=f"市政府专题会议纪要〔{y}〕18号",
            content="研制应急快速检测与处置设备，形成应急处置方案并投入使用。",
            start_date=dt.date(y, 9, 1),
            end_date=dt.date(y + 1, 8, 31),
            targets=targets,
            milestones=[{"due_date": dt.date(y + 1, 3, 31), "description": "完成样机并投入应急使用"}],
            today=self.day(dt.date(y, 8, 10)),
        )
        emergency.approve_emergency(
            req, actor=self.leader, basis="领导小组第5次会议审定同意", today=self.day(dt.date(y, 8, 15))
        )
        req.refresh_from_db()
        p = req.project
        projects.sign_contract(
            p.contract,
            actor=self.applicant_for(org),
            signatory="项目负责人",
            today=self.day(dt.date(y, 8, 20)),
        )
        projects.sign_contract(
            p.contract,
            actor=self.users["departments"][dept],
            signatory="业务处负责人",
            today=self.day(dt.date(y, 8, 21)),
        )
        projects.confirm_statutory_approval(p, actor=self.finance, reason="市政府常务会议同意动用预备费安排")
        p.refresh_from_db()
        self.pay(p, 1, self.day(dt.date(y, 9, 5)))
        rej = emergency.submit_emergency(
            fy,
            actor=self.office,
            title="展会临时参展补助",
            organisation=org,
            department=dept,
            focus_area=area,
            amount="800000.00",
            justification="企业临时参加展会，申请补助。",
            basis="企业申请",
            content="参展及宣传推广。",
            start_date=dt.date(y, 9, 15),
            end_date=dt.date(y, 12, 31),
            targets=targets[:1],
            today=self.day(dt.date(y, 9, 1)),
        )
        emergency.reject_emergency(
            rej,
            actor=self.leader,
            basis="不属于应急或特别重大事项，按常规程序申报。",
            today=self.day(dt.date(y, 9, 8)),
        )

    def report(self, fy) -> None:
        """Last quarter's scheduling report, generated by the office (the Excel workbook)."""
        from techfund.reports import services as reports

        today = self.day(dt.date(fy.year, 12, 31))
        q = (today.month - 1) // 3
        start = dt.date(today.year, 3 * q + 1, 1) if q else dt.date(today.year, 1, 1)
        reports.generate_run(fy, actor=self.office, start=start, end=today, fmt="xlsx")

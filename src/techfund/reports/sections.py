"""The sections of the periodic scheduling report, each derived from the database and the ledger.

Two kinds of figures, labelled as such in the report:

- **stocks** (sources, allocations, commitments, balances) are the ledger's and the records' state
  when the report is generated;
- **flows** of the period (money paid, decisions taken) are selected by their business dates
  (``Payment.paid_on``, the decision dates), and "to the end of the period" by the same dates.

Overdue items are counted on ``as_of``: the period's last day, or today while the period still runs.
Every section builder reads what it needs in a fixed number of queries (no query per project), so a
year of a few hundred projects is reported in seconds.

The monitoring, sanctions and evaluation sections read those stages' models directly; each reader is
one small function (``_monitoring_flags``, ``_sanction_flags``, ``_evaluations``) so a change there
touches one place here.
"""

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from techfund.core.enums import AccountKind, Level
from techfund.core.models import Account, Posting
from techfund.decisions import accounts as decision_accounts
from techfund.emergency.enums import RequestState
from techfund.emergency.models import EmergencyRequest
from techfund.evaluation.enums import ComprehensiveState, Grade
from techfund.evaluation.models import ComprehensiveEvaluation
from techfund.funds import accounts as fund_accounts
from techfund.funds.enums import ContributionState, FrameworkState
from techfund.funds.models import Allocation, Contribution
from techfund.monitoring import schedule
from techfund.monitoring.enums import EscalationState, RectificationState
from techfund.monitoring.models import Escalation, Rectification
from techfund.projects.accounts import project_balances
from techfund.projects.enums import ProjectState
from techfund.projects.models import Payment, Project, Tranche
from techfund.reports.report import ZERO, Chart, Check, Column, ScheduleReport, Section, Table, ratio
from techfund.sanctions.enums import RecoveryState, SanctionKind, SanctionState
from techfund.sanctions.models import RecoveryOrder, SanctionOrder
from techfund.sanctions.scopes import with_received

#: The marker of an emergency (一事一议) project in every project table of the report.
EMERGENCY_MARK = "★"


def emergency_label(project) -> str:
    return f"{EMERGENCY_MARK}{_('一事一议')}" if project.emergency else ""


# ---------------------------------------------------------------- shared data


@dataclass
class Flag:
    kind: str
    project: Project
    detail: str
    day: dt.date | None = None
    amount: Decimal | None = None


@dataclass
class Data:
    """What several sections share, read once."""

    fund_year: object
    start: dt.date
    end: dt.date
    as_of: dt.date
    areas: list = field(default_factory=list)
    projects: list = field(default_factory=list)
    balances: dict = field(default_factory=dict)
    paid: dict = field(default_factory=dict)
    flags: list = field(default_factory=list)

    @classmethod
    def load(cls, fund_year, *, start, end, as_of) -> "Data":
        d = cls(fund_year, start, end, as_of)
        d.areas = list(fund_year.profile.focus_areas.order_by("order"))
        d.projects = list(
            Project.objects.filter(fund_year=fund_year)
            .select_related("fund_year__profile", "focus_area", "department", "organisation", "contract")
            .prefetch_related("progress_reports")
            .order_by("number")
        )
        d.balances = project_balances(d.projects)
        zero = {"in_period": ZERO, "to_end": ZERO, "count": 0}
        d.paid = defaultdict(lambda: dict(zero))
        rows = (
            Payment.objects.filter(project__fund_year=fund_year)
            .values("project_id")
            .annotate(
                in_period=Sum("amount", filter=Q(paid_on__gte=start, paid_on__lte=end)),
                to_end=Sum("amount", filter=Q(paid_on__lte=end)),
                count=Count("id", filter=Q(paid_on__gte=start, paid_on__lte=end)),
            )
        )
        for r in rows:
            d.paid[r["project_id"]] = {
                "in_period": r["in_period"] or ZERO,
                "to_end": r["to_end"] or ZERO,
                "count": r["count"],
            }
        d.flags = collect_flags(d)
        return d

    def sum(self, projects, key: str) -> Decimal:
        return sum((self.balances[p.pk][key] for p in projects), ZERO)

    def paid_sum(self, projects, key: str) -> Decimal:
        return sum((self.paid[p.pk][key] for p in projects), ZERO)

    def flags_of(self, project) -> list[Flag]:
        return [f for f in self.flags if f.project.pk == project.pk]


def _contract(project):
    try:
        return project.contract
    except ObjectDoesNotExist:
        return None


# ---------------------------------------------------------------- flagged items


FLAG_SUSPENDED = "suspended"
FLAG_TERMINATED = "terminated"
FLAG_TRANCHE = "tranche_overdue"
FLAG_REPORT = "report_overdue"
FLAG_RECTIFICATION = "rectification_overdue"
FLAG_ESCALATION = "escalation_open"
FLAG_RECOVERY = "recovery_outstanding"
FLAG_EMERGENCY = "emergency"


def flag_labels() -> dict[str, str]:
    return {
        FLAG_SUSPENDED: _("暂停拨款"),
        FLAG_TERMINATED: _("已终止"),
        FLAG_TRANCHE: _("拨付逾期"),
        FLAG_REPORT: _("进展报告逾期"),
        FLAG_RECTIFICATION: _("整改逾期"),
        FLAG_ESCALATION: _("重大问题待处理"),
        FLAG_RECOVERY: _("追回资金未缴清"),
        FLAG_EMERGENCY: _("一事一议项目"),
    }


def collect_flags(d: Data) -> list[Flag]:
    flags: list[Flag] = []
    flags += _state_flags(d)
    flags += _tranche_flags(d)
    flags += _monitoring_flags(d)
    flags += _sanction_flags(d)
    kinds = list(flag_labels())
    flags.sort(key=lambda f: (kinds.index(f.kind), f.project.number, f.day or dt.date.min))
    return flags


def _state_flags(d: Data) -> list[Flag]:
    out = []
    last_order = {}
    for o in (
        SanctionOrder.objects.filter(project__fund_year=d.fund_year, state=SanctionState.EFFECTIVE)
        .exclude(kind=SanctionKind.LIFT)
        .order_by("decided_on", "id")
    ):
        last_order[(o.project_id, o.kind)] = o
    for p in d.projects:
        if p.state == ProjectState.SUSPENDED:
            o = last_order.get((p.pk, SanctionKind.SUSPEND))
            out.append(
                Flag(
                    FLAG_SUSPENDED,
                    p,
                    _("暂停拨款（%(number)s：%(reason)s）") % {"number": o.number, "reason": o.reason}
                    if o
                    else _("暂停拨款"),
                    o.decided_on if o else None,
                )
            )
        elif p.state == ProjectState.TERMINATED:
            o = last_order.get((p.pk, SanctionKind.TERMINATE))
            released = d.balances[p.pk]["released"]
            out.append(
                Flag(
                    FLAG_TERMINATED,
                    p,
                    _("终止执行，释放未拨付资金 %(amount)s 元") % {"amount": f"{released:,.2f}"},
                    o.decided_on if o else None,
                    released,
                )
            )
        if p.emergency:
            out.append(Flag(FLAG_EMERGENCY, p, _("经领导小组一事一议审定直接立项"), None, p.amount))
    return out


def _tranche_flags(d: Data) -> list[Flag]:
    """Tranches due before ``as_of`` with money still unpaid, of projects that may be paid."""
    by_pk = {p.pk: p for p in d.projects}
    out = []
    tranches = (
        Tranche.objects.filter(
            contract__project__fund_year=d.fund_year,
            contract__project__state__in=[ProjectState.IN_PROGRESS, ProjectState.SUSPENDED],
            due_date__lt=d.as_of,
        )
        .annotate(paid=Sum("payments__amount", filter=Q(payments__paid_on__lte=d.as_of)))
        .select_related("contract")
        .order_by("due_date", "id")
    )
    for t in tranches:
        left = t.amount - (t.paid or ZERO)
        if left > 0:
            out.append(
                Flag(
                    FLAG_TRANCHE,
                    by_pk[t.contract.project_id],
                    _("第%(seq)s期计划 %(plan)s 元，%(due)s 到期，尚有 %(left)s 元未拨付")
                    % {
                        "seq": t.seq,
                        "plan": f"{t.amount:,.2f}",
                        "due": t.due_date.isoformat(),
                        "left": f"{left:,.2f}",
                    },
                    t.due_date,
                    left,
                )
            )
    return out


def _monitoring_flags(d: Data) -> list[Flag]:
    """Progress reports past their due date on ``as_of`` (the monitoring stage's schedule), rectification
    orders past their deadline without an answer, and major problems the office has not handled."""
    out = []
    for p in d.projects:
        for period in schedule.report_schedule(p, today=d.as_of):
            if period.overdue:
                out.append(
                    Flag(
                        FLAG_REPORT,
                        p,
                        _("第%(n)s期进展报告（%(s)s至%(e)s）%(due)s 到期未报，逾期%(days)s天")
                        % {
                            "n": period.number,
                            "s": period.start.isoformat(),
                            "e": period.end.isoformat(),
                            "due": period.due.isoformat(),
                            "days": period.days_overdue,
                        },
                        period.due,
                    )
                )
    by_pk = {p.pk: p for p in d.projects}
    for r in Rectification.objects.filter(
        project__fund_year=d.fund_year, state=RectificationState.ISSUED, deadline__lt=d.as_of
    ).order_by("deadline", "id"):
        out.append(
            Flag(
                FLAG_RECTIFICATION,
                by_pk[r.project_id],
                _("整改通知第%(n)s号，期限 %(deadline)s，未报整改情况")
                % {"n": r.seq, "deadline": r.deadline.isoformat()},
                r.deadline,
            )
        )
    for e in Escalation.objects.filter(
        project__fund_year=d.fund_year, state=EscalationState.OPEN, raised_on__lte=d.as_of
    ).order_by("raised_on", "id"):
        out.append(
            Flag(
                FLAG_ESCALATION,
                by_pk[e.project_id],
                _("%(date)s 上报：%(summary)s（建议：%(action)s）")
                % {
                    "date": e.raised_on.isoformat(),
                    "summary": e.summary[:60],
                    "action": e.get_suggested_action_display(),
                },
                e.raised_on,
            )
        )
    return out


def _sanction_flags(d: Data) -> list[Flag]:
    """Recovery orders (追回) still being collected."""
    by_pk = {p.pk: p for p in d.projects}
    out = []
    for o in with_received(
        RecoveryOrder.objects.filter(project__fund_year=d.fund_year, state=RecoveryState.OPEN)
    ).order_by("deadline", "id"):
        out.append(
            Flag(
                FLAG_RECOVERY,
                by_pk[o.project_id],
                _("%(number)s 应缴回 %(amount)s 元，已缴回 %(received)s 元，期限 %(deadline)s")
                % {
                    "number": o.number,
                    "amount": f"{o.amount:,.2f}",
                    "received": f"{o.received:,.2f}",
                    "deadline": o.deadline.isoformat(),
                },
                o.deadline,
                o.outstanding,
            )
        )
    return out


# ---------------------------------------------------------------- sections


def money(key, label, width=18) -> Column:
    return Column(key, label, "money", width)


def count(key, label, width=10) -> Column:
    return Column(key, label, "int", width)


def text(key, label, width=20) -> Column:
    return Column(key, label, "text", width)


def sources_section(d: Data) -> tuple[Section, dict]:
    rows = []
    qs = (
        Contribution.objects.filter(fund_year=d.fund_year, state=ContributionState.RECORDED)
        .values("source_type__name", "source_type__order", "department__name", "level")
        .annotate(n=Count("id"), amount=Sum("amount"))
        .order_by("source_type__order", "level")
    )
    for r in qs:
        rows.append(
            {
                "source": r["source_type__name"],
                "department": r["department__name"],
                "level": str(Level(r["level"]).label),
                "n": r["n"],
                "amount": r["amount"],
            }
        )
    total = sum((r["amount"] for r in rows), ZERO)
    for r in rows:
        r["share"] = ratio(r["amount"], total)
    by_level = defaultdict(lambda: ZERO)
    for r in rows:
        by_level[r["level"]] += r["amount"]
    level_rows = [
        {
            "level": str(lv.label),
            "amount": by_level[str(lv.label)],
            "share": ratio(by_level[str(lv.label)], total),
        }
        for lv in Level
        if by_level.get(str(lv.label))
    ]
    sources = Table(
        "by_source",
        _("资金来源"),
        [
            text("source", _("资金来源"), 24),
            text("department", _("来源部门"), 20),
            text("level", _("级次"), 8),
            count("n", _("笔数"), 8),
            money("amount", _("金额（元）")),
            Column("share", _("占比"), "pct", 10),
        ],
        rows,
        {"source": _("合计"), "n": sum(r["n"] for r in rows), "amount": total, "share": ratio(total, total)},
    )
    levels = Table(
        "by_level",
        _("按级次"),
        [
            text("level", _("级次"), 12),
            money("amount", _("金额（元）")),
            Column("share", _("占比"), "pct", 10),
        ],
        level_rows,
        {"level": _("合计"), "amount": total, "share": ratio(total, total)},
    )
    section = Section(
        "sources",
        _("资金规模（按来源）"),
        [sources, levels],
        [Chart("sources_pie", _("资金来源构成"), "pie", "by_source", "source", ("amount",))],
        note=_("已入池、未冲销的资金来源登记，截至报告生成时。"),
    )
    return section, {"sources": total, "contributions": sum(r["n"] for r in rows)}


def areas_section(d: Data) -> tuple[Section, dict]:
    year = d.fund_year.year
    allocations = dict(
        Allocation.objects.filter(framework__fund_year=d.fund_year, framework__state=FrameworkState.APPROVED)
        .values("focus_area_id")
        .annotate(s=Sum("amount"))
        .values_list("focus_area_id", "s")
    )
    codes = {}
    for a in d.areas:
        codes[a.pk] = (decision_accounts.area_code(year, a), decision_accounts.reserved_code(year, a))
    bals = decision_accounts.balances_by_code([c for pair in codes.values() for c in pair])
    by_area = defaultdict(list)
    for p in d.projects:
        by_area[p.focus_area_id].append(p)
    rows = []
    for a in d.areas:
        ps = by_area.get(a.pk, [])
        rows.append(
            {
                "area": a.name,
                "allocation": allocations.get(a.pk) or ZERO,
                "reserved": bals[codes[a.pk][1]],
                "projects": len(ps),
                "arranged": sum((p.amount for p in ps), ZERO),
                "emergency": sum((p.amount for p in ps if p.emergency), ZERO),
                "paid": d.sum(ps, "paid"),
                "unpaid": d.sum(ps, "unpaid"),
                "released": d.sum(ps, "released"),
                "balance": bals[codes[a.pk][0]],
            }
        )
    keys = ("allocation", "reserved", "arranged", "emergency", "paid", "unpaid", "released", "balance")
    total = {"area": _("合计"), "projects": sum(r["projects"] for r in rows)}
    for k in keys:
        total[k] = sum((r[k] for r in rows), ZERO)
    table = Table(
        "by_area",
        _("框架配置与项目承诺（按重点领域）"),
        [
            text("area", _("重点领域"), 24),
            money("allocation", _("框架配置（元）")),
            money("reserved", _("审定待安排（元）")),
            count("projects", _("项目数")),
            money("arranged", _("已安排项目（元）")),
            money("emergency", _("其中一事一议（元）")),
            money("paid", _("已拨付（元）")),
            money("unpaid", _("未拨付承诺（元）")),
            money("released", _("终止释放（元）")),
            money("balance", _("领域余额（元）")),
        ],
        rows,
        total,
    )
    section = Section(
        "areas",
        _("框架配置与承诺（按领域）"),
        [table],
        [
            Chart(
                "areas_bar",
                _("各领域配置、安排与拨付"),
                "bar",
                "by_area",
                "area",
                ("allocation", "arranged", "paid"),
            )
        ],
        note=_("已审定框架的领域配置；审定待安排、未拨付承诺、领域余额为报告生成时的账簿余额。"),
    )
    return section, {k: total[k] for k in keys} | {"projects": total["projects"]}


def states_section(d: Data) -> Section:
    states = list(ProjectState)
    by_state = []
    for s in states:
        ps = [p for p in d.projects if p.state == s]
        by_state.append(
            {
                "state": str(s.label),
                "count": len(ps),
                "amount": sum((p.amount for p in ps), ZERO),
                "emergency": sum(1 for p in ps if p.emergency),
            }
        )
    state_table = Table(
        "by_state",
        _("项目状态"),
        [
            text("state", _("状态"), 28),
            count("count", _("项目数")),
            money("amount", _("安排金额（元）")),
            count("emergency", _("其中一事一议")),
        ],
        by_state,
        {
            "state": _("合计"),
            "count": len(d.projects),
            "amount": sum((p.amount for p in d.projects), ZERO),
            "emergency": sum(1 for p in d.projects if p.emergency),
        },
    )
    depts = {}
    for p in d.projects:
        depts.setdefault(p.department_id, p.department)
    dept_rows = []
    for dept in sorted(depts.values(), key=lambda x: x.code):
        ps = [p for p in d.projects if p.department_id == dept.pk]
        row = {"department": dept.name}
        for s in states:
            row[s.value] = sum(1 for p in ps if p.state == s)
        row["total"] = len(ps)
        row["amount"] = sum((p.amount for p in ps), ZERO)
        dept_rows.append(row)
    dept_total = {"department": _("合计"), "total": len(d.projects), "amount": state_table.total["amount"]}
    for s in states:
        dept_total[s.value] = sum(r[s.value] for r in dept_rows)
    dept_table = Table(
        "by_department",
        _("项目状态（按主管部门）"),
        [text("department", _("主管部门"), 22)]
        + [count(s.value, str(s.label), 12) for s in states]
        + [count("total", _("合计")), money("amount", _("安排金额（元）"))],
        dept_rows,
        dept_total,
    )
    return Section(
        "states",
        _("项目状态（按主管部门）"),
        [state_table, dept_table],
        [Chart("states_bar", _("各状态项目数"), "bar", "by_state", "state", ("count",))],
        note=_("项目当前状态，截至报告生成时。"),
    )


def _execution_rows(groups, d: Data, key: str) -> list[dict]:
    rows = []
    for label, ps in groups:
        budget = sum((p.amount for p in ps), ZERO)
        to_end = d.paid_sum(ps, "to_end")
        rows.append(
            {
                key: label,
                "projects": len(ps),
                "budget": budget,
                "in_period": d.paid_sum(ps, "in_period"),
                "to_end": to_end,
                "rate": ratio(to_end, budget),
            }
        )
    return rows


def _execution_table(tkey, title, key, label, rows, d: Data) -> Table:
    budget = sum((r["budget"] for r in rows), ZERO)
    to_end = sum((r["to_end"] for r in rows), ZERO)
    return Table(
        tkey,
        title,
        [
            text(key, label, 24),
            count("projects", _("项目数")),
            money("budget", _("安排金额（元）")),
            money("in_period", _("本期拨付（元）")),
            money("to_end", _("累计拨付至期末（元）")),
            Column("rate", _("预算执行率"), "pct", 12),
        ],
        rows,
        {
            key: _("合计"),
            "projects": sum(r["projects"] for r in rows),
            "budget": budget,
            "in_period": sum((r["in_period"] for r in rows), ZERO),
            "to_end": to_end,
            "rate": ratio(to_end, budget),
        },
    )


def payments_section(d: Data) -> tuple[Section, dict]:
    area_groups = [(a.name, [p for p in d.projects if p.focus_area_id == a.pk]) for a in d.areas]
    depts = {}
    for p in d.projects:
        depts.setdefault(p.department_id, p.department)
    dept_groups = [
        (dept.name, [p for p in d.projects if p.department_id == dept.pk])
        for dept in sorted(depts.values(), key=lambda x: x.code)
    ]
    by_area = _execution_table(
        "by_area",
        _("预算执行（按重点领域）"),
        "area",
        _("重点领域"),
        _execution_rows(area_groups, d, "area"),
        d,
    )
    by_dept = _execution_table(
        "by_department",
        _("预算执行（按主管部门）"),
        "department",
        _("主管部门"),
        _execution_rows(dept_groups, d, "department"),
        d,
    )
    payments = list(
        Payment.objects.filter(project__fund_year=d.fund_year, paid_on__gte=d.start, paid_on__lte=d.end)
        .select_related("project__organisation", "project__department", "tranche")
        .order_by("paid_on", "id")
    )
    rows = [
        {
            "paid_on": pay.paid_on,
            "number": pay.project.number,
            "title": pay.project.title,
            "emergency": emergency_label(pay.project),
            "organisation": pay.project.organisation.name,
            "department": pay.project.department.name,
            "tranche": pay.tranche.seq,
            "amount": pay.amount,
            "treasury_ref": pay.treasury_ref,
        }
        for pay in payments
    ]
    detail = Table(
        "payments",
        _("本期拨付明细"),
        [
            Column("paid_on", _("拨付日期"), "date", 12),
            text("number", _("项目编号"), 14),
            text("title", _("项目名称"), 36),
            text("emergency", _("一事一议"), 10),
            text("organisation", _("承担单位"), 28),
            text("department", _("主管部门"), 18),
            count("tranche", _("期次"), 6),
            money("amount", _("拨付金额（元）")),
            text("treasury_ref", _("国库支付凭证号"), 18),
        ],
        rows,
        {"paid_on": _("合计"), "amount": sum((r["amount"] for r in rows), ZERO)},
        own_sheet=True,
    )
    section = Section(
        "payments",
        _("资金拨付与预算执行"),
        [by_area, by_dept, detail],
        [
            Chart(
                "payments_bar",
                _("各主管部门安排与累计拨付"),
                "bar",
                "by_department",
                "department",
                ("budget", "to_end"),
            )
        ],
        note=_(
            "按拨付日期统计：本期为报告期内的直通车拨付，累计为截至报告期末的拨付；预算执行率 = 累计拨付 ÷ 安排金额。"
        ),
    )
    return section, {
        "paid_in_period": by_area.total["in_period"],
        "paid_to_end": by_area.total["to_end"],
        "payments_in_period": len(rows),
    }


def flagged_section(d: Data) -> Section:
    labels = flag_labels()
    counts = Counter(f.kind for f in d.flags)
    summary = Table(
        "by_type",
        _("关注事项汇总"),
        [text("kind", _("事项类型"), 20), count("count", _("件数"))],
        [{"kind": labels[k], "count": counts.get(k, 0)} for k in labels],
        {"kind": _("合计"), "count": len(d.flags)},
    )
    rows = [
        {
            "kind": labels[f.kind],
            "number": f.project.number,
            "title": f.project.title,
            "emergency": emergency_label(f.project),
            "organisation": f.project.organisation.name,
            "department": f.project.department.name,
            "day": f.day,
            "amount": f.amount,
            "detail": f.detail,
        }
        for f in d.flags
    ]
    items = Table(
        "items",
        _("逾期与重点关注事项清单"),
        [
            text("kind", _("事项类型"), 14),
            text("number", _("项目编号"), 14),
            text("title", _("项目名称"), 32),
            text("emergency", _("一事一议"), 10),
            text("organisation", _("承担单位"), 26),
            text("department", _("主管部门"), 16),
            Column("day", _("日期"), "date", 12),
            money("amount", _("涉及金额（元）")),
            text("detail", _("说明"), 50),
        ],
        rows,
        own_sheet=True,
    )
    return Section(
        "flagged",
        _("逾期与重点关注事项"),
        [summary, items],
        [Chart("flagged_bar", _("关注事项件数"), "bar", "by_type", "kind", ("count",))],
        note=_(
            "逾期按%(day)s计：拨付计划到期未拨付、进展报告逾期未报、整改逾期未报；另列暂停拨款、终止、追回未缴清、重大问题待处理和一事一议项目。"
        )
        % {"day": d.as_of.isoformat()},
    )


def emergency_section(d: Data) -> tuple[Section, dict]:
    requests = list(
        EmergencyRequest.objects.filter(fund_year=d.fund_year)
        .select_related("organisation", "department", "focus_area", "project")
        .order_by("number")
    )
    rows = []
    for r in requests:
        p = r.project
        rows.append(
            {
                "number": r.number,
                "title": r.title,
                "organisation": r.organisation.name,
                "department": r.department.name,
                "area": r.focus_area.name,
                "amount": r.amount,
                "state": r.get_state_display(),
                "decided_on": r.decided_on,
                "project": p.number if p else "",
                "project_state": p.get_state_display() if p else "",
                "to_end": d.paid[p.pk]["to_end"] if p else None,
            }
        )
    approved = [r for r in requests if r.state == RequestState.APPROVED]
    table = Table(
        "requests",
        _("一事一议申请与项目"),
        [
            text("number", _("申请编号"), 12),
            text("title", _("项目名称"), 32),
            text("organisation", _("承担单位"), 26),
            text("department", _("主管部门"), 16),
            text("area", _("重点领域"), 18),
            money("amount", _("金额（元）")),
            text("state", _("申请状态"), 22),
            Column("decided_on", _("审定日期"), "date", 12),
            text("project", _("项目编号"), 14),
            text("project_state", _("项目状态"), 22),
            money("to_end", _("累计拨付至期末（元）")),
        ],
        rows,
        {"number": _("合计"), "amount": sum((r.amount for r in requests), ZERO)},
        own_sheet=True,
    )
    section = Section(
        "emergency",
        _("一事一议项目"),
        [table],
        note=_("应急或特别重大项目经领导小组一事一议审定直接立项；本报告各项目表中以“★一事一议”标注。"),
    )
    return section, {
        "emergency_projects": len(approved),
        "emergency_amount": sum((r.amount for r in approved), ZERO),
        "emergency_pending": sum(1 for r in requests if r.state == RequestState.SUBMITTED),
    }


def _evaluations(d: Data) -> list:
    """The confirmed comprehensive evaluations (综合绩效评价) of the year's projects."""
    return list(
        ComprehensiveEvaluation.objects.filter(
            project__fund_year=d.fund_year, state=ComprehensiveState.CONFIRMED
        )
        .select_related("project__focus_area", "project__department", "project__organisation")
        .order_by("project__number")
    )


def evaluation_section(d: Data) -> tuple[Section, dict]:
    evaluations = _evaluations(d)
    grades = list(Grade)

    def grade_row(key, label, evs):
        row = {key: label, "total": len(evs)}
        for g in grades:
            row[g.value] = sum(1 for e in evs if e.grade == g)
        return row

    n = len(evaluations)
    by_grade = Table(
        "by_grade",
        _("评价等级分布"),
        [text("grade", _("等级"), 8), count("count", _("项目数")), Column("share", _("占比"), "pct", 10)],
        [
            {
                "grade": str(g.label),
                "count": sum(1 for e in evaluations if e.grade == g),
                "share": ratio(sum(1 for e in evaluations if e.grade == g), n),
            }
            for g in grades
        ],
        {"grade": _("合计"), "count": n, "share": ratio(n, n)},
    )
    grade_cols = [count(g.value, str(g.label), 8) for g in grades]
    area_rows = [
        grade_row("area", a.name, [e for e in evaluations if e.project.focus_area_id == a.pk])
        for a in d.areas
    ]
    by_area = Table(
        "by_area",
        _("评价等级（按重点领域）"),
        [text("area", _("重点领域"), 24), *grade_cols, count("total", _("合计"))],
        area_rows,
        grade_row("area", _("合计"), evaluations),
    )
    depts = {}
    for e in evaluations:
        depts.setdefault(e.project.department_id, e.project.department)
    dept_rows = [
        grade_row("department", dept.name, [e for e in evaluations if e.project.department_id == dept.pk])
        for dept in sorted(depts.values(), key=lambda x: x.code)
    ]
    by_dept = Table(
        "by_department",
        _("评价等级（按主管部门）"),
        [text("department", _("主管部门"), 22), *grade_cols, count("total", _("合计"))],
        dept_rows,
        grade_row("department", _("合计"), evaluations),
    )
    listing = Table(
        "evaluations",
        _("项目评价结果"),
        [
            text("number", _("项目编号"), 14),
            text("title", _("项目名称"), 32),
            text("emergency", _("一事一议"), 10),
            text("area", _("重点领域"), 18),
            text("department", _("主管部门"), 16),
            Column("total", _("综合得分"), "score", 10),
            text("grade", _("等级"), 8),
            Column("confirmed_on", _("确认日期"), "date", 12),
        ],
        [
            {
                "number": e.project.number,
                "title": e.project.title,
                "emergency": emergency_label(e.project),
                "area": e.project.focus_area.name,
                "department": e.project.department.name,
                "total": e.total,
                "grade": str(Grade(e.grade).label),
                "confirmed_on": e.confirmed_on,
            }
            for e in evaluations
        ],
    )
    section = Section(
        "evaluation",
        _("绩效评价等级"),
        [by_grade, by_area, by_dept, listing],
        [Chart("grades_pie", _("评价等级分布"), "pie", "by_grade", "grade", ("count",))],
        note=_("财政部门已确认的综合绩效评价，截至报告生成时。"),
    )
    return section, {"evaluated": n} | {
        f"grade_{g.value}": sum(1 for e in evaluations if e.grade == g) for g in grades
    }


def projects_section(d: Data) -> Section:
    labels = flag_labels()
    rows = []
    for p in d.projects:
        b, paid = d.balances[p.pk], d.paid[p.pk]
        kinds = sorted({f.kind for f in d.flags_of(p) if f.kind != FLAG_EMERGENCY}, key=list(labels).index)
        rows.append(
            {
                "number": p.number,
                "title": p.title,
                "emergency": emergency_label(p),
                "area": p.focus_area.name,
                "department": p.department.name,
                "organisation": p.organisation.name,
                "state": p.get_state_display(),
                "amount": p.amount,
                "in_period": paid["in_period"],
                "to_end": paid["to_end"],
                "unpaid": b["unpaid"],
                "flags": "、".join(labels[k] for k in kinds),
            }
        )
    table = Table(
        "projects",
        _("项目清单"),
        [
            text("number", _("项目编号"), 14),
            text("title", _("项目名称"), 36),
            text("emergency", _("一事一议"), 10),
            text("area", _("重点领域"), 18),
            text("department", _("主管部门"), 16),
            text("organisation", _("承担单位"), 28),
            text("state", _("状态"), 22),
            money("amount", _("安排金额（元）")),
            money("in_period", _("本期拨付（元）")),
            money("to_end", _("累计拨付至期末（元）")),
            money("unpaid", _("未拨付承诺（元）")),
            text("flags", _("关注事项"), 30),
        ],
        rows,
        {
            "number": _("合计"),
            "amount": sum((r["amount"] for r in rows), ZERO),
            "in_period": sum((r["in_period"] for r in rows), ZERO),
            "to_end": sum((r["to_end"] for r in rows), ZERO),
            "unpaid": sum((r["unpaid"] for r in rows), ZERO),
        },
        own_sheet=True,
    )
    return Section(
        "projects",
        _("附表：项目清单"),
        [table],
        note=_("“★一事一议”为经领导小组一事一议审定直接立项的项目。"),
    )


# ---------------------------------------------------------------- reconciliation


def _ledger_year_figures(d: Data) -> dict:
    """Ledger balances of the year by account kind (sources run negative) and the pool (2 queries)."""
    year = d.fund_year.year
    by_kind = {
        r["account__kind"]: r["s"] or ZERO
        for r in Posting.objects.filter(account__year=year).values("account__kind").annotate(s=Sum("amount"))
    }
    pool = Account.objects.filter(code=fund_accounts.pool_code(year)).first()
    return {"sources": -(by_kind.get(AccountKind.SOURCE) or ZERO), "pool": pool_balance(pool)}


def pool_balance(account) -> Decimal:
    from techfund.core.services import ledger

    return ledger.balance(account) if account else ZERO


def checks(d: Data, f: dict) -> list[Check]:
    ledger_figs = _ledger_year_figures(d)
    arranged = sum((p.amount for p in d.projects), ZERO)
    paid_records = (
        Payment.objects.filter(project__fund_year=d.fund_year).aggregate(s=Sum("amount"))["s"] or ZERO
    )
    unpaid, released = d.sum(d.projects, "unpaid"), d.sum(d.projects, "released")
    disbursed, recovered = d.sum(d.projects, "disbursed"), d.sum(d.projects, "recovered")
    return [
        Check(
            _("资金来源登记与账簿一致"),
            _("资金来源登记合计"),
            f["sources"],
            _("账簿资金来源科目合计"),
            ledger_figs["sources"],
        ),
        Check(
            _("资金来源 = 框架配置 + 未分配"),
            _("资金来源合计"),
            f["sources"],
            _("框架配置 + 资金池余额 − 追回回池"),
            f["allocation"] + ledger_figs["pool"] - recovered,
        ),
        Check(
            _("领域配置 = 领域余额 + 审定待安排 + 未拨付 + 已拨付"),
            _("框架配置合计"),
            f["allocation"],
            _("领域余额 + 审定待安排 + 未拨付承诺 + 已拨付"),
            f["balance"] + f["reserved"] + unpaid + paid_records,
        ),
        Check(
            _("项目安排 = 已拨付 + 未拨付 + 终止释放"),
            _("项目安排金额合计"),
            arranged,
            _("拨付登记 + 未拨付承诺 + 终止释放"),
            paid_records + unpaid + released,
        ),
        Check(
            _("拨付登记 = 在账已拨付 + 已追回"),
            _("拨付登记合计"),
            paid_records,
            _("已拨付科目余额 + 已追回"),
            disbursed + recovered,
        ),
    ]


# ---------------------------------------------------------------- the report


def build(fund_year, *, start, end, as_of, actor) -> ScheduleReport:
    d = Data.load(fund_year, start=start, end=end, as_of=as_of)
    sources, f_sources = sources_section(d)
    areas, f_areas = areas_section(d)
    payments, f_pay = payments_section(d)
    emergency, f_em = emergency_section(d)
    evaluation, f_ev = evaluation_section(d)
    pool = pool_balance(Account.objects.filter(code=fund_accounts.pool_code(fund_year.year)).first())
    figures = {
        **f_sources,
        **f_areas,
        **f_pay,
        **f_em,
        **f_ev,
        "pool": pool,
        "disbursed": d.sum(d.projects, "disbursed"),
        "recovered": d.sum(d.projects, "recovered"),
        "flagged": len(d.flags),
        "execution_rate": ratio(f_pay["paid_to_end"], f_areas["arranged"]),
    }
    report_checks = checks(d, figures)
    sections = [
        overview_section(d, figures, report_checks),
        sources,
        areas,
        states_section(d),
        payments,
        flagged_section(d),
        emergency,
        evaluation,
        projects_section(d),
    ]
    return ScheduleReport(
        fund_year=fund_year,
        start=start,
        end=end,
        as_of=as_of,
        generated_at=timezone.now(),
        generated_by=actor,
        figures=figures,
        sections=sections,
        checks=report_checks,
    )


def overview_section(d: Data, f: dict, report_checks: list[Check]) -> Section:
    rate = f["execution_rate"]
    rows = [
        {
            "item": _("资金来源合计"),
            "amount": f["sources"],
            "count": f["contributions"],
            "note": _("笔资金来源登记"),
        },
        {"item": _("已审定框架配置"), "amount": f["allocation"], "count": None, "note": ""},
        {"item": _("资金池未分配余额"), "amount": f["pool"], "count": None, "note": _("含追回回池资金")},
        {"item": _("已安排项目"), "amount": f["arranged"], "count": f["projects"], "note": _("个项目")},
        {
            "item": _("其中一事一议项目"),
            "amount": f["emergency_amount"],
            "count": f["emergency_projects"],
            "note": _("待审定申请 %(n)s 件") % {"n": f["emergency_pending"]},
        },
        {
            "item": _("本期拨付"),
            "amount": f["paid_in_period"],
            "count": f["payments_in_period"],
            "note": _("笔"),
        },
        {
            "item": _("累计拨付至期末"),
            "amount": f["paid_to_end"],
            "count": None,
            "note": _("预算执行率 %(rate)s") % {"rate": f"{rate * 100:.1f}%" if rate is not None else "—"},
        },
        {"item": _("未拨付承诺"), "amount": f["unpaid"], "count": None, "note": ""},
        {"item": _("终止释放"), "amount": f["released"], "count": None, "note": ""},
        {"item": _("已追回"), "amount": f["recovered"], "count": None, "note": ""},
        {"item": _("逾期与重点关注事项"), "amount": None, "count": f["flagged"], "note": _("件")},
        {"item": _("已完成综合绩效评价"), "amount": None, "count": f["evaluated"], "note": _("个项目")},
    ]
    figures = Table(
        "figures",
        _("主要指标"),
        [
            text("item", _("指标"), 24),
            money("amount", _("金额（元）")),
            count("count", _("数量")),
            text("note", _("说明"), 24),
        ],
        rows,
    )
    check_table = Table(
        "checks",
        _("账实核对"),
        [
            text("label", _("核对项"), 40),
            text("left_label", _("左项"), 22),
            money("left", _("金额（元）")),
            text("right_label", _("右项"), 30),
            money("right", _("金额（元）")),
            money("difference", _("差额（元）")),
            text("result", _("结果"), 8),
        ],
        [
            {
                "label": c.label,
                "left_label": c.left_label,
                "left": c.left,
                "right_label": c.right_label,
                "right": c.right,
                "difference": c.difference,
                "result": _("一致") if c.ok else _("不一致"),
            }
            for c in report_checks
        ],
    )
    return Section(
        "overview",
        _("概况"),
        [figures, check_table],
        note=_("报告期 %(s)s 至 %(e)s；逾期事项按 %(a)s 计。")
        % {"s": d.start.isoformat(), "e": d.end.isoformat(), "a": d.as_of.isoformat()},
    )

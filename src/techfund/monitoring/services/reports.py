"""Progress reports (进展报告): the unit reports each period; the managing department (or the office)
accepts the report or returns it, and may issue a rectification order in the same step."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from techfund.core.errors import ServiceError
from techfund.core.permissions import require
from techfund.core.services import audit
from techfund.monitoring import schedule
from techfund.monitoring.enums import PeriodStatus, ReportState, ReviewDecision
from techfund.monitoring.models import ProgressReport
from techfund.monitoring.scopes import visible_reports
from techfund.monitoring.services._common import (
    LONG_TEXT_MAX,
    TEXT_MAX,
    check_monitored,
    fmt,
    fmt_date,
    lock_project,
    money_at_least_zero,
    raise_errors,
    text,
    today_or,
)
from techfund.monitoring.transitions import REPORT
from techfund.projects.accounts import project_balances
from techfund.projects.scopes import visible_projects


def paid_to_date(project):
    """What the unit has received so far: the project's disbursed balance (paid less recovered)."""
    return project_balances([project])[project.pk]["disbursed"]


def _period(project, value, *, day: dt.date) -> schedule.Period:
    periods = schedule.report_schedule(project, today=day)
    if not periods:
        raise ServiceError(
            _("项目 %(number)s 没有报告期（任务书期限已过或尚未签订）。") % {"number": project.number},
            code="no_periods",
        )
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        msg = _("请选择报告期次。") if value in (None, "") else _("报告期次“%(v)s”无效。") % {"v": value}
        raise ServiceError(msg, code="period_invalid", errors={"period": [msg]}) from None
    match = next((p for p in periods if p.number == number), None)
    if match is None:
        msg = _("报告期次 %(v)s 不存在：该项目共 %(n)s 期（第1期至第%(n)s期）。") % {
            "v": number,
            "n": len(periods),
        }
        raise ServiceError(msg, code="period_invalid", errors={"period": [msg]})
    if match.status == PeriodStatus.UPCOMING:
        msg = _("第%(n)s期报告期自%(start)s开始，尚未开始，不能报送。") % {
            "n": number,
            "start": fmt_date(match.start),
        }
        raise ServiceError(msg, code="period_not_started", errors={"period": [msg]})
    if match.status == PeriodStatus.SUBMITTED:
        msg = _("第%(n)s期进展报告已于%(d)s报送，正在审核，不能重复报送。") % {
            "n": number,
            "d": fmt_date(match.report.submitted_on),
        }
        raise ServiceError(msg, code="report_pending", errors={"period": [msg]})
    if match.status == PeriodStatus.ACCEPTED:
        msg = _("第%(n)s期进展报告已审核通过，不能重复报送。") % {"n": number}
        raise ServiceError(msg, code="report_accepted", errors={"period": [msg]})
    return match


@transaction.atomic
def submit_progress_report(
    project,
    *,
    actor,
    period,
    progress: str,
    milestones: str,
    funds_spent,
    problems: str = "",
    today: dt.date | None = None,
) -> ProgressReport:
    """The unit reports one period (once it has started). A returned report is replaced by submitting
    again for the same period; the funds used to date may not exceed what has been paid to date."""
    project = lock_project(project)
    role = require(actor, "monitoring.submit_report", project, visible=visible_projects(actor))
    day = today_or(today)
    check_monitored(project, doing=_("报送进展报告"))
    if schedule.signed_contract(project) is None:
        raise ServiceError(
            _("项目 %(number)s 的任务书尚未由双方签订，还没有报告期。") % {"number": project.number},
            code="contract_not_signed",
        )
    p = _period(project, period, day=day)
    errors: dict = {}
    progress = text(
        progress,
        field="progress",
        label=_("项目进展情况"),
        max_length=LONG_TEXT_MAX,
        required=True,
        errors=errors,
    )
    milestones = text(
        milestones,
        field="milestones",
        label=_("阶段目标完成情况"),
        max_length=TEXT_MAX,
        required=True,
        errors=errors,
    )
    problems = text(
        problems, field="problems", label=_("存在的问题"), max_length=TEXT_MAX, required=False, errors=errors
    )
    spent = money_at_least_zero(funds_spent, field="funds_spent", label=_("累计使用财政资金"), errors=errors)
    paid = paid_to_date(project)
    if spent is not None and spent > paid:
        errors.setdefault("funds_spent", []).append(
            _("累计使用财政资金 %(v)s 元超过截至目前已拨付的 %(paid)s 元。")
            % {"v": fmt(spent), "paid": fmt(paid)}
        )
    raise_errors(
        errors, "report_invalid", _("进展报告有%(n)d处需要修改。") % {"n": sum(map(len, errors.values()))}
    )

    report = ProgressReport.objects.create(
        project=project,
        period=p.number,
        period_start=p.start,
        period_end=p.end,
        due_date=p.due,
        progress=progress,
        milestones=milestones,
        funds_spent=spent,
        paid_to_date=paid,
        problems=problems,
        submitted_by=actor,
        submitted_on=day,
        submitted_at=timezone.now(),
    )
    audit.record(
        "monitoring.report.submitted",
        actor=actor,
        role=role,
        target=report,
        after={"state": report.state, "funds_spent": spent, "progress": progress, "problems": problems},
        data={
            "project": project.pk,
            "period": p.number,
            "period_start": p.start,
            "period_end": p.end,
            "due_date": p.due,
            "paid_to_date": paid,
            "late": day > p.due,
            "replaces": [r.pk for r in p.returned],
        },
    )
    return report


@transaction.atomic
def review_progress_report(
    report,
    *,
    actor,
    decision: str,
    opinion: str = "",
    rectification: dict | None = None,
    today: dt.date | None = None,
) -> ProgressReport:
    """Accept or return a submitted report (returning needs an opinion). With ``rectification``
    (``{"issue", "requirement", "deadline"}``) a rectification order is issued in the same step."""
    row = ProgressReport.objects.only("project_id").get(pk=report.pk)
    project = lock_project(row.project)
    report = ProgressReport.objects.select_for_update().get(pk=report.pk)
    report.project = project
    role = require(actor, "monitoring.review_report", report, visible=visible_reports(actor))
    day = today_or(today)
    if decision not in ReviewDecision.values:
        msg = _("审核结论“%(v)s”无效（可选：accept 审核通过、return 退回重报）。") % {"v": decision}
        raise ServiceError(msg, code="decision_invalid", errors={"decision": [msg]})
    to = ReportState.ACCEPTED if decision == ReviewDecision.ACCEPT else ReportState.RETURNED
    if report.state != ReportState.SUBMITTED:
        raise ServiceError(
            _("该进展报告当前状态为“%(state)s”，已审核过，不能再次审核。")
            % {"state": report.get_state_display()},
            code="report_reviewed",
        )
    REPORT.check(report, to)
    errors: dict = {}
    opinion = text(
        opinion,
        field="opinion",
        label=_("审核意见"),
        max_length=TEXT_MAX,
        required=to == ReportState.RETURNED,
        errors=errors,
    )
    if to == ReportState.RETURNED and "opinion" in errors and not opinion:
        errors["opinion"] = [_("退回进展报告须写明审核意见（需要补充或修改的内容）。")]
    raise_errors(errors, "review_invalid", _("审核意见有误。"))
    report.state = to
    report.review_opinion = opinion
    report.reviewed_by = actor
    report.reviewed_on = day
    report.reviewed_at = timezone.now()
    report.save(update_fields=["state", "review_opinion", "reviewed_by", "reviewed_on", "reviewed_at"])
    audit.record(
        "monitoring.report.accepted" if to == ReportState.ACCEPTED else "monitoring.report.returned",
        actor=actor,
        role=role,
        target=report,
        before={"state": ReportState.SUBMITTED},
        after={"state": to},
        data={"project": project.pk, "period": report.period},
        reason=opinion,
    )
    if rectification is not None:
        from techfund.monitoring.services.rectifications import issue_rectification

        issue_rectification(
            project,
            actor=actor,
            report=report,
            issue=rectification.get("issue", ""),
            requirement=rectification.get("requirement", ""),
            deadline=rectification.get("deadline"),
            today=day,
        )
    return report

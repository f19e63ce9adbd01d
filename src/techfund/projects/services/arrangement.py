"""财政部门下资金: finance arranges the budget of each final item, which creates the project and
commits its amount in the ledger (reserved → commitment)."""

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from techfund.core.enums import CreditStatus
from techfund.core.errors import NotAllowed, NotVisible, ServiceError
from techfund.core.permissions import require
from techfund.core.services import audit, ledger
from techfund.decisions import accounts as decision_accounts
from techfund.decisions.enums import ItemState
from techfund.decisions.models import ProposalItem
from techfund.decisions.scopes import visible_items
from techfund.funds.accounts import data_language
from techfund.funds.validation import fmt
from techfund.policy.enums import SupportMode
from techfund.projects import accounts
from techfund.projects.enums import ProjectState
from techfund.projects.models import Project
from techfund.projects.services._common import project_snapshot

#: Support modes arranged per project in this stage. Each project's money is then paid through its
#: mode's instrument (grant tranches, equity stages, interest-subsidy claims, post-award payment).
#: Risk compensation is not a project: finance funds a bank's compensation pool from the area's
#: allocation (``techfund.riskpool``), and claims are paid from the pool.
ARRANGEABLE_MODES = frozenset({"grant", "equity", "interest_subsidy", "post_award"})
#: A budget may be arranged in the fund's year or the next (跨年度安排), not later.
FISCAL_YEARS_AHEAD = 1


NOTE_MAX = 300


def _mode_label(code) -> str:
    try:
        return str(SupportMode(code).label)
    except ValueError:
        return str(code or "—")


def not_arrangeable_reason(item) -> str:
    """Why the budget of a final item cannot be arranged in this stage ("" when it can): its support
    mode has its own instrument, or its implementing unit is on the 失信 list."""
    if item.support_mode not in ARRANGEABLE_MODES:
        return _(
            "支持方式为“%(mode)s”，不按项目安排预算：由财政部门从领域配置中设立风险补偿资金池，按代偿申请从资金池拨付。"
        ) % {"mode": _mode_label(item.support_mode)}
    if item.implementing_organisation.credit_status == CreditStatus.BLOCKED:
        return _("承担单位“%(org)s”处于失信惩戒期（限制申报），不能安排预算。") % {
            "org": item.implementing_organisation.name
        }
    return ""


def next_number(fund_year) -> str:
    """项目编号 KC{year}-{seq:04d}, sequential within the fund year (the caller holds the year lock)."""
    prefix = f"KC{fund_year.year}-"
    last = Project.objects.filter(fund_year=fund_year, number__startswith=prefix).aggregate(m=Max("number"))[
        "m"
    ]
    seq = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{seq:04d}"


def _fiscal_year(value, fund_year) -> int:
    if value in (None, ""):
        return fund_year.year
    try:
        year = int(value)
    except (TypeError, ValueError) as exc:
        msg = _("预算年度“%(v)s”不是有效的年份。") % {"v": value}
        raise ServiceError(msg, code="fiscal_year_invalid", errors={"fiscal_year": [msg]}) from exc
    if not fund_year.year <= year <= fund_year.year + FISCAL_YEARS_AHEAD:
        msg = _("预算年度应为%(a)s年或%(b)s年，收到%(v)s。") % {
            "a": fund_year.year,
            "b": fund_year.year + FISCAL_YEARS_AHEAD,
            "v": year,
        }
        raise ServiceError(msg, code="fiscal_year_out_of_range", errors={"fiscal_year": [msg]})
    return year


@transaction.atomic
def arrange_item(
    item, *, actor, fiscal_year=None, statutory_approved: bool = False, note: str = ""
) -> Project:
    """Arrange the budget of one final item: the project is created and the item's decided amount
    moves from the area's reservation to the project's commitment."""
    from techfund.decisions.services._common import lock_year

    item = ProposalItem.objects.select_related("batch").get(pk=item.pk)
    fund_year = lock_year(item.batch.fund_year_id)
    item = (
        ProposalItem.objects.select_for_update()
        .select_related("application__department", "focus_area", "implementing_organisation")
        .get(pk=item.pk)
    )
    role = require(actor, "projects.arrange", item, visible=visible_items(actor))
    if item.state != ItemState.FINAL:
        raise ServiceError(
            _("“%(title)s”尚未正式立项（当前：%(state)s），不能安排预算。")
            % {"title": item.application.title, "state": ItemState(item.state).label},
            code="item_not_final",
        )
    if Project.objects.filter(item=item).exists():
        raise ServiceError(
            _("“%(title)s”已安排预算（项目 %(number)s），不能重复安排。")
            % {"title": item.application.title, "number": item.project.number},
            code="already_arranged",
        )
    reason = not_arrangeable_reason(item)
    if reason:
        code = (
            "support_mode_not_arrangeable" if item.support_mode not in ARRANGEABLE_MODES else "unit_blocked"
        )
        raise ServiceError(
            _("“%(title)s”：%(reason)s") % {"title": item.application.title, "reason": reason}, code=code
        )
    if not isinstance(statutory_approved, bool):
        msg = _("“预算已按法定程序批准”须为是或否。")
        raise ServiceError(msg, code="statutory_approved_invalid", errors={"statutory_approved": [msg]})
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        msg = _("安排说明不能超过%(n)s个字符。") % {"n": NOTE_MAX}
        raise ServiceError(msg, code="note_too_long", errors={"note": [msg]})
    year = _fiscal_year(fiscal_year, fund_year)
    application = item.application
    amount = item.decided_amount
    project = Project(
        fund_year=fund_year,
        number=next_number(fund_year),
        title=application.title,
        item=item,
        application=application,
        focus_area=item.focus_area,
        department=application.department,
        organisation=item.implementing_organisation,
        support_mode=item.support_mode,
        amount=amount,
        fiscal_year=year,
        statutory_approved=bool(statutory_approved),
        start_date=application.start_date,
        end_date=application.end_date,
        note=note,
        arranged_by=actor,
    )
    with data_language():
        memo = _("预算安排：%(title)s %(amount)s 元") % {"title": application.title, "amount": fmt(amount)}
    # The entry needs the project's accounts, which are named after its number: post first, then save.
    entry = ledger.transfer(
        decision_accounts.reserved_account(fund_year.year, item.focus_area),
        accounts.commitment_account(project),
        amount,
        code="projects.project.arranged",
        memo=memo,
        year=fund_year.year,
        actor=actor,
        ref=item,
    )
    project.commitment_entry = entry
    project.save()
    audit.record(
        "projects.project.arranged",
        actor=actor,
        role=role,
        target=project,
        after=project_snapshot(project),
        data={"item": item.pk, "application": application.pk, "entry": entry.pk, "number": project.number},
        reason=note,
    )
    return project


def _items(items) -> list:
    """The items (records or ids) in the order given, once each; unknown ids answer 404."""
    out, seen = [], set()
    for it in items or ():
        pk = getattr(it, "pk", it)
        try:
            pk = int(pk)
        except (TypeError, ValueError) as exc:
            msg = _("立项事项编号“%(v)s”无效。") % {"v": it}
            raise ServiceError(msg, code="items_invalid", errors={"items": [msg]}) from exc
        if pk not in seen:
            seen.add(pk)
            out.append(pk)
    found = {i.pk: i for i in ProposalItem.objects.filter(pk__in=out).select_related("application")}
    missing = [pk for pk in out if pk not in found]
    if missing:
        raise NotVisible("projects.arrange")
    return [found[pk] for pk in out]


@transaction.atomic
def arrange_items(
    items, *, actor, fiscal_year=None, statutory_approved: bool = False, note: str = ""
) -> list[Project]:
    """Arrange the budgets of several final items at once, all or nothing: when any item is refused
    none is arranged, and the one message lists every refused item with its reason."""
    require(actor, "projects.arrange")
    items = _items(items)
    if not items:
        msg = _("请选择要安排预算的项目。")
        raise ServiceError(msg, code="items_required", errors={"items": [msg]})
    projects, failures, errors = [], [], {}
    for item in items:
        try:
            with transaction.atomic():
                projects.append(
                    arrange_item(
                        item,
                        actor=actor,
                        fiscal_year=fiscal_year,
                        statutory_approved=statutory_approved,
                        note=note,
                    )
                )
        except (NotVisible, NotAllowed):
            raise
        except ServiceError as exc:
            message = str(exc.message)
            title = item.application.title
            failures.append(
                message
                if title in message
                else _("“%(title)s”：%(reason)s") % {"title": title, "reason": message}
            )
            for field, msgs in exc.errors.items():
                for m in msgs:
                    if str(m) not in errors.setdefault(field, []):
                        errors[field].append(str(m))
    if failures:
        errors.setdefault("items", []).extend(failures)
        raise ServiceError(
            _("%(n)d个项目未能安排预算，本次选择的%(total)d个项目均未安排：%(list)s")
            % {"n": len(failures), "total": len(items), "list": "；".join(failures)},
            code="arrangement_refused",
            errors=errors,
        )
    return projects


@transaction.atomic
def create_emergency_project(
    *,
    fund_year,
    title,
    organisation,
    department,
    focus_area,
    amount,
    start_date,
    end_date,
    actor,
    role,
    request,
) -> Project:
    """一事一议: the leading group's approval creates the project directly; its amount is committed
    from the focus area's allocation. Called by the emergency stage's approval service, which has
    already checked permission and locked the fund year."""
    project = Project(
        fund_year=fund_year,
        number=next_number(fund_year),
        title=title,
        focus_area=focus_area,
        department=department,
        organisation=organisation,
        support_mode="grant",
        amount=amount,
        fiscal_year=fund_year.year,
        statutory_approved=False,
        emergency=True,
        start_date=start_date,
        end_date=end_date,
        arranged_by=actor,
    )
    with data_language():
        memo = _("一事一议项目：%(title)s %(amount)s 元") % {"title": title, "amount": fmt(amount)}
    entry = ledger.transfer(
        decision_accounts.area_account(fund_year.year, focus_area),
        accounts.commitment_account(project),
        amount,
        code="projects.project.emergency",
        memo=memo,
        year=fund_year.year,
        actor=actor,
        ref=request,
    )
    project.commitment_entry = entry
    project.save()
    audit.record(
        "projects.project.created_emergency",
        actor=actor,
        role=role,
        target=project,
        after=project_snapshot(project),
        data={"request": request.pk, "entry": entry.pk, "number": project.number},
    )
    return project


@transaction.atomic
def confirm_statutory_approval(project, *, actor, reason: str = "") -> Project:
    """Record that the project's budget has passed its statutory approval (按法定程序批准); payments
    wait for it."""
    from techfund.projects.scopes import visible_projects
    from techfund.projects.services._common import lock_project

    project = lock_project(project)
    role = require(actor, "projects.confirm_statutory_approval", project, visible=visible_projects(actor))
    if project.statutory_approved:
        raise ServiceError(_("该项目预算已确认按法定程序批准。"), code="already_approved")
    if project.state in (ProjectState.TERMINATED, ProjectState.COMPLETED):
        raise ServiceError(
            _("项目当前状态为“%(state)s”，不能再确认预算批准。")
            % {"state": ProjectState(project.state).label},
            code="project_closed",
        )
    before = project_snapshot(project)
    project.statutory_approved = True
    project.save(update_fields=["statutory_approved"])
    audit.record(
        "projects.project.statutory_approved",
        actor=actor,
        role=role,
        target=project,
        before=before,
        after=project_snapshot(project),
        reason=reason,
    )
    return project

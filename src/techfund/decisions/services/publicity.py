"""公示 and 异议: approved items are published for the policy's number of working days; anyone may
object; the office resolves each objection; the items become final when the period is over with no
objection open (an upheld objection withdraws its item and releases the money).
"""

import datetime as dt

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from techfund.applications.models import Application
from techfund.core import workdays
from techfund.core.errors import ServiceError
from techfund.core.permissions import require
from techfund.core.services import audit
from techfund.decisions.enums import ItemState, ObjectionState, PublicityState
from techfund.decisions.models import Objection, ProposalItem, Publicity
from techfund.decisions.scopes import visible_objections, visible_publicities
from techfund.decisions.services._common import (
    fmt,
    lock_year,
    move_application,
    raise_errors,
    text,
    today_or,
)
from techfund.decisions.services.batches import _release, item_snapshot
from techfund.decisions.transitions import ITEM, OBJECTION, PUBLICITY, fmt_date
from techfund.funds.accounts import data_language
from techfund.funds.scopes import visible_fund_years


class _Public:
    """The actor of a public objection: nobody signed in. The trail names it ``public``; no personal
    data and no address goes into the (unchangeable) trail, only the request id."""

    pk = None
    username = "public"
    is_authenticated = False

    def __str__(self) -> str:
        return "public"


PUBLIC = _Public()

#: Length limits of an objection's fields (the form and the API enforce the same).
NAME_MAX, CONTACT_MAX, REASON_MAX = 50, 100, 2000


# ---------------------------------------------------------------- dates


def working_days_of(fund_year) -> int:
    n = fund_year.profile.rule("publicity.working_days")
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ServiceError(
            _("政策配置没有设定公示期（publicity.working_days），请先在政策配置中设定。"),
            code="publicity_days_missing",
        )
    return n


def next_working_day(today: dt.date | None = None) -> dt.date:
    """The first working day after ``today`` (a publicity published today starts then)."""
    return workdays.add_working_days(today_or(today) + dt.timedelta(days=1), 1)


def publicity_period(fund_year, starts_on: dt.date | None = None, *, today: dt.date | None = None):
    """(starts_on, ends_on, working_days) of a publicity published now; raises the calendar's message
    when a day in the period has no calendar (nothing is ever counted silently wrong)."""
    n = working_days_of(fund_year)
    try:
        start = starts_on or next_working_day(today)
        end = workdays.add_working_days(start, n)
    except ServiceError as exc:
        raise ServiceError(exc.message, code=exc.code, errors={"starts_on": [str(exc.message)]}) from exc
    return start, end, n


# ---------------------------------------------------------------- publish


def _publicity_snapshot(p: Publicity) -> dict:
    return {
        "number": p.number,
        "title": p.title,
        "state": p.state,
        "starts_on": p.starts_on,
        "ends_on": p.ends_on,
        "working_days": p.working_days,
        "items": list(p.items.order_by("id").values_list("id", flat=True)),
    }


@transaction.atomic
def publish_publicity(fund_year, *, actor, items, starts_on=None, title: str = "") -> Publicity:
    """发布公示: approved items not yet publicised; the end date is counted in working days."""
    fund_year = lock_year(fund_year.pk)
    role = require(actor, "decisions.publish_publicity", fund_year, visible=visible_fund_years(actor))
    ids = sorted({i.pk if isinstance(i, ProposalItem) else int(i) for i in (items or [])})
    if not ids:
        msg = _("请至少选择一个审定同意的项目。")
        raise ServiceError(msg, code="publicity_empty", errors={"items": [msg]})
    locked = list(
        ProposalItem.objects.select_for_update()
        .filter(pk__in=ids)
        .select_related("batch", "application")
        .order_by("id")
    )
    problems = []
    if len(locked) != len(ids):
        problems.append(_("有项目不存在。"))
    for it in locked:
        if it.batch.fund_year_id != fund_year.pk:
            problems.append(
                _("“%(t)s”不属于%(year)s年度。") % {"t": it.application.title, "year": fund_year.year}
            )
        elif it.state != ItemState.APPROVED or it.publicity_id is not None:
            problems.append(
                _("“%(t)s”当前为“%(state)s”，只有审定同意且尚未公示的项目可以公示。")
                % {"t": it.application.title, "state": it.get_state_display()}
            )
    if problems:
        raise ServiceError("".join(problems), code="publicity_items_invalid", errors={"items": problems})
    errors: dict = {}
    title = text(title, field="title", label=_("公示标题"), max_length=200, required=False, errors=errors)
    raise_errors(errors, "publicity_invalid", _("公示信息有误，请按提示修改。"))
    start, end, n = publicity_period(fund_year, starts_on)

    number = (Publicity.objects.filter(fund_year=fund_year).aggregate(m=Max("number"))["m"] or 0) + 1
    if not title:
        with data_language():
            title = _("%(year)s年度第%(n)s批立项项目公示") % {"year": fund_year.year, "n": number}
    publicity = Publicity.objects.create(
        fund_year=fund_year,
        number=number,
        title=title,
        starts_on=start,
        ends_on=end,
        working_days=n,
        published_by=actor,
    )
    for it in locked:
        ITEM.check(it, ItemState.IN_PUBLICITY)
        before = item_snapshot(it)
        it.state = ItemState.IN_PUBLICITY
        it.publicity = publicity
        it.save(update_fields=["state", "publicity"])
        audit.record(
            "decisions.item.publicised",
            actor=actor,
            role=role,
            target=it,
            before=before,
            after=item_snapshot(it),
        )
        app = Application.objects.select_for_update().get(pk=it.application_id)
        move_application(app, "in_publicity", actor=actor, role=role, item=it)
    audit.record(
        "decisions.publicity.published",
        actor=actor,
        role=role,
        target=publicity,
        after=_publicity_snapshot(publicity),
    )
    return publicity


# ---------------------------------------------------------------- objections


@transaction.atomic
def file_objection(publicity, *, item, name, contact, reason, today: dt.date | None = None) -> Objection:
    """提出异议 — anyone, no account needed, while the publicity is open (through its end date)."""
    publicity = Publicity.objects.select_for_update().get(pk=publicity.pk)
    today = today_or(today)
    if publicity.state != PublicityState.OPEN or today > publicity.ends_on:
        raise ServiceError(
            _("“%(t)s”的公示期已于%(end)s结束，不再受理异议。")
            % {"t": publicity.title, "end": fmt_date(publicity.ends_on)},
            code="publicity_closed",
        )
    item_id = item.pk if isinstance(item, ProposalItem) else item
    it = None
    if item_id not in (None, ""):
        it = (
            ProposalItem.objects.select_related("application")
            .filter(pk=item_id if str(item_id).isdigit() else None, publicity=publicity)
            .first()
        )
    errors: dict = {}
    if it is None:
        errors.setdefault("item", []).append(_("请选择本次公示中的项目。"))
    elif it.state != ItemState.IN_PUBLICITY:
        errors.setdefault("item", []).append(
            _("“%(t)s”已%(state)s，不再受理异议。")
            % {"t": it.application.title, "state": it.get_state_display()}
        )
    name = text(
        name, field="name", label=_("异议人姓名或单位"), max_length=NAME_MAX, required=True, errors=errors
    )
    contact = text(
        contact, field="contact", label=_("联系方式"), max_length=CONTACT_MAX, required=True, errors=errors
    )
    reason = text(
        reason, field="reason", label=_("异议内容"), max_length=REASON_MAX, required=True, errors=errors
    )
    raise_errors(errors, "objection_invalid", _("异议信息有误，请按提示修改。"))
    objection = Objection.objects.create(
        publicity=publicity, item=it, name=name, contact=contact, reason=reason
    )
    audit.record(
        "decisions.objection.filed",
        actor=PUBLIC,
        target=objection,
        after={"publicity": publicity.pk, "item": it.pk, "state": objection.state},
    )
    return objection


@transaction.atomic
def resolve_objection(objection, *, actor, upheld: bool, reply) -> Objection:
    """处理异议: upheld → the item is withdrawn and its money released; dismissed → the reply is recorded."""
    row = Objection.objects.select_related("publicity").get(pk=objection.pk)
    lock_year(row.publicity.fund_year_id)
    publicity = Publicity.objects.select_for_update().get(pk=row.publicity_id)
    objection = Objection.objects.select_for_update().get(pk=objection.pk)
    role = require(actor, "decisions.resolve_objection", objection, visible=visible_objections(actor))
    if objection.state != ObjectionState.OPEN:
        raise ServiceError(
            _("该异议已处理（%(state)s），不能重复处理。") % {"state": objection.get_state_display()},
            code="objection_resolved",
        )
    target = ObjectionState.UPHELD if upheld else ObjectionState.DISMISSED
    OBJECTION.check(objection, target)
    errors: dict = {}
    reply = text(reply, field="reply", label=_("处理意见"), max_length=2000, required=True, errors=errors)
    raise_errors(errors, "reply_required", _("请填写处理意见。"))

    objection.state = target
    objection.reply = reply
    objection.resolved_by = actor
    objection.resolved_at = timezone.now()
    objection.save(update_fields=["state", "reply", "resolved_by", "resolved_at"])
    data = {"publicity": publicity.pk, "item": objection.item_id}
    if upheld:
        item = ProposalItem.objects.select_for_update().select_related("focus_area").get(pk=objection.item_id)
        if item.state == ItemState.IN_PUBLICITY:
            data["release_entry"] = _withdraw(item, publicity, actor=actor, role=role, reply=reply)
        else:
            data["item_already"] = item.state
    audit.record(
        "decisions.objection.upheld" if upheld else "decisions.objection.dismissed",
        actor=actor,
        role=role,
        target=objection,
        before={"state": ObjectionState.OPEN},
        after={"state": target},
        data=data,
        reason=reply,
    )
    return objection


def _withdraw(item, publicity, *, actor, role, reply) -> int:
    fund_year = publicity.fund_year
    app = Application.objects.select_for_update().get(pk=item.application_id)
    ITEM.check(item, ItemState.WITHDRAWN)
    before = item_snapshot(item)
    with data_language():
        memo = _("公示异议成立，撤销立项：%(title)s，释放 %(a)s 元") % {
            "title": app.title,
            "a": fmt(item.decided_amount),
        }
    entry = _release(item, fund_year, item.decided_amount, actor=actor, memo=memo)
    item.state = ItemState.WITHDRAWN
    item.release_entry = entry
    item.save(update_fields=["state", "release_entry"])
    audit.record(
        "decisions.item.withdrawn",
        actor=actor,
        role=role,
        target=item,
        before=before,
        after=item_snapshot(item),
        data={"release_entry": entry.pk},
        reason=reply,
    )
    move_application(app, "withdrawn", actor=actor, role=role, item=item, reason=reply)
    return entry.pk


# ---------------------------------------------------------------- end


@transaction.atomic
def end_publicity(publicity, *, actor, today: dt.date | None = None) -> Publicity:
    """公示期满办结: after the end date, with no open objection; the remaining items become final."""
    row = Publicity.objects.get(pk=publicity.pk)
    lock_year(row.fund_year_id)
    publicity = Publicity.objects.select_for_update().get(pk=publicity.pk)
    role = require(actor, "decisions.end_publicity", publicity, visible=visible_publicities(actor))
    PUBLICITY.check(publicity, PublicityState.ENDED, today=today_or(today))
    before = _publicity_snapshot(publicity)
    finals, withdrawn = [], []
    for it in publicity.items.select_for_update().order_by("id"):
        if it.state != ItemState.IN_PUBLICITY:
            withdrawn.append(it.pk)
            continue
        ITEM.check(it, ItemState.FINAL)
        item_before = item_snapshot(it)
        it.state = ItemState.FINAL
        it.save(update_fields=["state"])
        audit.record(
            "decisions.item.finalised",
            actor=actor,
            role=role,
            target=it,
            before=item_before,
            after=item_snapshot(it),
        )
        app = Application.objects.select_for_update().get(pk=it.application_id)
        move_application(app, "final", actor=actor, role=role, item=it)
        finals.append(it.pk)
    publicity.state = PublicityState.ENDED
    publicity.ended_at = timezone.now()
    publicity.save(update_fields=["state", "ended_at"])
    audit.record(
        "decisions.publicity.ended",
        actor=actor,
        role=role,
        target=publicity,
        before=before,
        after=_publicity_snapshot(publicity),
        data={"final": finals, "not_final": withdrawn},
    )
    return publicity


# ---------------------------------------------------------------- reads


def final_list(fund_year):
    """The year's final project list (立项清单): items past publicity with no upheld objection."""
    return (
        ProposalItem.objects.filter(batch__fund_year=fund_year, state=ItemState.FINAL)
        .select_related(
            "application__organisation", "implementing_organisation", "focus_area", "batch", "publicity"
        )
        .order_by("focus_area__order", "review_rank", "id")
    )


def publicity_items(publicity):
    """The items of a publicity, for its pages (public and internal)."""
    return publicity.items.select_related("application", "implementing_organisation", "focus_area").order_by(
        "focus_area__order", "review_rank", "id"
    )


__all__ = [
    "PUBLIC",
    "end_publicity",
    "file_objection",
    "final_list",
    "next_working_day",
    "publicity_items",
    "publicity_period",
    "publish_publicity",
    "resolve_objection",
]

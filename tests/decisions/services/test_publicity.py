"""Publicity counted in Chinese working days, objections from the public, ending the period."""

import datetime as dt
from decimal import Decimal

import pytest

from techfund.applications.enums import ApplicationState
from techfund.core import workdays
from techfund.core.errors import NotAllowed, ServiceError
from techfund.core.models import AuditEvent
from techfund.core.services import audit
from techfund.decisions import services
from techfund.decisions.models import Objection
from tests.decisions.conftest import (
    END,
    START,
    area,
    make_application,
    make_call,
    nothing_saved,
    reserved,
    review,
)

M = Decimal("1000000.00")
IN_PERIOD = dt.date(2026, 10, 8)


def test_working_days_across_national_day_2026(publicity, approved):
    """9/29 and 9/30, then 国庆 10/1–10/7 off, then 10/8, 10/9 and the make-up Saturday 10/10."""
    assert (publicity.starts_on, publicity.ends_on, publicity.working_days) == (START, END, 5)
    assert publicity.number == 1 and publicity.title == "2026年度第1批立项项目公示"
    for it in approved:
        it.refresh_from_db()
        it.application.refresh_from_db()
        assert it.state == "in_publicity" and it.publicity == publicity
        assert it.application.state == ApplicationState.IN_PUBLICITY
    ev = AuditEvent.objects.get(action="decisions.publicity.published")
    assert ev.after["ends_on"] == "2026-10-10" and sorted(ev.after["items"]) == sorted(i.pk for i in approved)


def test_default_start_is_the_next_working_day(fund_year, approved, office):
    start, end, n = services.publicity_period(fund_year, today=dt.date(2026, 9, 30))
    assert (start, end, n) == (
        dt.date(2026, 10, 8),
        dt.date(2026, 10, 13),
        5,
    )  # 8, 9, 10 (make-up Sat), 12, 13
    p = services.publish_publicity(fund_year, actor=office, items=[approved[0].pk])
    assert p.starts_on == services.next_working_day() and p.starts_on > dt.date.today() - dt.timedelta(days=1)
    assert p.ends_on == workdays.add_working_days(p.starts_on, 5)


def test_a_year_without_calendar_is_refused_until_the_office_records_it(fund_year, approved, office):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.publish_publicity(
            fund_year, actor=office, items=list(approved), starts_on=dt.date(2027, 3, 1)
        )
    assert exc.value.code == "calendar_missing"
    assert exc.value.message == (
        "2027年的法定节假日和调休安排尚未录入（内置日历只到2026年）。请领导小组办公室先在“工作日历”中录入2027年的安排。"
    )
    assert exc.value.errors == {"starts_on": [exc.value.message]}
    # The office records the year (one holiday in the period) and marks it complete.
    workdays.set_day(actor=office, date=dt.date(2027, 3, 3), is_workday=False, note="测试假日")
    workdays.mark_year_complete(actor=office, year=2027, document="国办发明电〔2026〕X号")
    p = services.publish_publicity(
        fund_year, actor=office, items=list(approved), starts_on=dt.date(2027, 3, 1)
    )
    assert p.ends_on == dt.date(2027, 3, 8)  # Mon 1, Tue 2, (Wed 3 off), Thu 4, Fri 5, Mon 8


def test_publish_refusals(fund_year, submitted, proposed, approved, office, leader):
    with nothing_saved():
        with pytest.raises(ServiceError) as exc:
            services.publish_publicity(fund_year, actor=office, items=[])
        assert exc.value.message == "请至少选择一个审定同意的项目。"
        with pytest.raises(NotAllowed):
            services.publish_publicity(fund_year, actor=leader, items=list(approved), starts_on=START)
    services.publish_publicity(fund_year, actor=office, items=[approved[0]], starts_on=START)
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.publish_publicity(fund_year, actor=office, items=list(approved), starts_on=START)
    assert (
        exc.value.message
        == f"“{approved[0].application.title}”当前为“公示中”，只有审定同意且尚未公示的项目可以公示。"
    )


def test_a_rejected_item_is_not_publicised(fund_year, submitted, proposed, office, leader):
    a, b = proposed
    services.decide_item(a, actor=leader, decision="reject", basis="不符合方向")
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.publish_publicity(fund_year, actor=office, items=[a], starts_on=START)
    assert exc.value.code == "publicity_items_invalid" and "审定不同意" in exc.value.message


def test_objection_filed_by_the_public(publicity, approved):
    a, _b = approved
    o = services.file_objection(
        publicity, item=a, name="张三", contact="13800000000", reason="申报材料与实际不符", today=IN_PERIOD
    )
    assert o.state == "open" and o.item == a
    ev = AuditEvent.objects.get(action="decisions.objection.filed")
    assert ev.actor is None and ev.actor_name == "public" and ev.role == ""
    assert "张三" not in str(ev.after) and "13800000000" not in str(ev.after)  # no personal data in the trail
    # the last day of the period still counts
    services.file_objection(publicity, item=a, name="李四", contact="li@example.com", reason="x", today=END)


def test_objection_refusals(publicity, approved, fund_year, office):
    a, _b = approved
    with nothing_saved():
        with pytest.raises(ServiceError) as exc:
            services.file_objection(
                publicity, item=a, name="张三", contact="1", reason="x", today=END + dt.timedelta(days=1)
            )
        assert exc.value.code == "publicity_closed"
        assert (
            exc.value.message == "“2026年度第1批立项项目公示”的公示期已于2026年10月10日结束，不再受理异议。"
        )
        with pytest.raises(ServiceError) as exc:
            services.file_objection(
                publicity, item=a, name=" ", contact="", reason="x" * 2001, today=IN_PERIOD
            )
        assert exc.value.errors == {
            "name": ["请填写异议人姓名或单位。"],
            "contact": ["请填写联系方式。"],
            "reason": ["异议内容不能超过2000个字符。"],
        }
        with pytest.raises(ServiceError) as exc:
            services.file_objection(
                publicity, item=999999, name="a", contact="b", reason="c", today=IN_PERIOD
            )
        assert exc.value.errors == {"item": ["请选择本次公示中的项目。"]}


def test_upheld_objection_withdraws_and_releases(publicity, approved, fund_year, office):
    a, b = approved
    assert area(fund_year) == 3 * M and reserved(fund_year) == 7 * M
    o = services.file_objection(
        publicity, item=a, name="张三", contact="138", reason="数据造假", today=IN_PERIOD
    )
    o2 = services.file_objection(
        publicity, item=a, name="李四", contact="139", reason="同上", today=IN_PERIOD
    )
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.resolve_objection(o, actor=office, upheld=True, reply="")
    assert exc.value.message == "请填写处理意见。"
    services.resolve_objection(o, actor=office, upheld=True, reply="经核查属实，撤销立项。")
    a.refresh_from_db()
    a.application.refresh_from_db()
    assert a.state == "withdrawn" and a.application.state == ApplicationState.WITHDRAWN
    assert a.release_entry is not None and a.release_entry.code == "decisions.item.released"
    assert area(fund_year) == 7 * M and reserved(fund_year) == 3 * M  # area balance restored
    # a second objection on the withdrawn item: upheld again moves no money
    services.resolve_objection(o2, actor=office, upheld=True, reply="同一事项，已撤销。")
    assert area(fund_year) == 7 * M
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.resolve_objection(o, actor=office, upheld=False, reply="再议")
    assert exc.value.message == "该异议已处理（异议成立），不能重复处理。"
    # no objections on a withdrawn item
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.file_objection(publicity, item=a, name="王五", contact="1", reason="x", today=IN_PERIOD)
    assert exc.value.errors == {"item": [f"“{a.application.title}”已异议成立，已撤销，不再受理异议。"]}
    assert audit.verify().ok


def test_end_publicity(publicity, approved, fund_year, office, finance):
    a, b = approved
    o = services.file_objection(
        publicity, item=b, name="张三", contact="138", reason="疑似重复申报", today=IN_PERIOD
    )
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.end_publicity(publicity, actor=office, today=END)
    assert exc.value.code == "publicity_not_over"
    assert exc.value.message == "公示期至2026年10月10日，尚未期满，不能办结。"
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.end_publicity(publicity, actor=office, today=END + dt.timedelta(days=1))
    assert exc.value.code == "objections_open"
    assert exc.value.message == f"尚有1条异议未处理，处理完毕后才能办结公示：#{o.pk} {b.application.title}。"
    with nothing_saved(), pytest.raises(NotAllowed):
        services.end_publicity(publicity, actor=finance, today=END + dt.timedelta(days=1))
    services.resolve_objection(o, actor=office, upheld=False, reply="经核查，不属于重复申报。")
    services.end_publicity(publicity, actor=office, today=END + dt.timedelta(days=1))
    publicity.refresh_from_db()
    assert publicity.state == "ended" and publicity.ended_at
    assert [i.pk for i in services.final_list(fund_year)] == [a.pk, b.pk]
    for it in approved:
        it.application.refresh_from_db()
        assert it.application.state == ApplicationState.FINAL
    with nothing_saved(), pytest.raises(ServiceError):
        services.file_objection(publicity, item=a, name="a", contact="b", reason="c", today=IN_PERIOD)
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.end_publicity(publicity, actor=office)
    assert exc.value.message == "当前状态为“公示期满”，不能变更为“公示期满”。"


def test_happy_path_from_reviewed_applications_to_the_final_list(fund_year, office, leader):
    """Three reviewed applications in two areas → one batch → approve / modify / reject → publicity
    with one upheld objection → the final list; balances and the trail checked at each step."""
    major, key_rd = make_call(fund_year), make_call(fund_year, area="key_rd")
    x = make_application(
        fund_year, call=major, requested="5000000.00", title="X 海工装备", state="formal_passed"
    )
    y = make_application(
        fund_year, call=major, requested="4000000.00", title="Y 氢能储运", state="formal_passed"
    )
    z = make_application(
        fund_year, call=key_rd, requested="3000000.00", title="Z 生物育种", state="formal_passed"
    )
    w = make_application(
        fund_year, call=key_rd, requested="2000000.00", title="W 智能传感", state="formal_passed"
    )
    review(major, [(x, "92.00"), (y, "86.50")])
    review(key_rd, [(z, "90.00"), (w, "78.00")])
    assert [a.state for a in (x, y, z, w)] == ["reviewed"] * 4
    batch = services.create_batch(fund_year, actor=office, title="")
    ix = services.propose_item(batch, actor=office, application=x, amount="5000000.00", support_mode="grant")
    iy = services.propose_item(batch, actor=office, application=y, amount="4000000.00", support_mode="equity")
    iz = services.propose_item(batch, actor=office, application=z, amount="3000000.00", support_mode="grant")
    iw = services.propose_item(batch, actor=office, application=w, amount="2000000.00", support_mode="grant")
    services.submit_batch(batch, actor=office)
    assert (area(fund_year), reserved(fund_year)) == (1 * M, 9 * M)
    assert (area(fund_year, "key_rd"), reserved(fund_year, "key_rd")) == (0, 5 * M)

    services.decide_item(ix, actor=leader, decision="approve", basis="同意")
    services.decide_item(iy, actor=leader, decision="modify", amount="3000000.00", basis="压减至300万")
    services.decide_item(iz, actor=leader, decision="approve", basis="同意")
    services.decide_item(iw, actor=leader, decision="reject", basis="不同意")
    assert (area(fund_year), reserved(fund_year)) == (2 * M, 8 * M)
    assert (area(fund_year, "key_rd"), reserved(fund_year, "key_rd")) == (2 * M, 3 * M)
    batch.refresh_from_db()
    assert batch.state == "decided"

    p = services.publish_publicity(fund_year, actor=office, items=[ix, iy, iz], starts_on=START)
    o = services.file_objection(
        p, item=iz, name="某研究所", contact="0633-1234567", reason="成果归属有争议", today=IN_PERIOD
    )
    services.resolve_objection(o, actor=office, upheld=True, reply="异议成立")
    services.end_publicity(p, actor=office, today=END + dt.timedelta(days=1))

    final = list(services.final_list(fund_year))
    assert [(i.application.title, i.decided_amount) for i in final] == [
        ("X 海工装备", 5 * M),
        ("Y 氢能储运", 3 * M),
    ]
    assert (area(fund_year), reserved(fund_year)) == (2 * M, 8 * M)
    assert (area(fund_year, "key_rd"), reserved(fund_year, "key_rd")) == (5 * M, 0)
    states = {a.title: a.state for a in (x, y, z, w) if not a.refresh_from_db()}
    assert states == {
        "X 海工装备": "final",
        "Y 氢能储运": "final",
        "Z 生物育种": "withdrawn",
        "W 智能传感": "not_approved",
    }
    assert not Objection.objects.filter(state="open").exists()
    assert audit.verify().ok

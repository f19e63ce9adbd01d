"""The audit trail pages: filters, pagination, Excel export, the chain check button."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from techfund.core.enums import Role
from techfund.core.models import AuditEvent
from techfund.core.services import people
from tests import factories


@pytest.fixture
def trail(db, secadmin, make_user):
    """Grants and a revocation with a reason, so there is something to filter."""
    user = make_user(Role.EXPERT)
    grant = user.grants.get()
    people.revoke_role(actor=secadmin, grant=grant, reason="回避：与申报单位有利害关系")
    factories.organisation(name="泰山科技有限公司")
    return user


def seqs(response):
    return [ev.seq for ev in response.context["page"]]


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.AUDITADMIN])
def test_list_for_auditors(client, login, make_user, trail, role):
    r = login(make_user(role)).get(reverse("audit_list"))
    assert r.status_code == 200
    html = r.content.decode()
    assert "撤销角色" in html and "授予角色" in html  # action labels, not codes
    assert seqs(r) == sorted(seqs(r), reverse=True)  # newest first


def test_filters(client, login, auditor, trail, secadmin):
    login(auditor)
    url = reverse("audit_list")
    r = client.get(url, {"action": "role.revoked"})
    assert [ev.action for ev in r.context["page"]] == ["role.revoked"]
    r = client.get(url, {"action": "role.*"})
    assert {ev.action for ev in r.context["page"]} == {"role.granted", "role.revoked"}
    r = client.get(url, {"q": "利害关系"})
    assert [ev.reason for ev in r.context["page"]] == ["回避：与申报单位有利害关系"]
    r = client.get(url, {"actor": secadmin.username})
    assert {ev.actor_id for ev in r.context["page"]} == {secadmin.pk}
    r = client.get(url, {"role": Role.SECADMIN})
    assert {ev.role for ev in r.context["page"]} == {Role.SECADMIN}
    r = client.get(url, {"target_type": "core.user", "target_id": str(trail.pk)})
    assert {(ev.target_type, ev.target_id) for ev in r.context["page"]} == {("core.user", str(trail.pk))}
    assert r.context["page"].paginator.count >= 3  # created, granted, revoked
    today = timezone.localdate().isoformat()
    r = client.get(url, {"start": today, "end": today})
    assert r.context["page"].paginator.count == AuditEvent.objects.count()
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    r = client.get(url, {"start": tomorrow})
    assert r.context["page"].paginator.count == 0


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        (
            {"start": "yesterday"},
            "start",
            "时间格式应为“年-月-日 时:分”或“年-月-日”，例如 2026-03-01 09:30。",
        ),
        ({"start": "2026-03-02", "end": "2026-03-01"}, "end", "截止时间不能早于起始时间。"),
        ({"role": "boss"}, "role", None),
    ],
)
def test_bad_filters_say_what_is_wrong(client, login, auditor, trail, params, field, message):
    r = login(auditor).get(reverse("audit_list"), params)
    assert r.status_code == 200 and r.context["page"] is None
    assert field in r.context["filters"].errors
    if message:
        assert r.context["filters"].errors[field] == [message]
        assert message in r.content.decode()
    assert login(auditor).get(reverse("audit_export"), params).status_code == 400


def test_pagination(client, login, auditadmin, db):
    for _ in range(30):
        factories.user(Role.EXPERT)  # 60 events: created and granted
    login(auditadmin)
    r = client.get(reverse("audit_list"))
    assert len(r.context["page"]) == 50 and r.context["page"].has_next()
    r2 = client.get(reverse("audit_list"), {"page": 2})
    assert set(seqs(r)).isdisjoint(seqs(r2))


def test_excel_export(client, login, auditor, trail):
    before = AuditEvent.objects.count()
    r = login(auditor).get(reverse("audit_export"), {"action": "role.*"})
    assert r.status_code == 200
    assert r["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in r["Content-Disposition"]
    wb = load_workbook(io.BytesIO(r.content))
    ws = wb["留痕记录"]
    rows = list(ws.iter_rows(values_only=True))
    header = rows[0]
    assert header[:8] == (
        "序号",
        "时间（北京时间）",
        "时间戳（UTC，用于复核摘要）",
        "操作人账号",
        "操作人姓名",
        "操作身份",
        "操作",
        "操作代码",
    )
    assert header[-3:] == ("摘要算法", "上一条摘要", "本条摘要")
    expected = list(AuditEvent.objects.filter(action__startswith="role.", seq__lte=before).order_by("seq"))
    assert [row[0] for row in rows[1:]] == [ev.seq for ev in expected]
    revoked = next(row for row in rows[1:] if row[7] == "role.revoked")
    ev = AuditEvent.objects.get(action="role.revoked")
    assert revoked[6] == "撤销角色" and revoked[5] == "安全管理员"
    assert revoked[11] == "回避：与申报单位有利害关系"
    assert revoked[-2:] == (ev.prev_hash, ev.hash)
    assert revoked[1] == timezone.localtime(ev.at).replace(tzinfo=None, microsecond=0)
    cover = dict(wb["导出说明"].iter_rows(values_only=True))
    assert cover["记录条数"] == str(len(expected)) and "role.*" in cover["筛选条件"]
    # exporting is itself recorded
    export = AuditEvent.objects.get(action="audit.exported")
    assert export.actor == auditor and export.data["rows"] == len(expected)


def test_excel_export_keeps_hostile_text_as_text(client, login, auditor, secadmin, expert):
    grant = expert.grants.get()
    people.revoke_role(actor=secadmin, grant=grant, reason='=HYPERLINK("http://evil","x")\x07')
    r = login(auditor).get(reverse("audit_export"), {"action": "role.revoked"})
    ws = load_workbook(io.BytesIO(r.content))["留痕记录"]
    cell = ws.cell(row=2, column=12)
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("http://evil","x")\\x07'


@pytest.mark.parametrize("role", [Role.OFFICE, Role.SYSADMIN, Role.SECADMIN, Role.APPLICANT])
def test_export_and_verify_forbidden_to_others(client, login, make_user, role):
    login(make_user(role))
    assert client.get(reverse("audit_export")).status_code == 403
    assert client.post(reverse("audit_verify")).status_code == 403
    assert not AuditEvent.objects.filter(action__startswith="audit.").exists()


def test_verify_button(client, login, auditadmin, trail):
    login(auditadmin)
    n = AuditEvent.objects.count()
    assert client.get(reverse("audit_verify")).status_code == 405
    r = client.post(reverse("audit_verify"), headers={"hx-request": "true"})
    assert r.status_code == 200
    assert f"留痕链完整：已逐条校验 {n} 条记录，未发现篡改。" in r.content.decode()
    assert "<html" not in r.content.decode()  # the fragment for htmx
    ev = AuditEvent.objects.get(action="audit.verified")
    assert ev.data["ok"] is True and ev.actor == auditadmin
    r = client.post(reverse("audit_verify"))
    assert "<html" in r.content.decode() and "留痕链完整" in r.content.decode()


def test_verify_button_names_the_first_bad_event(client, login, auditor, trail):
    from django.db import connection

    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("ALTER TABLE core_auditevent DISABLE TRIGGER USER")
        else:
            cur.execute("DROP TRIGGER core_auditevent_no_update")
        cur.execute("UPDATE core_auditevent SET reason = 'x' WHERE seq = 2")
    r = login(auditor).post(reverse("audit_verify"), headers={"hx-request": "true"})
    html = r.content.decode()
    assert "留痕链校验未通过。" in html and "第一处异常：序号 2" in html
    assert "content does not match its hash" in html


def test_export_too_large_asks_to_narrow_the_filters(client, login, auditor, trail, monkeypatch):
    from techfund.core.services import trail as trail_service

    monkeypatch.setattr(trail_service, "MAX_EXPORT_ROWS", 2)
    login(auditor)
    n = AuditEvent.objects.count()
    r = client.get(reverse("audit_export"))
    assert r.status_code == 400
    assert f"符合条件的记录有 {n} 条，超过单次导出上限 2 条" in r.content.decode()
    assert not AuditEvent.objects.filter(action="audit.exported").exists()
    assert client.get(reverse("audit_export"), {"action": "role.revoked"}).status_code == 200

"""The shared template pieces: {% audit_trail %}, labels, durations, the form-errors partial."""

import datetime as dt

from django.template import Context, Template
from django.test import RequestFactory

from techfund.core import audit_actions
from techfund.core.errors import ServiceError
from techfund.core.forms import OrganisationForm
from techfund.core.models import AuditEvent
from techfund.core.services import people
from tests import factories


def render(source, **ctx):
    return Template("{% load techfund %}" + source).render(Context(ctx))


def test_audit_trail_tag(db, secadmin, sysadmin):
    user = factories.user("expert")
    grant = user.grants.get()
    people.revoke_role(actor=secadmin, grant=grant, reason="回避")
    html = render("{% audit_trail obj %}", obj=user)
    ev = AuditEvent.objects.get(action="role.revoked")
    local = ev.at.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m-%d %H:%M:%S")
    assert local in html  # Asia/Shanghai
    assert "撤销角色" in html and "授予角色" in html and "创建账号" in html
    assert "安全管理员" in html and "回避" in html
    assert "<details" in html and "变更前" in html


def test_audit_trail_tag_for_an_unsaved_object(db):
    from techfund.core.models import Organisation

    assert "暂无操作记录" in render("{% audit_trail obj %}", obj=Organisation())


def test_action_labels_and_fallback():
    assert audit_actions.label("role.granted") == "授予角色"
    assert audit_actions.label("fund.framework_year.approved") == "fund · framework year · approved"
    audit_actions.register_actions({"test.only": "测试操作"})
    try:
        assert render("{{ c|action_label }}", c="test.only") == "测试操作"
    finally:
        audit_actions.ACTIONS.pop("test.only")


def test_role_label_and_duration():
    assert render("{{ r|role_label }}", r="leading_group") == "领导小组成员"
    assert render("{{ r|role_label }}", r="system") == "系统"
    assert render("{{ r|role_label }}", r="") == "—"
    assert render("{{ d|duration }}", d=dt.timedelta(seconds=300)) == "5分钟"
    assert render("{{ d|duration }}", d=dt.timedelta(seconds=5430)) == "1小时30分钟30秒"


def test_form_errors_partial_shows_service_message_and_field_errors(db):
    form = OrganisationForm({"uscc": "x", "name": "n", "kind": "enterprise"})
    assert form.is_valid()
    form.apply_service_error(
        ServiceError(
            "单位信息有误，请按提示修改。",
            code="organisation_invalid",
            errors={"uscc": ["第18位不对"], "other": ["整体错误"]},
        )
    )
    html = Template('{% include "core/_form_errors.html" %}').render(Context({"form": form}))
    assert "单位信息有误，请按提示修改。" in html
    assert "第18位不对" in html and "统一社会信用代码" in html  # the field's label
    assert "整体错误" in html  # an error for a field the form does not have


def test_nav_links_for_anonymous_and_admin(db, sysadmin):
    request = RequestFactory().get("/")
    request.user = sysadmin
    html = Template('{% include "core/_nav.html" %}').render(Context({"request": request, "user": sysadmin}))
    assert 'href="/accounts/"' in html and 'href="/grants/"' not in html

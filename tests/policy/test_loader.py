"""Loading: versions, idempotence, the audit trail, permissions, and refusal of bad files."""

import hashlib

import pytest
from django.utils import translation

from techfund.core.enums import Role
from techfund.core.errors import NotAllowed, ServiceError
from techfund.core.models import AuditEvent, Department
from techfund.core.services import audit
from techfund.policy.loader import load_file, load_preset, load_text
from techfund.policy.models import FocusArea, PolicyProfile
from tests import factories
from tests.policy.helpers import counts, mutate, preset_text

pytestmark = pytest.mark.django_db


def test_reloading_identical_content_is_a_no_op(rizhao):
    before = counts()
    again = load_preset("rizhao", actor=None)
    assert again.pk == rizhao.pk and again.version == 1 and again.was_created is False
    assert counts() == before  # no new rows, no new audit event


def test_a_changed_file_becomes_version_2(rizhao):
    text, _ = mutate(preset_text(), "    working_days: 5\n", "    working_days: 6\n")
    v2 = load_text(text, actor=None, source_name="rizhao-v2.yaml")
    rizhao.refresh_from_db()
    assert (v2.version, v2.is_active, v2.was_created) == (2, True, True)
    assert rizhao.is_active is False
    assert v2.rule("publicity.working_days") == 6 and rizhao.rule("publicity.working_days") == 5
    assert PolicyProfile.objects.filter(code="rizhao", year=2026, is_active=True).get() == v2
    # version 1 keeps its own rows; version 2 has new ones
    assert (
        FocusArea.objects.filter(profile=rizhao).count() == FocusArea.objects.filter(profile=v2).count() == 6
    )
    superseded = AuditEvent.objects.get(action="policy.superseded")
    assert superseded.target_id == str(rizhao.pk) and superseded.data["superseded_by"] == v2.pk
    # the old content again is a new version (a re-activation is recorded, not silently restored)
    v3 = load_preset("rizhao", actor=None)
    assert (v3.version, v3.source_digest) == (3, rizhao.source_digest)


def test_the_load_is_audited(db):
    text = preset_text("taian")
    profile = load_preset("taian", actor=None)
    event = AuditEvent.objects.get(action="policy.loaded")
    assert event.target_type == "policy.policyprofile" and event.target_id == str(profile.pk)
    assert event.actor_id is None and event.actor_name == "system" and event.role == "system"
    assert (
        event.data["source_digest"]
        == hashlib.sha256(text.encode("utf-8")).hexdigest()
        == profile.source_digest
    )
    assert event.data["source_name"] == "preset:taian"
    assert event.data["focus_areas"] == 6 and event.data["source_types"] == 9
    assert sorted(event.data["departments_created"]) == sorted(event.data["departments"])
    assert event.after["version"] == 1 and event.after["is_active"] is True
    # the departments were created in the same load, under the same request id
    created = AuditEvent.objects.filter(action="department.created")
    assert created.count() == 8
    assert {e.request_id for e in created} == {event.request_id} and event.request_id.startswith("policy-")
    assert profile.source_text == text
    assert audit.verify().ok


def test_office_loads_and_is_recorded(office):
    profile = load_preset("rizhao", actor=office)
    assert profile.loaded_by == office
    event = AuditEvent.objects.get(action="policy.loaded")
    assert (event.actor_id, event.role) == (office.pk, Role.OFFICE)
    # departments are the system administrator's; for the office's load the system creates them
    assert set(
        AuditEvent.objects.filter(action="department.created").values_list("actor_name", flat=True)
    ) == {"system"}
    assert audit.verify().ok


def test_sysadmin_creates_departments_in_own_name(sysadmin):
    load_preset("rizhao", actor=sysadmin)
    names = set(AuditEvent.objects.filter(action="department.created").values_list("actor_name", flat=True))
    assert names == {sysadmin.username}


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.EXPERT, Role.FINANCE, Role.DEPARTMENT, Role.SECADMIN])
def test_others_may_not_load(role):
    user = factories.user(role)
    before = counts()
    with pytest.raises(NotAllowed):
        load_preset("rizhao", actor=user)
    assert counts() == before


def test_existing_department_is_reused_not_duplicated(db):
    dept = factories.department("science_technology", name="市科学技术局", short_name="科技")
    profile = load_preset("rizhao", actor=None)
    assert Department.objects.filter(code="science_technology").count() == 1
    assert profile.source_types.filter(code="st_innovation").get().department == dept
    assert (
        "science_technology" not in AuditEvent.objects.get(action="policy.loaded").data["departments_created"]
    )


def test_department_name_taken_by_another_code(db):
    factories.department("kjj", name="市科学技术局", short_name="科技局")
    text = preset_text()
    before = counts()
    with pytest.raises(ServiceError) as exc:
        load_text(text, actor=None)
    _, line = mutate(text, "    name: 市科学技术局", "")
    assert exc.value.errors["file"] == [
        f"第{line}行 departments[0].name：名称“市科学技术局”已被代码为“kjj”的部门使用；请改用该代码。"
    ]
    assert counts() == before


RIZHAO = preset_text()

BAD_FILES = {
    # case: (old, new, the field path the error names, a fragment of the message)
    "missing field": (
        "leading_group: 市创建国家创新型城市工作领导小组\n",
        "",
        "leading_group",
        "缺少必填字段",
    ),
    "missing nested field": ("    short_name: 人社\n", "", "departments[2].short_name", "缺少必填字段"),
    "wrong type": ("    order: 3\n", "    order: 第三\n", "focus_areas[2].order", "应为整数"),
    "unknown mode": (
        "establishment_modes: [competitive, commissioned]\n    description: 支持争创",
        "establishment_modes: [competitive, lottery]\n    description: 支持争创",
        "focus_areas[2].establishment_modes[1]",
        "“lottery”不是可选值",
    ),
    "bad money": ('  value: "200000000.00"', "  value: 200000000", "min_annual_scale.value", "两位小数"),
    "bad ratio": (
        '    first_tranche_min_ratio: "0.60"',
        '    first_tranche_min_ratio: "60%"',
        "rules.tranches.first_tranche_min_ratio",
        "比例",
    ),
    "rectification default above its maximum": (
        "    rectification_days: 30\n",
        "    rectification_days: 120\n",
        "rules.monitoring.rectification_days",
        "不能超过整改期限上限",
    ),
    "duplicate code": ("  - code: agri_tech", "  - code: talent", "source_types[5].code", "“talent”重复"),
    "unknown department": (
        "    department: ocean",
        "    department: navy",
        "source_types[4].department",
        "“navy”不在 departments 中",
    ),
    "weights": (
        "output: 35, outcome: 30}",
        "output: 35, outcome: 40}",
        "rules.comprehensive_weights.weights",
        "之和应为100",
    ),
    "grades": (
        "{code: good, name: 良, min_score: 80}",
        "{code: good, name: 良, min_score: 95}",
        "rules.evaluation_grades.grades[1].min_score",
        "从高到低",
    ),
}


@pytest.mark.parametrize("case", BAD_FILES, ids=list(BAD_FILES))
def test_bad_file_names_line_and_field_and_changes_nothing(rizhao, case):
    old, new, path, fragment = BAD_FILES[case]
    text, line = mutate(RIZHAO, old, new)
    before = counts()
    with pytest.raises(ServiceError) as exc:
        load_text(text, actor=None, source_name="bad.yaml")
    messages = exc.value.errors["file"]
    assert exc.value.code == "policy_invalid"
    assert len(messages) == 1, messages
    assert messages[0].startswith(f"第{line}行 {path}：") or (
        # a missing key is reported at its parent's line
        "缺少" in messages[0] and f" {path}：" in messages[0]
    ), messages
    assert fragment in messages[0]
    assert counts() == before
    rizhao.refresh_from_db()
    assert rizhao.is_active


def test_missing_key_reports_the_parent_line():
    text, line = mutate(RIZHAO, "    short_name: 人社\n", "")
    with pytest.raises(ServiceError) as exc:
        load_text(text, actor=None)
    assert exc.value.errors["file"] == [
        f"第{line - 2}行 departments[2].short_name：缺少必填字段“short_name”（简称）。"
    ]


def test_yaml_syntax_error_names_the_line(db):
    text, line = mutate(RIZHAO, "city: 日照市\n", "city: 日照市: 泰安市\n")
    before = counts()
    with pytest.raises(ServiceError) as exc:
        load_text(text, actor=None)
    [message] = exc.value.errors["file"]
    assert message.startswith(f"第{line}行：YAML 语法错误（第10列）：mapping values are not allowed here")
    assert counts() == before


def test_every_error_is_reported_not_only_the_first(db):
    text = RIZHAO
    text, line_year = mutate(text, "year: 2026", "year: '2026'")
    text, line_level = mutate(text, "    level: central", "    level: national")
    text, line_table = mutate(text, "  publicity:\n", "  publicty:\n")
    with pytest.raises(ServiceError) as exc:
        load_text(text, actor=None)
    messages = exc.value.errors["file"]
    assert any(m.startswith(f"第{line_year}行 year：") for m in messages)
    assert any(m.startswith(f"第{line_level}行 source_types[9].level：") for m in messages)
    assert any(m.startswith(f"第{line_table}行 rules.publicty：未知的规则表") for m in messages)
    assert any("rules.publicity：缺少规则表" in m for m in messages)
    assert len(messages) == 4
    assert "有4处错误" in str(exc.value.message)
    assert PolicyProfile.objects.count() == 0


def test_messages_follow_the_language(db):
    text, _ = mutate(RIZHAO, "year: 2026", "year: '2026'")
    with translation.override("en"), pytest.raises(ServiceError) as exc:
        load_text(text, actor=None)
    # the English catalogue: still with the line and the field
    message = exc.value.errors["file"][0]
    assert message.startswith("Line 11 year") and "2026" in message


def test_load_file_and_unknown_preset(tmp_path, db):
    path = tmp_path / "rizhao-2027.yaml"
    path.write_text("\ufeff" + RIZHAO.replace("year: 2026", "year: 2027"), encoding="utf-8")
    profile = load_file(path, actor=None)
    assert (profile.year, profile.source_name) == (2027, "rizhao-2027.yaml")

    (tmp_path / "gbk.yaml").write_bytes("city: 日照市".encode("gbk"))
    with pytest.raises(ServiceError) as exc:
        load_file(tmp_path / "gbk.yaml", actor=None)
    assert "UTF-8" in exc.value.errors["file"][0]
    with pytest.raises(ServiceError) as exc:
        load_file(tmp_path / "missing.yaml", actor=None)
    assert exc.value.code == "policy_unreadable"
    with pytest.raises(ServiceError) as exc:
        load_preset("../settings", actor=None)
    assert exc.value.code == "preset_unknown"
    with pytest.raises(ServiceError) as exc:
        load_preset("rizhao", actor=None, year=1999)
    assert exc.value.code == "policy_year"

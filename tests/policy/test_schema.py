"""Validation of the policy file format (no database): each check names the line and the field."""

import pytest

from techfund.policy import schema
from tests.policy.helpers import mutate, preset_text

RIZHAO = preset_text("rizhao")
TAIAN = preset_text("taian")


def problems(text: str) -> list[str]:
    doc, profile = schema.parse(text)
    assert (profile is None) == bool(doc.problems)
    return doc.messages()


def test_presets_are_valid():
    assert problems(RIZHAO) == []
    assert problems(TAIAN) == []


def one(text, old, new) -> tuple[str, int]:
    changed, line = mutate(text, old, new)
    found = problems(changed)
    assert len(found) == 1, found
    return found[0], line


@pytest.mark.parametrize(
    ("old", "new", "path", "fragment"),
    [
        ("    own_procedure: true\n", "", "source_types[2].own_procedure", "own_procedure 应为 true"),
        (
            "    procedure_owner: 市委人才工作领导小组\n",
            "",
            "source_types[2].procedure_owner",
            "须写明该领导小组",
        ),
        (
            "    stable_support: true\n",
            "    stable_support: yes please\n",
            "focus_areas[5].stable_support",
            "应为 true 或 false",
        ),
        (
            "    establishment_modes: [stable]\n",
            "    establishment_modes: [competitive]\n",
            "focus_areas[5].stable_support",
            "须包含 stable",
        ),
        (
            '    bank_min_share: "0.30"',
            "    bank_min_share: 0.3",
            "rules.risk_compensation.bank_min_share",
            "未加引号",
        ),
        ('    max_share: "0.25"', '    max_share: "1.25"', "rules.equity.max_share", "不能大于1"),
        ("    working_days: 5\n", "    working_days: 9\n", "rules.publicity.working_days", "5～7"),
        ("    panel_max: 7", "    panel_max: 3", "rules.review.panel_max", "上限不能小于下限"),
        (
            "    audit_retention_days: 180",
            "    audit_retention_days: 90",
            "rules.security.audit_retention_days",
            "不能小于180",
        ),
        (
            '      fair: {action: reduce, reduce_ratio: "0.20"}',
            "      fair: {action: reduce}",
            "rules.results_to_budget.actions.fair.reduce_ratio",
            "压减比例",
        ),
        (
            "{output: 50, outcome: 30, satisfaction: 10, budget_execution: 10}",
            "{output: 50, outcome: 30, happiness: 10, budget_execution: 10}",
            "rules.self_evaluation_weights.weights.happiness",
            "不是指标体系中的一级指标",
        ),
        (
            '      - {up_to: "10000000.00", rate: "0.25"}\n      - {up_to: null, rate: "0.20"}',
            '      - {up_to: "1000000.00", rate: "0.25"}\n      - {up_to: null, rate: "0.20"}',
            "rules.indirect_costs.tiers[1].up_to",
            "逐档递增",
        ),
        (
            '      partly: {min: "0.60", max: "0.80"}',
            '      partly: {min: "0.50", max: "0.80"}',
            "rules.auto_scoring.qualitative_bands",
            "首尾相接",
        ),
        (
            "    marks: {password_max_age_days: I}",
            "    marks: {password_age: I}",
            "rules.security.marks.password_age",
            "不是本表的字段",
        ),
        (
            "  evaluation_grades:\n    mark: S\n",
            "  evaluation_grades:\n    mark: X\n",
            "rules.evaluation_grades.mark",
            "来源标记",
        ),
        ("    name: 市海洋发展局\n", "    name: 市农业农村局\n", "departments[4].name", "重复"),
        ("  - code: talent\n", "  - code: Talent\n", "source_types[2].code", "小写字母"),
        ("  date: 2020-09-28", "  date: 2020-09-31", "document.date", "应为日期"),
    ],
)
def test_field_errors(old, new, path, fragment):
    message, line = one(RIZHAO, old, new)
    assert f" {path}：" in message, message
    assert fragment in message, message
    assert message.startswith("第"), message


def test_line_is_the_line_of_the_field():
    message, line = one(RIZHAO, "    order: 4\n", "    order: 0\n")
    assert message == f"第{line}行 focus_areas[3].order：不能小于1（现为0）。"


def test_misspelt_key_is_unknown_and_the_right_one_missing():
    text, line = mutate(RIZHAO, "    lockout_failures: 5\n", "    lockout_failure: 5\n")
    _, table_line = mutate(RIZHAO, "  security:\n", "")
    assert problems(text) == [
        f"第{table_line}行 rules.security.lockout_failures：缺少必填字段“lockout_failures”（连续登录失败锁定次数）。",
        f"第{line}行 rules.security.lockout_failure：未知字段；是否应为“lockout_failures”？",
    ]
    text, line = mutate(RIZHAO, "document:\n  title:", "document:\n  titel:")
    assert problems(text)[1] == f"第{line + 1}行 document.titel：未知字段；是否应为“title”？"


def test_duplicate_yaml_key():
    message, line = one(RIZHAO, "city: 日照市\n", "city: 日照市\ncity: 泰安市\n")
    assert message == f"第{line + 1}行 city：键重复（第{line}行已出现）。"


def test_equity_share_requires_the_equity_mode():
    text, _ = mutate(RIZHAO, "support_modes: [grant, equity, ", "support_modes: [grant, ")
    found = problems(text)
    assert any("equity_pilot_share：设置了股权投资试点比例" in m for m in found)
    assert any("rules.equity" not in m for m in found)


def test_mode_dependent_rule_tables():
    # Rizhao runs 以赛代评, so its table is required; Tai'an does not, and needs none
    start, end = RIZHAO.index("  competition:\n"), RIZHAO.index("  publicity:\n")
    found = problems(RIZHAO[:start] + RIZHAO[end:])
    assert found == [
        f"第{RIZHAO[: RIZHAO.index('rules:')].count(chr(10)) + 1}行 rules.competition：缺少规则表“competition”（以赛代评）。"
    ]
    assert "competition" not in TAIAN.split("rules:")[1]


def test_focus_area_modes_must_be_the_city_modes():
    # Tai'an has no 以赛代评: a focus area may not use it
    message, line = one(
        TAIAN,
        "    establishment_modes: [competitive, stable]",
        "    establishment_modes: [competitive, competition]",
    )
    assert (
        message
        == f"第{line}行 focus_areas[1].establishment_modes：立项方式“competition”不在本配置的 establishment_modes 中。"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "第1行：文件为空。"),
        ("# only a comment\n", "第1行：文件为空。"),
        ("- a\n- b\n", "第1行：应为映射（键: 值），实际是列表。"),
        ("a: [1, 2\n", "YAML 语法错误"),
        ("a: 1\n---\nb: 2\n", "YAML 语法错误"),
    ],
)
def test_not_a_policy_document(text, expected):
    found = problems(text)
    assert expected in found[0]


def test_alias_expansion_is_bounded():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for i in range(1, 8):
        bomb += f"{'b' * i}: &{'b' * i} [{', '.join(['*' + ('b' * (i - 1) if i > 1 else 'a')] * 10)}]\n"
    found = problems(bomb)
    assert found == [f"文件过大或别名展开过多（超过{schema.MAX_NODES}个节点）。"]


def test_problem_without_line_or_path():
    assert str(schema.Problem(None, (), "x")) == "x"
    assert str(schema.Problem(None, ("a", 0, "b"), "x")) == "a[0].b：x"
    assert (
        schema.format_path(("rules", "tranches", "first_payment_days")) == "rules.tranches.first_payment_days"
    )

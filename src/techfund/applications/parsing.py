"""Parsing what the applicant types into the shapes ``save_draft`` stores (shape only, not completeness).

Errors are keyed by field, list rows as ``budget_lines[2].amount`` (0-based), so forms and API
clients can put each message beside its input.
"""

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from techfund.applications.enums import BudgetCategory, IndicatorType, TargetKind, TeamRole
from techfund.calls import validation as v

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
KEYWORD_SPLIT = re.compile(r"[,，、;；\s]+")
MAX_KEYWORDS = 10
TARGET_PLACES = Decimal("0.0001")
MAX_TARGET = Decimal("99999999999999.9999")


def normalise_id(value: str) -> str:
    return re.sub(r"\s+", "", value or "").upper()


def id_number(value, *, field: str) -> str:
    """A resident ID (18 characters, check character verified) or another document number (5–30 letters/digits)."""
    s = normalise_id(value if isinstance(value, str) else "")
    if not s:
        v._fail(field, _("请填写证件号码。"), "required")
    if re.fullmatch(r"\d{17}[\dX]", s):
        check = ID_CHECK[sum(int(d) * w for d, w in zip(s[:17], ID_WEIGHTS, strict=True)) % 11]
        if s[17] != check:
            v._fail(field, _("身份证号码“%(v)s”的校验位不正确。") % {"v": s}, "id_number_invalid")
    elif not re.fullmatch(r"[A-Z0-9]{5,30}", s):
        v._fail(field, _("证件号码“%(v)s”格式不正确。") % {"v": s}, "id_number_invalid")
    return s


def keywords(value, *, field: str = "keywords") -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        items = KEYWORD_SPLIT.split(value)
    elif isinstance(value, Iterable) and not isinstance(value, Mapping):
        items = []
        for item in value:
            if not isinstance(item, str):
                v._fail(field, _("关键词应为文字。"))
            items.extend(KEYWORD_SPLIT.split(item))
    else:
        v._fail(field, _("关键词应为文字列表。"))
    out: list[str] = []
    for item in items:
        item = item.strip()
        if not item or item in out:
            continue
        if len(item) > 20:
            v._fail(field, _("关键词“%(k)s”超过20个字符。") % {"k": item})
        out.append(item)
    if len(out) > MAX_KEYWORDS:
        v._fail(field, _("关键词最多 %(n)s 个。") % {"n": MAX_KEYWORDS})
    return out


def choice(value, choices, *, field: str, label, default=None) -> str | None:
    value = (value or "").strip() if isinstance(value, str) else value
    if not value:
        if default is not None:
            return default
        v._fail(field, _("请选择%(label)s。") % {"label": label}, "required")
    if value not in choices.values:
        v._fail(field, _("%(label)s“%(v)s”不在可选范围内。") % {"label": label, "v": value})
    return value


def target_value(value, *, field: str) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        d = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        d = None
    if d is None or isinstance(value, bool) or not d.is_finite():
        v._fail(field, _("目标值“%(v)s”不是有效的数字。") % {"v": value})
    if abs(d) > MAX_TARGET:
        v._fail(field, _("目标值过大。"))
    if d != d.quantize(TARGET_PLACES):
        v._fail(field, _("目标值最多保留四位小数。"))
    return d.quantize(TARGET_PLACES)


def _rows(value, name: str, c: v.Collector) -> list[Mapping]:
    if value is None:
        return []
    if isinstance(value, str | Mapping) or not isinstance(value, Iterable):
        c.add(name, _("应为列表。"))
        return []
    rows = list(value)
    for i, row in enumerate(rows):
        if not isinstance(row, Mapping):
            c.add(f"{name}[{i}]", _("第%(n)s行格式不正确。") % {"n": i + 1})
    return [r if isinstance(r, Mapping) else {} for r in rows]


def team(value, c: v.Collector) -> list[dict]:
    out, leads, seen = [], 0, {}
    for i, row in enumerate(_rows(value, "team", c)):
        p = f"team[{i}]"
        member = {
            "name": c.take(
                v.text, row.get("name"), field=f"{p}.name", label=_("姓名"), max_length=50, required=True
            ),
            "id_number": c.take(id_number, row.get("id_number"), field=f"{p}.id_number"),
            "role": c.take(
                choice, row.get("role"), TeamRole, field=f"{p}.role", label=_("分工"), default=TeamRole.MEMBER
            ),
            "organisation_name": c.take(
                v.text,
                row.get("organisation_name"),
                field=f"{p}.organisation_name",
                label=_("工作单位"),
                max_length=200,
            ),
            "title": c.take(v.text, row.get("title"), field=f"{p}.title", label=_("职称"), max_length=50),
        }
        if member["role"] == TeamRole.LEAD:
            leads += 1
            if leads > 1:
                c.add(f"{p}.role", _("项目负责人只能有一位。"))
        if member["id_number"]:
            if member["id_number"] in seen:
                c.add(
                    f"{p}.id_number",
                    _("证件号码与第%(n)s位成员重复。") % {"n": seen[member["id_number"]] + 1},
                )
            seen.setdefault(member["id_number"], i)
        out.append(member)
    return out


def budget_lines(value, c: v.Collector) -> list[dict]:
    out = []
    for i, row in enumerate(_rows(value, "budget_lines", c)):
        p = f"budget_lines[{i}]"
        line = {
            "category": c.take(
                choice, row.get("category"), BudgetCategory, field=f"{p}.category", label=_("预算科目")
            ),
            "item": c.take(
                v.text, row.get("item"), field=f"{p}.item", label=_("明细"), max_length=200, required=True
            ),
            "amount": c.take(
                v.money, row.get("amount"), field=f"{p}.amount", label=_("金额"), positive=True, required=True
            ),
            "equipment_purchase": v.boolean(row.get("equipment_purchase", False)),
            "note": c.take(v.text, row.get("note"), field=f"{p}.note", label=_("说明"), max_length=300),
        }
        if line["equipment_purchase"] and line["category"] not in (None, BudgetCategory.EQUIPMENT):
            c.add(f"{p}.equipment_purchase", _("只有设备费可以标记为设备购置。"))
        out.append(line)
    return out


def targets(value, c: v.Collector) -> list[dict]:
    out = []
    for i, row in enumerate(_rows(value, "targets", c)):
        p = f"targets[{i}]"
        kind = c.take(choice, row.get("kind"), TargetKind, field=f"{p}.kind", label=_("指标类别"))
        itype = c.take(
            choice, row.get("indicator_type"), IndicatorType, field=f"{p}.indicator_type", label=_("指标类型")
        )
        value_ = c.take(target_value, row.get("target_value"), field=f"{p}.target_value")
        text = c.take(
            v.text, row.get("target_text"), field=f"{p}.target_text", label=_("定性目标"), max_length=300
        )
        if itype == IndicatorType.ZERO and value_ is None and f"{p}.target_value" not in c.errors:
            value_ = Decimal("0.0000")
        if (
            itype in (IndicatorType.HIGHER, IndicatorType.LOWER)
            and value_ is None
            and f"{p}.target_value" not in c.errors
        ):
            c.add(f"{p}.target_value", _("定量指标请填写目标值。"))
        if itype == IndicatorType.QUALITATIVE and not text and f"{p}.target_text" not in c.errors:
            c.add(f"{p}.target_text", _("定性指标请填写目标描述。"))
        out.append(
            {
                "kind": kind,
                "name": c.take(
                    v.text,
                    row.get("name"),
                    field=f"{p}.name",
                    label=_("指标名称"),
                    max_length=200,
                    required=True,
                ),
                "indicator_type": itype,
                "unit": c.take(
                    v.text, row.get("unit"), field=f"{p}.unit", label=_("计量单位"), max_length=20
                ),
                "target_value": value_,
                "target_text": text,
            }
        )
    return out


def milestones(value, c: v.Collector) -> list[dict]:
    out = []
    for i, row in enumerate(_rows(value, "milestones", c)):
        p = f"milestones[{i}]"
        out.append(
            {
                "due_date": c.take(
                    v.day, row.get("due_date"), field=f"{p}.due_date", label=_("完成时间"), required=True
                ),
                "description": c.take(
                    v.text,
                    row.get("description"),
                    field=f"{p}.description",
                    label=_("阶段目标"),
                    max_length=300,
                    required=True,
                ),
            }
        )
    return out

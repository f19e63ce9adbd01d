"""The rule tables of a profile, turned into labelled rows for people to read.

Labels, units and choice names come from ``schema.RULE_TABLES`` (the same description the loader
validates with), so a key is described once. Values are formatted for reading: ratios as percent,
money in yuan (with 万元/亿元), choices by their Chinese names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from techfund.policy import schema


@dataclass
class Row:
    key: str
    label: str
    lines: list[str]
    mark: str = ""  # only when it differs from the table's mark
    editable: bool = False


@dataclass
class Section:
    key: str
    label: str
    mark: str
    mark_title: str
    document: str
    note: str
    rows: list[Row] = field(default_factory=list)


def mark_title(mark: str) -> str:
    return "；".join(f"{m}：{schema.MARKS[m]}" for m in (mark or "").split("/") if m in schema.MARKS)


def _dec(value) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, TypeError):
        return None


def _plain(number: Decimal) -> str:
    text = format(number, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def percent(value) -> str:
    number = _dec(value)
    return "" if number is None else f"{_plain(number * 100)}%"


def money(value) -> str:
    """``"5000000.00"`` → ``5,000,000.00元（500万元）``."""
    number = _dec(value)
    if number is None:
        return ""
    text = _("%(amount)s元") % {"amount": f"{number:,.2f}"}
    short = money_short(number)
    return f"{text}（{short}）" if short else text


def money_short(value) -> str:
    number = _dec(value)
    if number is None or number == 0:
        return ""
    if number >= 100_000_000 and number % 1_000_000 == 0:
        return _("%(n)s亿元") % {"n": _plain(number / 100_000_000)}
    if number % 100 == 0:
        return _("%(n)s万元") % {"n": _plain(number / 10_000)}
    return ""


def _names(values, choices) -> str:
    return "、".join(str(choices.get(v, v)) for v in values or [])


def _grades(value, ctx) -> list[str]:
    lines, upper = [], None
    for grade in value or []:
        name, low = (
            grade.get("name") or schema.GRADES.get(grade.get("code"), ""),
            _plain(_dec(grade["min_score"])),
        )
        if upper is None:
            lines.append(_("%(name)s：%(low)s分及以上") % {"name": name, "low": low})
        elif _dec(grade["min_score"]) == 0:
            lines.append(_("%(name)s：%(high)s分以下") % {"name": name, "high": upper})
        else:
            lines.append(
                _("%(name)s：%(low)s分（含）至%(high)s分") % {"name": name, "low": low, "high": upper}
            )
        upper = low
    return lines


def _ordered(mapping: dict, order) -> list:
    """The items of ``mapping`` in ``order`` (PostgreSQL's jsonb does not keep the file's key order)."""
    rank = {key: i for i, key in enumerate(order)}
    return sorted((mapping or {}).items(), key=lambda item: (rank.get(item[0], len(rank)), item[0]))


def _weights(value, ctx) -> list[str]:
    names = ctx["indicator_names"]
    return [" · ".join(f"{names.get(k, k)} {_plain(_dec(v))}" for k, v in _ordered(value, names))]


def _tree(value, ctx) -> list[str]:
    return [
        f"{node.get('name')}：" + "、".join(child.get("name", "") for child in node.get("children") or [])
        for node in value or []
    ]


def _bands(value, ctx) -> list[str]:
    return [
        _("%(band)s：得分率 %(lo)s～%(hi)s")
        % {"band": label, "lo": percent(value[k]["min"]), "hi": percent(value[k]["max"])}
        for k, label in schema.BANDS.items()
        if isinstance((value or {}).get(k), dict)
    ]


def _actions(value, ctx) -> list[str]:
    lines = []
    for grade, item in _ordered(value, schema.GRADES):
        text = str(schema.BUDGET_ACTIONS.get(item.get("action"), item.get("action")))
        if item.get("reduce_ratio"):
            text += _("（默认压减%(ratio)s）") % {"ratio": percent(item["reduce_ratio"])}
        lines.append(f"{ctx['grade_names'].get(grade, grade)}：{text}")
    return lines


def _tiers(value, ctx) -> list[str]:
    lines, lower = [], None
    for tier in value or []:
        rate = percent(tier["rate"])
        if tier.get("up_to") is None:
            lines.append(_("%(lo)s以上部分：%(rate)s") % {"lo": money_short(lower), "rate": rate})
        elif lower is None:
            lines.append(_("%(hi)s及以下部分：%(rate)s") % {"hi": money_short(tier["up_to"]), "rate": rate})
        else:
            lines.append(
                _("%(lo)s至%(hi)s部分：%(rate)s")
                % {"lo": money_short(lower), "hi": money_short(tier["up_to"]), "rate": rate}
            )
        lower = tier.get("up_to") or lower
    return lines


def _superseded(value, ctx) -> list[str]:
    return [
        f"{old.get('document')}：" + " / ".join(percent(t["rate"]) for t in old.get("tiers") or [])
        for old in value or []
    ]


def _categories(value, ctx) -> list[str]:
    return ["、".join(c.get("name", "") + (f"（{c['note']}）" if c.get("note") else "") for c in value or [])]


STRUCT_RENDERERS = {
    "grades": _grades,
    "weights": _weights,
    "indicators": _tree,
    "qualitative_bands": _bands,
    "actions": _actions,
    "tiers": _tiers,
    "superseded": _superseded,
    "categories": _categories,
}


def format_value(spec: schema.F, key: str, value, ctx: dict) -> list[str]:
    if value is None:
        return [_("不设")]
    kind = spec.kind
    unit = str(spec.unit or "")
    if kind == "bool":
        return [_("是") if value else _("否")]
    if kind == "money":
        return [money(value)]
    if kind == "ratio":
        return [percent(value)]
    if kind == "factor":
        return [_("%(n)s倍") % {"n": _plain(_dec(value))}]
    if kind == "score":
        return [_("%(n)s分") % {"n": _plain(_dec(value))}]
    if kind == "choice":
        return [str(spec.choices.get(value, value))]
    if kind == "choices":
        return [_names(value, spec.choices)]
    if kind == "struct" and key in STRUCT_RENDERERS:
        return STRUCT_RENDERERS[key](value, ctx)
    if kind == "int" and key == "due_diligence_one_in":
        return [_("不少于1/%(n)s") % {"n": value}]
    return [f"{value}{unit}"]


def _context(rules: dict) -> dict:
    tree = (rules.get("indicator_tree") or {}).get("indicators") or []
    names = {node.get("code"): node.get("name") for node in tree}
    names["budget_execution"] = _("预算执行率")
    grades = (rules.get("evaluation_grades") or {}).get("grades") or []
    grade_names = {g.get("code"): g.get("name") for g in grades} or {
        k: str(v) for k, v in schema.GRADES.items()
    }
    return {"indicator_names": names, "grade_names": grade_names}


def rule_sections(rules: dict) -> list[Section]:
    """Every rule table of ``rules``, in the order of ``schema.RULE_TABLES``, as readable rows."""
    ctx = _context(rules or {})
    sections = []
    for key, spec in schema.RULE_TABLES.items():
        table = (rules or {}).get(key)
        if not isinstance(table, dict):
            continue
        marks = table.get("marks") or {}
        editable = set(table.get("editable") or [])
        section = Section(
            key=key,
            label=str(spec.label),
            mark=table.get("mark", ""),
            mark_title=mark_title(table.get("mark", "")),
            document=table.get("document", ""),
            note=table.get("note", ""),
        )
        for field_key, field_spec in spec.fields.items():
            if field_key not in table:
                continue
            section.rows.append(
                Row(
                    key=field_key,
                    label=str(field_spec.label),
                    lines=format_value(field_spec, field_key, table[field_key], ctx),
                    mark=marks.get(field_key, "") if marks.get(field_key) != section.mark else "",
                    editable=field_key in editable,
                )
            )
        sections.append(section)
    return sections


def field_note(profile, name: str) -> dict:
    """Mark, note and editability of ``min_annual_scale`` / ``equity_pilot_share`` for the page."""
    note = dict((profile.field_notes or {}).get(name) or {})
    if note.get("mark"):
        note["mark_title"] = mark_title(note["mark"])
    return note

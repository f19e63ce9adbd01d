"""The policy file format, and its validation with errors that name the line and the field.

A policy file is YAML (see ``presets/rizhao.yaml`` for a complete, commented example)::

    schema_version: 1
    code: rizhao                      # slug; one city's profile, versioned per year
    city: 日照市
    year: 2026
    document: {title: …, number: 日政办字〔2020〕66号, date: 2020-09-28}
    leading_group: 市创建国家创新型城市工作领导小组
    office: {name: …办公室, host: 市科技局}
    process_words: [领导小组把方向, …]
    departments:   [{code, name, short_name, name_en, domains: [..]}, …]
    source_types:  [{code, name, name_en, department, level, own_procedure, procedure_owner}, …]
    focus_areas:   [{code, name, name_en, order, establishment_modes: [..], stable_support, description}, …]
    establishment_modes: [competitive, commissioned, challenge, competition, stable]
    support_modes: [grant, equity, interest_subsidy, risk_compensation, post_award]
    min_annual_scale:   {value: "200000000.00", mark: S, note: …}   # or a bare value / null
    equity_pilot_share: {value: "0.10", mark: I, editable: true, note: …}
    rules: {<table>: {mark: S|R|I, document: …, note: …, marks: {key: mark}, <values>…}, …}

Values: money in yuan is a string with two decimals (``"5000000.00"``); a ratio is a decimal string
between 0 and 1 (``"0.30"``); a factor is a positive decimal string (``"1.50"``); scores and weights
are integers (or decimal strings) between 0 and 100; counts and durations are integers.

``RULE_TABLES`` lists every rule table with the label and kind of each key: the loader validates
with it and the policy page renders with it, so a key is described in exactly one place. Consumers
read a value with ``profile.rule("<table>.<key>")``, e.g. ``profile.rule("publicity.working_days")``.

``parse(text)`` returns a ``Document`` whose ``problems`` list every error found (not only the
first); each reads ``第12行 focus_areas[2].code：…`` and is translated through gettext.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import yaml
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from techfund.core.enums import Level, Qualification
from techfund.policy.enums import EstablishmentMode, SupportMode

SCHEMA_VERSION = 1
MAX_NODES = 20_000  # a policy file has a few hundred; aliases must not expand beyond this

CODE_RE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
MONEY_RE = re.compile(r"^\d{1,16}\.\d{2}$")
DECIMAL_RE = re.compile(r"^\d{1,6}(\.\d{1,4})?$")
MARK_RE = re.compile(r"^[SRI](/[SRI])*$")

MARKS = {
    "S": gettext_lazy("已查到公开出处"),
    "R": gettext_lazy("出自所列文件，未与官方原文核对"),
    "I": gettext_lazy("未找到出处时采用的合理默认值"),
}

GRADES = {
    "excellent": pgettext_lazy("grade", "优"),
    "good": pgettext_lazy("grade", "良"),
    "fair": pgettext_lazy("grade", "中"),
    "poor": pgettext_lazy("grade", "差"),
}
BUDGET_ACTIONS = {
    "priority": gettext_lazy("优先保障"),
    "as_needed": gettext_lazy("视情安排"),
    "reduce": gettext_lazy("按比例压减"),
    "cancel_or_suspend": gettext_lazy("取消或暂停"),
    "reduce_or_cancel": gettext_lazy("压减或取消"),
}
INDIRECT_BASES = {"direct_minus_equipment": gettext_lazy("直接费用扣除设备购置费")}
ADJUSTABLE_CATEGORIES = {
    "equipment": gettext_lazy("设备费"),
    "business": gettext_lazy("业务费"),
    "labour": gettext_lazy("劳务费"),
}
ADJUSTMENT_APPROVERS = {"department": gettext_lazy("项目主管部门")}
REFERENCE_RATES = {"lpr": gettext_lazy("贷款市场报价利率（LPR）"), "benchmark": gettext_lazy("贷款基准利率")}
FILING_PERIODS = {"monthly": gettext_lazy("按月"), "quarterly": gettext_lazy("按季")}
CLAIM_STEPS = {
    "bank_claim": gettext_lazy("合作银行提出补偿申请"),
    "agency_review": gettext_lazy("管理机构审核"),
    "department_approval": gettext_lazy("主管部门审批"),
    "payment": gettext_lazy("拨付补偿资金"),
}
EQUITY_INSTRUMENTS = {
    "direct": gettext_lazy("股权直投"),
    "invest_then_equity": gettext_lazy("先投后股"),
    "grant_and_invest": gettext_lazy("拨投结合"),
}
EQUITY_EXITS = {
    "transfer": gettext_lazy("股权转让"),
    "sale": gettext_lazy("出售"),
    "buy_back": gettext_lazy("回购"),
    "liquidation": gettext_lazy("清算"),
}
BANDS = {
    "achieved": gettext_lazy("达成目标"),
    "partly": gettext_lazy("部分达成并具有一定效果"),
    "not_achieved": gettext_lazy("未达成目标"),
}
LEVELS = dict(Level.choices)
ESTABLISHMENT_MODES = dict(EstablishmentMode.choices)
SUPPORT_MODES = dict(SupportMode.choices)
QUALIFICATIONS = dict(Qualification.choices)


# ---------------------------------------------------------------------------------------------------
# Problems and the parsed document


def format_path(path: tuple) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


@dataclass(frozen=True)
class Problem:
    line: int | None
    path: tuple
    message: str

    def __str__(self) -> str:
        where = format_path(self.path)
        if self.line and where:
            return _("第%(line)d行 %(path)s：%(message)s") % {
                "line": self.line,
                "path": where,
                "message": self.message,
            }
        if self.line:
            return _("第%(line)d行：%(message)s") % {"line": self.line, "message": self.message}
        if where:
            return _("%(path)s：%(message)s") % {"path": where, "message": self.message}
        return self.message


@dataclass
class Document:
    """A parsed policy file: its data, where each value is (``lines``), and what is wrong with it."""

    text: str
    data: dict | None = None
    lines: dict[tuple, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    @property
    def ok(self) -> bool:
        return not self.problems

    def line_of(self, path: tuple) -> int | None:
        path = tuple(path)
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path)

    def error(self, path: tuple, message: str) -> None:
        self.problems.append(Problem(self.line_of(path), tuple(path), str(message)))

    def messages(self) -> list[str]:
        return [str(p) for p in sorted(self.problems, key=lambda p: (p.line or 0, format_path(p.path)))]


class _Stop(Exception):
    pass


def _compose(doc: Document) -> None:
    """YAML → plain Python values, recording the line of every key and list item (1-based)."""
    loader = yaml.SafeLoader(doc.text)
    try:
        root = loader.get_single_node()
        if root is None:
            doc.problems.append(Problem(1, (), _("文件为空。")))
            return
        budget = [MAX_NODES]
        doc.lines[()] = root.start_mark.line + 1
        doc.data = _convert(loader, root, (), doc, (), budget)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else 0
        doc.problems.append(
            Problem(
                line,
                (),
                _("YAML 语法错误（第%(column)d列）：%(problem)s") % {"column": column, "problem": problem},
            )
        )
    except yaml.YAMLError as exc:
        doc.problems.append(Problem(None, (), _("YAML 语法错误：%(problem)s") % {"problem": exc}))
    except _Stop:
        doc.problems.append(
            Problem(None, (), _("文件过大或别名展开过多（超过%(n)d个节点）。") % {"n": MAX_NODES})
        )
    finally:
        loader.dispose()


def _convert(loader, node, path, doc: Document, stack: tuple, budget: list):
    budget[0] -= 1
    if budget[0] < 0 or id(node) in stack:
        raise _Stop
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        out: dict = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node) if isinstance(key_node, yaml.ScalarNode) else None
            line = key_node.start_mark.line + 1
            if not isinstance(key, str) or not key:
                doc.problems.append(Problem(line, path, _("键必须是非空文本。")))
                continue
            if key in out:
                first = doc.lines.get((*path, key))
                doc.problems.append(
                    Problem(line, (*path, key), _("键重复（第%(first)s行已出现）。") % {"first": first})
                )
                continue
            doc.lines[(*path, key)] = line
            out[key] = _convert(loader, value_node, (*path, key), doc, (*stack, id(node)), budget)
        return out
    if isinstance(node, yaml.SequenceNode):
        items = []
        for i, item in enumerate(node.value):
            doc.lines[(*path, i)] = item.start_mark.line + 1
            items.append(_convert(loader, item, (*path, i), doc, (*stack, id(node)), budget))
        return items
    try:
        return loader.construct_object(node, deep=True)
    except (ValueError, TypeError, OverflowError):  # e.g. a date such as 2020-09-31: keep the text
        return node.value


# ---------------------------------------------------------------------------------------------------
# Field kinds


def _describe(value) -> str:
    if value is None:
        return _("空值")
    if isinstance(value, bool):
        return _("是/否值 %(v)s") % {"v": str(value).lower()}
    if isinstance(value, int):
        return _("整数 %(v)s") % {"v": value}
    if isinstance(value, float):
        return _("小数 %(v)s（未加引号）") % {"v": value}
    if isinstance(value, str):
        return _("文本“%(v)s”") % {"v": value[:40]}
    if isinstance(value, dt.date):
        return _("日期 %(v)s") % {"v": value.isoformat()}
    if isinstance(value, dict):
        return _("映射")
    if isinstance(value, list):
        return _("列表")
    return type(value).__name__


@dataclass(frozen=True)
class F:
    """One field: its label (shown on the page), kind, and constraints."""

    label: object
    kind: str
    required: bool = True
    nullable: bool = False
    choices: dict | None = None
    min: int | Decimal | None = None
    max: int | Decimal | None = None
    max_len: int | None = None
    unit: object = ""
    check: Callable | None = None  # for kind "struct": check(doc, value, path) -> None


def _decimal(value: str) -> Decimal | None:
    try:
        return Decimal(value)
    except (InvalidOperation, TypeError):
        return None


def check_value(doc: Document, spec: F, value, path: tuple):
    """Check one value against ``spec``; report problems; return the value (converted) or ``None``."""
    if value is None:
        if spec.nullable:
            return None
        doc.error(path, _("不能为空。"))
        return None
    kind = spec.kind
    got = _describe(value)
    if kind in ("text", "code"):
        if not isinstance(value, str) or not value.strip():
            doc.error(path, _("应为非空文本，实际是%(got)s。") % {"got": got})
            return None
        if kind == "code" and not CODE_RE.match(value):
            doc.error(
                path,
                _("代码“%(v)s”无效：只能用小写字母、数字和下划线，以字母开头，最长32个字符。") % {"v": value},
            )
            return None
        if spec.max_len and len(value) > spec.max_len:
            doc.error(
                path, _("不能超过%(n)d个字符（现有%(len)d个）。") % {"n": spec.max_len, "len": len(value)}
            )
            return None
        return value.strip() if kind == "text" else value
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            doc.error(path, _("应为整数，实际是%(got)s。") % {"got": got})
            return None
        if spec.min is not None and value < spec.min:
            doc.error(path, _("不能小于%(min)s（现为%(v)s）。") % {"min": spec.min, "v": value})
            return None
        if spec.max is not None and value > spec.max:
            doc.error(path, _("不能大于%(max)s（现为%(v)s）。") % {"max": spec.max, "v": value})
            return None
        return value
    if kind == "bool":
        if not isinstance(value, bool):
            doc.error(path, _("应为 true 或 false，实际是%(got)s。") % {"got": got})
            return None
        return value
    if kind == "money":
        if not isinstance(value, str) or not MONEY_RE.match(value):
            doc.error(
                path,
                _('应为以元为单位、带两位小数的金额文本（如 "5000000.00"），实际是%(got)s。') % {"got": got},
            )
            return None
        return Decimal(value)
    if kind in ("ratio", "factor"):
        number = _decimal(value) if isinstance(value, str) and DECIMAL_RE.match(value) else None
        if number is None:
            if kind == "ratio":
                msg = _('应为0到1之间的比例文本，最多四位小数（如 "0.30"），实际是%(got)s。')
            else:
                msg = _('应为正的倍数文本，最多四位小数（如 "1.50"），实际是%(got)s。')
            doc.error(path, msg % {"got": got})
            return None
        if kind == "ratio" and number > 1:
            doc.error(path, _("比例不能大于1（现为%(v)s）。") % {"v": value})
            return None
        if kind == "factor" and number <= 0:
            doc.error(path, _("倍数必须大于0（现为%(v)s）。") % {"v": value})
            return None
        return number
    if kind == "score":
        if isinstance(value, bool) or not isinstance(value, int | str):
            doc.error(path, _("应为0到100之间的整数分值，实际是%(got)s。") % {"got": got})
            return None
        number = Decimal(value) if isinstance(value, int) else None
        if isinstance(value, str) and re.match(r"^\d{1,3}(\.\d{1,2})?$", value):
            number = Decimal(value)
        if number is None or number > 100:
            doc.error(path, _("应为0到100之间的分值，实际是%(got)s。") % {"got": got})
            return None
        return number
    if kind == "date":
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date | str):
            doc.error(path, _("应为日期（如 2020-09-28），实际是%(got)s。") % {"got": got})
            return None
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                doc.error(path, _("应为日期（如 2020-09-28），实际是%(got)s。") % {"got": got})
                return None
        return value
    if kind == "mark":
        if not isinstance(value, str) or not MARK_RE.match(value):
            doc.error(
                path, _("来源标记应为 S、R 或 I（可用“/”组合，如 S/R），实际是%(got)s。") % {"got": got}
            )
            return None
        return value
    if kind == "choice":
        if not isinstance(value, str) or value not in spec.choices:
            doc.error(
                path,
                _("“%(v)s”不是可选值；可选：%(allowed)s。")
                % {"v": value, "allowed": ", ".join(spec.choices)},
            )
            return None
        return value
    if kind in ("choices", "texts"):
        if not isinstance(value, list):
            doc.error(path, _("应为列表，实际是%(got)s。") % {"got": got})
            return None
        if spec.min and len(value) < spec.min:
            doc.error(path, _("至少需要%(n)d项。") % {"n": spec.min})
        seen: set = set()
        ok = True
        for i, item in enumerate(value):
            if kind == "choices" and (not isinstance(item, str) or item not in spec.choices):
                doc.error(
                    (*path, i),
                    _("“%(v)s”不是可选值；可选：%(allowed)s。")
                    % {"v": item, "allowed": ", ".join(spec.choices)},
                )
                ok = False
            elif kind == "texts" and (not isinstance(item, str) or not item.strip()):
                doc.error((*path, i), _("应为非空文本，实际是%(got)s。") % {"got": _describe(item)})
                ok = False
            elif spec.max_len and len(item) > spec.max_len:
                doc.error((*path, i), _("不能超过%(n)d个字符。") % {"n": spec.max_len})
                ok = False
            elif item in seen:
                doc.error((*path, i), _("“%(v)s”重复。") % {"v": item})
                ok = False
            else:
                seen.add(item)
        return value if ok else None
    if kind == "mapping":
        if not isinstance(value, dict):
            doc.error(path, _("应为映射（键: 值），实际是%(got)s。") % {"got": got})
            return None
        return value
    if kind == "struct":
        spec.check(doc, value, path)
        return value
    raise ValueError(f"unknown field kind {kind!r}")  # pragma: no cover - a programming error


def check_mapping(doc: Document, value, path: tuple, fields: dict[str, F], *, extra=()) -> dict | None:
    """Check a mapping against ``fields``: required keys, unknown keys, each value. Returns the
    converted values of the keys that passed (missing or bad keys are absent)."""
    if not isinstance(value, dict):
        doc.error(path, _("应为映射（键: 值），实际是%(got)s。") % {"got": _describe(value)})
        return None
    out = {}
    for key in value:
        if key not in fields and key not in extra:
            known = [*fields, *extra]
            close = difflib.get_close_matches(key, [k for k in known if k not in value], n=1)
            if close:
                doc.error((*path, key), _("未知字段；是否应为“%(key)s”？") % {"key": close[0]})
            else:
                doc.error((*path, key), _("未知字段（可用字段：%(keys)s）。") % {"keys": ", ".join(known)})
    for key, spec in fields.items():
        if key not in value:
            if spec.required:
                doc.error(
                    (*path, key),
                    _("缺少必填字段“%(key)s”（%(label)s）。") % {"key": key, "label": spec.label},
                )
            continue
        converted = check_value(doc, spec, value[key], (*path, key))
        if converted is not None or (value[key] is None and spec.nullable):
            out[key] = converted
    return out


def check_list(
    doc: Document, value, path: tuple, fields: dict[str, F], *, min_items=1, unique=("code",)
) -> list:
    """A list of mappings; ``unique`` keys may not repeat. Returns the converted items (``None`` for bad ones)."""
    if not isinstance(value, list):
        doc.error(path, _("应为列表，实际是%(got)s。") % {"got": _describe(value)})
        return []
    if len(value) < min_items:
        doc.error(path, _("至少需要%(n)d项。") % {"n": min_items})
    items = [check_mapping(doc, item, (*path, i), fields) for i, item in enumerate(value)]
    for key in unique:
        first: dict = {}
        for i, item in enumerate(items):
            if item is None or key not in item:
                continue
            if item[key] in first:
                doc.error(
                    (*path, i, key),
                    _("“%(v)s”重复（已在第%(line)s行使用）。")
                    % {"v": item[key], "line": doc.line_of((*path, first[item[key]], key))},
                )
            else:
                first[item[key]] = i
    return items


# ---------------------------------------------------------------------------------------------------
# Structured values inside rule tables


def _check_grades(doc, value, path):
    items = check_list(
        doc,
        value,
        path,
        {
            "code": F(_("等级代码"), "choice", choices=GRADES),
            "name": F(_("名称"), "text", max_len=10),
            "min_score": F(_("最低分"), "score"),
        },
        min_items=len(GRADES),
    )
    codes = [i.get("code") for i in items if i]
    missing = [c for c in GRADES if c not in codes]
    if items and missing:
        doc.error(path, _("缺少等级：%(codes)s。") % {"codes": ", ".join(missing)})
    previous = None
    for i, item in enumerate(items):
        score = (item or {}).get("min_score")
        if score is None:
            continue
        if previous is not None and score >= previous:
            doc.error(
                (*path, i, "min_score"),
                _("各等级的最低分必须从高到低排列（%(v)s 不低于上一等级的 %(p)s）。")
                % {"v": score, "p": previous},
            )
        previous = score
    if items and items[-1] and items[-1].get("min_score") not in (None, Decimal(0)):
        doc.error((*path, len(items) - 1, "min_score"), _("最低一档的最低分必须为0。"))


def _check_score_map(doc, value, path):
    if not isinstance(value, dict) or not value:
        doc.error(path, _("应为非空映射（指标代码: 分值），实际是%(got)s。") % {"got": _describe(value)})
        return
    for key, score in value.items():
        if not CODE_RE.match(key):
            doc.error((*path, key), _("代码“%(v)s”无效。") % {"v": key})
        check_value(doc, F(key, "score"), score, (*path, key))


def _score_sum(value) -> Decimal | None:
    try:
        return sum((Decimal(v) for v in value.values()), Decimal(0))
    except (InvalidOperation, TypeError, AttributeError):
        return None


def _check_tree(doc, value, path):
    leaf = {
        "code": F(_("代码"), "code"),
        "name": F(_("名称"), "text", max_len=50),
        "name_en": F(_("英文名称"), "text", required=False),
    }
    node = {**leaf, "children": F(_("二级指标"), "struct", check=lambda d, v, p: check_list(d, v, p, leaf))}
    items = check_list(doc, value, path, node)
    seen: dict = {}
    for i, item in enumerate(value if isinstance(value, list) else []):
        children = item.get("children") if isinstance(item, dict) else None
        for j, child in enumerate(children if isinstance(children, list) else []):
            code = child.get("code") if isinstance(child, dict) else None
            if code in seen or code in {x.get("code") for x in items if x}:
                doc.error(
                    (*path, i, "children", j, "code"), _("指标代码“%(v)s”在指标体系中重复。") % {"v": code}
                )
            elif code:
                seen[code] = True


def _check_bands(doc, value, path):
    band = {"min": F(_("下限"), "ratio"), "max": F(_("上限"), "ratio")}
    bands = check_mapping(
        doc, value, path, {k: F(label, "struct", check=lambda d, v, p: None) for k, label in BANDS.items()}
    )
    if bands is None:
        return
    converted = {k: check_mapping(doc, value[k], (*path, k), band) for k in BANDS if k in value}
    if any(not c or len(c) != 2 for c in converted.values()) or len(converted) != len(BANDS):
        return
    for k, c in converted.items():
        if c["min"] >= c["max"]:
            doc.error((*path, k), _("下限必须小于上限。"))
    a, p, n = converted["achieved"], converted["partly"], converted["not_achieved"]
    if not (n["min"] == 0 and n["max"] == p["min"] and p["max"] == a["min"] and a["max"] == 1):
        doc.error(path, _("三档得分率必须首尾相接地覆盖0到1（未达成→部分达成→达成）。"))


def _check_tiers(doc, value, path):
    items = check_list(
        doc,
        value,
        path,
        {"up_to": F(_("分段上限（元）"), "money", nullable=True), "rate": F(_("比例"), "ratio")},
        unique=(),
    )
    previous = None
    for i, item in enumerate(items):
        if not item or "up_to" not in item:
            continue
        up_to = item["up_to"]
        last = i == len(items) - 1
        if up_to is None and not last:
            doc.error((*path, i, "up_to"), _("只有最后一档可以不设上限（null）。"))
        if up_to is not None and last:
            doc.error((*path, i, "up_to"), _("最后一档必须不设上限（null）。"))
        if up_to is not None and previous is not None and up_to <= previous:
            doc.error((*path, i, "up_to"), _("分段上限必须逐档递增。"))
        previous = up_to if up_to is not None else previous


def _check_superseded(doc, value, path):
    check_list(
        doc,
        value,
        path,
        {"document": F(_("依据文件"), "text"), "tiers": F(_("分档"), "struct", check=_check_tiers)},
        min_items=0,
        unique=("document",),
    )


def _check_categories(doc, value, path):
    check_list(
        doc,
        value,
        path,
        {
            "code": F(_("代码"), "code"),
            "name": F(_("名称"), "text", max_len=20),
            "name_en": F(_("英文名称"), "text", required=False),
            "note": F(_("说明"), "text", required=False),
        },
    )


def _check_actions(doc, value, path):
    if not isinstance(value, dict):
        doc.error(path, _("应为映射（等级: 处理方式），实际是%(got)s。") % {"got": _describe(value)})
        return
    action = {
        "action": F(_("处理方式"), "choice", choices=BUDGET_ACTIONS),
        "reduce_ratio": F(_("压减比例"), "ratio", required=False),
    }
    for grade in GRADES:
        if grade not in value:
            doc.error((*path, grade), _("缺少等级“%(g)s”的处理方式。") % {"g": grade})
    for grade, item in value.items():
        if grade not in GRADES:
            doc.error(
                (*path, grade),
                _("“%(v)s”不是评价等级；可选：%(allowed)s。") % {"v": grade, "allowed": ", ".join(GRADES)},
            )
            continue
        got = check_mapping(doc, item, (*path, grade), action)
        if (
            got
            and got.get("action") == "reduce"
            and "reduce_ratio" not in got
            and "reduce_ratio" not in (item or {})
        ):
            doc.error((*path, grade, "reduce_ratio"), _("按比例压减须写明压减比例 reduce_ratio。"))


def _check_prizes(doc, value, path):
    """以赛代评 prizes by rank: ``[{rank_from, rank_to, name, amount}, …]``, ranges ascending, not
    overlapping; ``amount`` is what each finalist placed in the range receives."""
    items = check_list(
        doc,
        value,
        path,
        {
            "rank_from": F(_("起始名次"), "int", min=1, max=1000),
            "rank_to": F(_("截止名次"), "int", min=1, max=1000),
            "name": F(_("奖项名称"), "text", max_len=20),
            "amount": F(_("每项奖补金额（元）"), "money"),
        },
        unique=("name",),
    )
    previous = None
    for i, item in enumerate(items):
        if not item or "rank_from" not in item or "rank_to" not in item:
            continue
        if item["rank_to"] < item["rank_from"]:
            doc.error((*path, i, "rank_to"), _("截止名次不能小于起始名次。"))
        elif previous is not None and item["rank_from"] <= previous:
            doc.error((*path, i, "rank_from"), _("各奖项的名次区间须从前到后排列且不重叠。"))
        previous = max(item["rank_to"], previous or 0)


# ---------------------------------------------------------------------------------------------------
# Rule tables


@dataclass(frozen=True)
class Table:
    label: object
    fields: dict[str, F]
    check: Callable | None = None  # check(doc, table, path, context) for cross-field rules
    required_if: Callable[[dict], bool] | None = None  # given the top-level data


HEADER = {
    "mark": F(gettext_lazy("来源标记"), "mark"),
    "document": F(gettext_lazy("依据文件"), "text", max_len=300),
    "note": F(gettext_lazy("说明"), "text", required=False),
    "marks": F(gettext_lazy("分项来源标记"), "mapping", required=False),
    "editable": F(gettext_lazy("办公室可调整的默认值"), "texts", required=False),
}


def _weights_against_tree(doc, table, path, ctx, *, extra=()):
    weights = table.get("weights")
    if not isinstance(weights, dict):
        return
    total = _score_sum(weights)
    if total is not None and total != 100:
        doc.error(
            (*path, "weights"), _("各项权重之和应为100，现为%(v)s。") % {"v": format(total.normalize(), "f")}
        )
    top = ctx.get("indicator_codes")
    if top:
        for key in weights:
            if key not in top and key not in extra:
                doc.error(
                    (*path, "weights", key),
                    _("“%(v)s”不是指标体系中的一级指标；可选：%(allowed)s。")
                    % {"v": key, "allowed": ", ".join([*top, *extra])},
                )


def _table_self_weights(doc, table, path, ctx):
    _weights_against_tree(doc, table, path, ctx, extra=("budget_execution",))


def _table_comprehensive(doc, table, path, ctx):
    _weights_against_tree(doc, table, path, ctx)
    weights, floor = table.get("weights"), table.get("min_output_outcome")
    if isinstance(weights, dict) and floor is not None:
        try:
            share = Decimal(weights.get("output", 0)) + Decimal(weights.get("outcome", 0))
            if share < Decimal(floor):
                doc.error(
                    (*path, "weights"),
                    _("产出与效益权重之和（%(v)s）不得低于%(floor)s。") % {"v": share, "floor": floor},
                )
        except (InvalidOperation, TypeError):
            pass


def _table_publicity(doc, table, path, ctx):
    lo, default, hi = (table.get(k) for k in ("min_working_days", "working_days", "max_working_days"))
    if _ints(lo, default, hi) and not lo <= default <= hi:
        doc.error(
            (*path, "working_days"),
            _("公示天数必须在最少与最多天数之间（%(lo)d～%(hi)d）。") % {"lo": lo, "hi": hi},
        )


def _table_review(doc, table, path, ctx):
    lo, hi = table.get("panel_min"), table.get("panel_max")
    remote, valid = table.get("min_remote_reviewers"), table.get("min_valid_opinions")
    if _ints(lo, hi) and lo > hi:
        doc.error((*path, "panel_max"), _("会议评审专家人数上限不能小于下限。"))
    if _ints(lo, hi) and table.get("panel_odd") is True and lo == hi and lo % 2 == 0:
        doc.error((*path, "panel_min"), _("要求奇数人数时，上下限不能是同一个偶数。"))
    if _ints(remote, valid) and valid > remote:
        doc.error((*path, "min_valid_opinions"), _("有效意见数不能多于通讯评审专家数。"))


def _table_monitoring(doc, table, path, ctx):
    default, most = table.get("rectification_days"), table.get("max_rectification_days")
    if _ints(default, most) and default > most:
        doc.error(
            (*path, "rectification_days"),
            _("整改通知默认期限（%(d)d天）不能超过整改期限上限（%(m)d天）。") % {"d": default, "m": most},
        )


def _ints(*values) -> bool:
    return all(isinstance(v, int) and not isinstance(v, bool) for v in values)


def _mode_in(key: str, mode: str):
    def pred(data: dict) -> bool:
        modes = data.get(key)
        return isinstance(modes, list) and mode in modes

    return pred


RULE_TABLES: dict[str, Table] = {
    "evaluation_grades": Table(
        gettext_lazy("绩效评价等级"),
        {"grades": F(gettext_lazy("等级与最低分"), "struct", check=_check_grades)},
    ),
    "indicator_tree": Table(
        gettext_lazy("绩效评价指标体系"),
        {"indicators": F(gettext_lazy("一级、二级指标"), "struct", check=_check_tree)},
    ),
    "self_evaluation_weights": Table(
        gettext_lazy("单位自评权重"),
        {"weights": F(gettext_lazy("权重"), "struct", check=_check_score_map)},
        check=_table_self_weights,
    ),
    "comprehensive_weights": Table(
        gettext_lazy("综合绩效评价权重"),
        {
            "weights": F(gettext_lazy("权重"), "struct", check=_check_score_map),
            "min_output_outcome": F(gettext_lazy("产出与效益权重合计下限"), "score", required=False),
        },
        check=_table_comprehensive,
    ),
    "auto_scoring": Table(
        gettext_lazy("定量指标自动计分"),
        {
            "score_places": F(gettext_lazy("得分保留小数位"), "int", min=0, max=4, unit=gettext_lazy("位")),
            "lower_is_better_zero_factor": F(
                gettext_lazy("越小越好指标：实际值达到目标值的该倍数时得0分"), "factor"
            ),
            "qualitative_bands": F(gettext_lazy("定性指标得分率区间"), "struct", check=_check_bands),
            "deviation_explanation_factor": F(
                gettext_lazy("实际值达到目标值的该倍数时须书面说明偏差"), "factor"
            ),
        },
    ),
    "results_to_budget": Table(
        gettext_lazy("评价结果与预算安排挂钩"),
        {
            "actions": F(gettext_lazy("各等级的处理方式"), "struct", check=_check_actions),
            "not_rectified_action": F(gettext_lazy("整改不到位的处理"), "choice", choices=BUDGET_ACTIONS),
        },
    ),
    "direct_cost_categories": Table(
        gettext_lazy("直接费用科目"),
        {"categories": F(gettext_lazy("科目"), "struct", check=_check_categories)},
    ),
    "indirect_costs": Table(
        gettext_lazy("间接费用核定比例"),
        {
            "base": F(gettext_lazy("核定基数"), "choice", choices=INDIRECT_BASES),
            "tiers": F(gettext_lazy("超额累退分档"), "struct", check=_check_tiers),
            "theoretical_basic_research_rate": F(gettext_lazy("纯理论基础研究项目比例上限"), "ratio"),
            "superseded": F(
                gettext_lazy("此前的分档（已调整）"), "struct", required=False, check=_check_superseded
            ),
        },
    ),
    "budget_adjustment": Table(
        gettext_lazy("项目预算调剂"),
        {
            "delegated_categories": F(
                gettext_lazy("调剂权下放给承担单位的直接费用科目"), "choices", choices=ADJUSTABLE_CATEGORIES
            ),
            "equipment_approval_threshold": F(
                gettext_lazy("设备费预算达到该金额时调剂须报批（元）"), "money"
            ),
            "indirect_may_increase": F(gettext_lazy("间接费用可以调增"), "bool"),
            "indirect_may_decrease": F(gettext_lazy("间接费用可以调减用于直接费用"), "bool"),
            "approver": F(gettext_lazy("须报批的调剂由谁审批"), "choice", choices=ADJUSTMENT_APPROVERS),
            "file_with_finance": F(gettext_lazy("审批后报财政部门备案"), "bool"),
        },
    ),
    "tranches": Table(
        gettext_lazy("分期拨付"),
        {
            "first_payment_days": F(
                gettext_lazy("任务书签订后首笔拨付时限"), "int", min=1, max=365, unit=gettext_lazy("天")
            ),
            "first_tranche_min_ratio": F(gettext_lazy("首期拨付比例下限"), "ratio"),
            "max_stage_checks": F(
                gettext_lazy("阶段检查次数上限"), "int", min=0, max=10, unit=gettext_lazy("次")
            ),
            "max_extensions": F(gettext_lazy("延期次数上限"), "int", min=0, max=10, unit=gettext_lazy("次")),
            "max_extension_months": F(
                gettext_lazy("每次延期最长"), "int", min=0, max=60, unit=gettext_lazy("个月")
            ),
            "unspent_stays_after_acceptance": F(
                gettext_lazy("通过验收后结余资金留归承担单位用于科研"), "bool"
            ),
            "refund_unspent_on_termination": F(gettext_lazy("终止项目退回结余资金"), "bool"),
            "recover_on_misconduct": F(gettext_lazy("违规的撤销立项并追回已拨资金"), "bool"),
        },
    ),
    "interest_subsidy": Table(
        gettext_lazy("贷款贴息"),
        {
            "subsidy_ratio": F(gettext_lazy("贴息比例"), "ratio"),
            "reference_rate": F(
                gettext_lazy("计息利率上限（取实际利率与该利率的较低者）"), "choice", choices=REFERENCE_RATES
            ),
            "reference_tenor": F(
                gettext_lazy("参考利率期限品种"),
                "choice",
                choices={
                    "1y": gettext_lazy("一年期"),
                    "5y": gettext_lazy("五年期以上"),
                    "by_term": gettext_lazy("按贷款期限（五年以上用五年期以上，其余用一年期）"),
                },
            ),
            "day_basis": F(gettext_lazy("年计息天数"), "int", min=360, max=366, unit=gettext_lazy("天")),
            "day_count": F(
                gettext_lazy("计息天数规则"),
                "choice",
                choices={
                    "fixed": gettext_lazy("按年计息天数"),
                    "actual": gettext_lazy("按实际天数（闰年366天，平年365天）"),
                },
            ),
            "per_enterprise_cap": F(gettext_lazy("每家企业贴息上限（元）"), "money"),
            "once_per_enterprise": F(gettext_lazy("每家企业限享受一次"), "bool"),
            "capped_by_interest_paid": F(gettext_lazy("不超过实际支付的利息"), "bool"),
            "paid_after_interest": F(gettext_lazy("企业付息后拨付"), "bool"),
        },
        required_if=_mode_in("support_modes", SupportMode.INTEREST_SUBSIDY),
    ),
    "risk_compensation": Table(
        gettext_lazy("风险补偿"),
        {
            "bank_min_share": F(gettext_lazy("合作银行自担损失比例下限"), "ratio"),
            "max_rate_factor": F(gettext_lazy("贷款利率不高于基准利率的倍数"), "factor"),
            "per_enterprise_cap": F(gettext_lazy("每家企业纳入补偿的贷款余额上限（元）"), "money"),
            "max_term_years": F(gettext_lazy("贷款期限上限"), "int", min=1, max=10, unit=gettext_lazy("年")),
            "filing": F(gettext_lazy("贷款备案频次"), "choice", choices=FILING_PERIODS),
            "borrower_qualifications": F(
                gettext_lazy("借款企业须具备的资质"), "choices", choices=QUALIFICATIONS
            ),
            "claim_steps": F(gettext_lazy("补偿申请流程"), "choices", choices=CLAIM_STEPS, min=1),
            "ratio_credit": F(gettext_lazy("信用贷款本金损失补偿比例"), "ratio"),
            "ratio_guaranteed": F(gettext_lazy("担保贷款本金损失补偿比例"), "ratio"),
            "bonus_first_or_ip": F(gettext_lazy("首贷或知识产权质押贷款补偿比例上浮"), "ratio"),
            "max_total_share": F(gettext_lazy("各方财政补偿合计占本金损失比例上限"), "ratio"),
            "per_enterprise_compensation_cap": F(gettext_lazy("每家企业累计补偿上限（元）"), "money"),
            "filing_due_day": F(
                gettext_lazy("月度备案截止日（次月）"), "int", min=1, max=28, unit=gettext_lazy("日")
            ),
        },
        required_if=_mode_in("support_modes", SupportMode.RISK_COMPENSATION),
    ),
    "equity": Table(
        gettext_lazy("股权投资"),
        {
            "max_share": F(gettext_lazy("持股比例上限"), "ratio"),
            "never_largest_shareholder": F(gettext_lazy("不做第一大股东"), "bool"),
            "staged": F(gettext_lazy("分阶段投资"), "bool"),
            "instruments": F(gettext_lazy("投资方式"), "choices", choices=EQUITY_INSTRUMENTS, min=1),
            "exits": F(gettext_lazy("退出方式"), "choices", choices=EQUITY_EXITS, min=1),
            "proceeds_return_to_fund": F(gettext_lazy("本金和收益回流资金"), "bool"),
        },
        required_if=_mode_in("support_modes", SupportMode.EQUITY),
    ),
    "review": Table(
        gettext_lazy("专家评审"),
        {
            "min_remote_reviewers": F(
                gettext_lazy("通讯评审专家人数下限"), "int", min=1, max=50, unit=gettext_lazy("人")
            ),
            "min_valid_opinions": F(
                gettext_lazy("有效评审意见数下限"), "int", min=1, max=50, unit=gettext_lazy("份")
            ),
            "panel_min": F(
                gettext_lazy("会议评审专家组人数下限"), "int", min=1, max=50, unit=gettext_lazy("人")
            ),
            "panel_max": F(
                gettext_lazy("会议评审专家组人数上限"), "int", min=1, max=50, unit=gettext_lazy("人")
            ),
            "panel_odd": F(gettext_lazy("专家组人数须为奇数"), "bool"),
            "max_exclusions": F(
                gettext_lazy("申报人可申请回避的专家人数上限"), "int", min=0, max=20, unit=gettext_lazy("人")
            ),
            "disagreement_spread": F(gettext_lazy("评分分歧阈值（最高分与最低分之差超过时复议）"), "score"),
            "conflict_years": F(
                gettext_lazy("合作关系回避年限"), "int", min=0, max=10, unit=gettext_lazy("年")
            ),
            "calibration_min_reviews": F(
                gettext_lazy("评分校准所需专家本人最少评审份数"),
                "int",
                min=2,
                max=100,
                unit=gettext_lazy("份"),
            ),
            "trim_min_scores": F(
                gettext_lazy("去掉最高分和最低分所需最少评分份数"),
                "int",
                min=3,
                max=50,
                unit=gettext_lazy("份"),
            ),
        },
        check=_table_review,
    ),
    "competition": Table(
        gettext_lazy("以赛代评"),
        {
            "judges_per_room": F(
                gettext_lazy("每个赛场评委人数"), "int", min=1, max=50, unit=gettext_lazy("人")
            ),
            "due_diligence_one_in": F(
                gettext_lazy("尽职调查覆盖决赛项目不少于几分之一"), "int", min=1, max=100
            ),
            "award_mode": F(gettext_lazy("支持方式"), "choice", choices=SUPPORT_MODES),
            "prizes": F(
                gettext_lazy("奖项设置（名次区间、名称、每项金额；指南未设奖补档次时采用）"),
                "struct",
                required=False,
                check=_check_prizes,
            ),
            "max_total_prizes": F(
                gettext_lazy("一次大赛奖补总额上限（元，空为不设）"), "money", required=False, nullable=True
            ),
        },
        required_if=_mode_in("establishment_modes", EstablishmentMode.COMPETITION),
    ),
    "post_award": Table(
        gettext_lazy("后补助"),
        {
            "subsidy_ratio": F(gettext_lazy("补助比例（占核定合规支出）"), "ratio"),
            "per_project_cap": F(gettext_lazy("单个项目补助上限（元，空为不设）"), "money", nullable=True),
            "verification_required": F(gettext_lazy("拨付前须由主管部门核验成果与支出"), "bool"),
        },
        required_if=_mode_in("support_modes", SupportMode.POST_AWARD),
    ),
    "publicity": Table(
        gettext_lazy("公示"),
        {
            "working_days": F(
                gettext_lazy("公示期（默认）"), "int", min=1, max=30, unit=gettext_lazy("个工作日")
            ),
            "min_working_days": F(
                gettext_lazy("公示期下限"), "int", min=1, max=30, unit=gettext_lazy("个工作日")
            ),
            "max_working_days": F(
                gettext_lazy("公示期上限"), "int", min=1, max=30, unit=gettext_lazy("个工作日")
            ),
        },
        check=_table_publicity,
    ),
    "security": Table(
        gettext_lazy("安全（等保2.0三级）"),
        {
            "lockout_failures": F(
                gettext_lazy("连续登录失败锁定次数"), "int", min=3, max=10, unit=gettext_lazy("次")
            ),
            "lockout_seconds": F(gettext_lazy("锁定时长"), "int", min=60, max=86400, unit=gettext_lazy("秒")),
            "idle_timeout_seconds": F(
                gettext_lazy("无操作自动退出"), "int", min=60, max=3600, unit=gettext_lazy("秒")
            ),
            "password_max_age_days": F(
                gettext_lazy("密码最长使用期"), "int", min=1, max=365, unit=gettext_lazy("天")
            ),
            "audit_retention_days": F(
                gettext_lazy("审计记录保存期（不少于180天）"),
                "int",
                min=180,
                max=36500,
                unit=gettext_lazy("天"),
            ),
        },
    ),
    "monitoring": Table(
        gettext_lazy("项目监管"),
        {
            "report_interval_months": F(
                gettext_lazy("执行情况报告周期"), "int", min=1, max=12, unit=gettext_lazy("个月")
            ),
            "report_due_days": F(
                gettext_lazy("报告期结束后报送时限"), "int", min=1, max=90, unit=gettext_lazy("天")
            ),
            "rectification_days": F(
                gettext_lazy("整改通知默认期限"), "int", min=1, max=365, unit=gettext_lazy("天")
            ),
            "max_rectification_days": F(
                gettext_lazy("整改期限上限"), "int", min=1, max=730, unit=gettext_lazy("天")
            ),
        },
        check=_table_monitoring,
    ),
    "procedure": Table(
        gettext_lazy("管理程序"),
        {
            "emergency": F(gettext_lazy("应急或特别重大项目可“一事一议”"), "bool"),
            "batches": F(gettext_lazy("分期分批报送审定"), "bool"),
            "periodic_reporting": F(gettext_lazy("定期调度"), "bool"),
            "results_tied_to_budget": F(gettext_lazy("评价结果与以后年度预算安排挂钩"), "bool"),
            "terminate_suspend_recover": F(gettext_lazy("可终止项目、暂停拨款、追回已拨资金"), "bool"),
            "platform_process_management": F(gettext_lazy("依托统一平台全程留痕管理"), "bool"),
            "direct_payment": F(gettext_lazy("财政国库“直通车”拨付"), "bool"),
            "audit_supervision": F(gettext_lazy("审计局审计监督"), "bool"),
        },
    ),
}

# ---------------------------------------------------------------------------------------------------
# Top level

DEPARTMENT_FIELDS = {
    "code": F(gettext_lazy("代码"), "code"),
    "name": F(gettext_lazy("名称"), "text", max_len=100),
    "short_name": F(gettext_lazy("简称"), "text", max_len=20),
    "name_en": F(gettext_lazy("英文名称"), "text", required=False, max_len=200),
    "domains": F(gettext_lazy("主管领域"), "texts", required=False, max_len=50),
}
SOURCE_FIELDS = {
    "code": F(gettext_lazy("代码"), "code"),
    "name": F(gettext_lazy("名称"), "text", max_len=100),
    "name_en": F(gettext_lazy("英文名称"), "text", required=False, max_len=200),
    "department": F(gettext_lazy("主管部门代码"), "code"),
    "level": F(gettext_lazy("级次"), "choice", choices=LEVELS),
    "own_procedure": F(gettext_lazy("按其他领导小组程序执行"), "bool", required=False),
    "procedure_owner": F(gettext_lazy("执行程序的领导小组"), "text", required=False, max_len=200),
}
FOCUS_FIELDS = {
    "code": F(gettext_lazy("代码"), "code"),
    "name": F(gettext_lazy("名称"), "text", max_len=100),
    "name_en": F(gettext_lazy("英文名称"), "text", required=False, max_len=200),
    "order": F(gettext_lazy("顺序"), "int", min=1, max=999),
    "establishment_modes": F(gettext_lazy("立项方式"), "choices", choices=ESTABLISHMENT_MODES, min=1),
    "stable_support": F(gettext_lazy("稳定支持"), "bool", required=False),
    "description": F(gettext_lazy("说明"), "text", required=False),
}
VALUE_NOTE_FIELDS = {
    "mark": F(gettext_lazy("来源标记"), "mark"),
    "note": F(gettext_lazy("说明"), "text", required=False),
    "editable": F(gettext_lazy("办公室可调整的默认值"), "bool", required=False),
}


def _check_document_block(doc, value, path):
    check_mapping(
        doc,
        value,
        path,
        {
            "title": F(gettext_lazy("依据文件标题"), "text", max_len=300),
            "number": F(gettext_lazy("文号"), "text", required=False, nullable=True, max_len=100),
            "date": F(gettext_lazy("印发日期"), "date", required=False, nullable=True),
        },
    )


def _check_office(doc, value, path):
    check_mapping(
        doc,
        value,
        path,
        {
            "name": F(gettext_lazy("名称"), "text", max_len=200),
            "host": F(gettext_lazy("设在"), "text", max_len=100),
        },
    )


TOP_FIELDS = {
    "schema_version": F(gettext_lazy("格式版本"), "int", min=SCHEMA_VERSION, max=SCHEMA_VERSION),
    "code": F(gettext_lazy("配置代码"), "code"),
    "city": F(gettext_lazy("城市"), "text", max_len=50),
    "year": F(gettext_lazy("年度"), "int", min=2000, max=2100),
    "document": F(gettext_lazy("依据文件"), "struct", check=_check_document_block),
    "leading_group": F(gettext_lazy("领导小组"), "text", max_len=200),
    "office": F(gettext_lazy("领导小组办公室"), "struct", check=_check_office),
    "process_words": F(gettext_lazy("管理流程"), "texts", min=1, max_len=50),
    "departments": F(gettext_lazy("职能部门"), "struct", check=lambda d, v, p: None),
    "source_types": F(gettext_lazy("资金来源类型"), "struct", check=lambda d, v, p: None),
    "focus_areas": F(gettext_lazy("重点领域"), "struct", check=lambda d, v, p: None),
    "establishment_modes": F(gettext_lazy("立项方式"), "choices", choices=ESTABLISHMENT_MODES, min=1),
    "support_modes": F(gettext_lazy("支持方式"), "choices", choices=SUPPORT_MODES, min=1),
    "min_annual_scale": F(
        gettext_lazy("年度最低资金规模（元）"),
        "struct",
        required=False,
        nullable=True,
        check=lambda d, v, p: None,
    ),
    "equity_pilot_share": F(
        gettext_lazy("股权投资试点比例"), "struct", required=False, nullable=True, check=lambda d, v, p: None
    ),
    "rules": F(gettext_lazy("规则表"), "mapping"),
}


def _noted_value(doc: Document, data: dict, key: str, kind: str) -> tuple[Decimal | None, dict]:
    """``key: "0.10"`` or ``key: {value: "0.10", mark: I, editable: true, note: …}`` or ``null``."""
    raw = data.get(key)
    path = (key,)
    spec = F(TOP_FIELDS[key].label, kind, nullable=True)
    if isinstance(raw, dict):
        if "value" not in raw:
            doc.error((*path, "value"), _("缺少必填字段“value”。"))
            value = None
        else:
            value = check_value(doc, spec, raw["value"], (*path, "value"))
        notes = (
            check_mapping(doc, {k: v for k, v in raw.items() if k != "value"}, path, VALUE_NOTE_FIELDS) or {}
        )
        return value, notes
    return check_value(doc, spec, raw, path), {}


@dataclass
class Profile:
    """The validated content of a policy file, ready for the loader."""

    code: str
    city: str
    year: int
    title: str
    document_number: str
    document_date: dt.date | None
    leading_group: str
    office: str
    office_host: str
    process_words: list[str]
    departments: list[dict]
    source_types: list[dict]
    focus_areas: list[dict]
    establishment_modes: list[str]
    support_modes: list[str]
    min_annual_scale: Decimal | None
    equity_pilot_share: Decimal | None
    field_notes: dict
    rules: dict


def validate(doc: Document) -> Profile | None:
    """Check every field of a parsed document, adding a ``Problem`` for each error found."""
    data = doc.data
    if doc.problems and data is None:
        return None
    top = check_mapping(doc, data, (), TOP_FIELDS)
    if top is None:
        return None
    modes = top.get("establishment_modes") or []
    support = top.get("support_modes") or []

    def rows(key, fields, unique):
        return check_list(doc, data[key], (key,), fields, unique=unique) if key in data else []

    departments = rows("departments", DEPARTMENT_FIELDS, ("code", "name"))
    dept_codes = {d["code"] for d in departments if d and "code" in d}

    sources = rows("source_types", SOURCE_FIELDS, ("code",))
    for i, src in enumerate(sources):
        if not src:
            continue
        if "department" in src and dept_codes and src["department"] not in dept_codes:
            doc.error(
                ("source_types", i, "department"),
                _("部门代码“%(v)s”不在 departments 中；可选：%(allowed)s。")
                % {"v": src["department"], "allowed": ", ".join(sorted(dept_codes))},
            )
        if src.get("own_procedure") and not src.get("procedure_owner"):
            doc.error(
                ("source_types", i, "procedure_owner"), _("按其他领导小组程序执行的资金须写明该领导小组。")
            )
        if not src.get("own_procedure") and src.get("procedure_owner"):
            doc.error(
                ("source_types", i, "own_procedure"), _("写了执行程序的领导小组，own_procedure 应为 true。")
            )

    areas = rows("focus_areas", FOCUS_FIELDS, ("code", "order"))
    for i, area in enumerate(areas):
        if not area:
            continue
        for mode in area.get("establishment_modes") or []:
            if modes and mode not in modes:
                doc.error(
                    ("focus_areas", i, "establishment_modes"),
                    _("立项方式“%(v)s”不在本配置的 establishment_modes 中。") % {"v": mode},
                )
        if area.get("stable_support") and EstablishmentMode.STABLE not in (
            area.get("establishment_modes") or []
        ):
            doc.error(("focus_areas", i, "stable_support"), _("稳定支持领域的立项方式须包含 stable。"))

    scale, scale_notes = _noted_value(doc, data, "min_annual_scale", "money")
    share, share_notes = _noted_value(doc, data, "equity_pilot_share", "ratio")
    if share is not None and support and SupportMode.EQUITY not in support:
        doc.error(("equity_pilot_share",), _("设置了股权投资试点比例，support_modes 须包含 equity。"))

    rules = _validate_rules(doc, data)

    if doc.problems:
        return None
    document = data["document"]
    number = document.get("number") or ""
    date = check_value(doc, F("", "date", nullable=True), document.get("date"), ("document", "date"))
    return Profile(
        code=top["code"],
        city=top["city"],
        year=top["year"],
        title=document["title"].strip(),
        document_number=number.strip(),
        document_date=date,
        leading_group=top["leading_group"],
        office=data["office"]["name"].strip(),
        office_host=data["office"]["host"].strip(),
        process_words=[w.strip() for w in top["process_words"]],
        departments=departments,
        source_types=sources,
        focus_areas=areas,
        establishment_modes=modes,
        support_modes=support,
        min_annual_scale=scale,
        equity_pilot_share=share,
        field_notes={
            k: v for k, v in {"min_annual_scale": scale_notes, "equity_pilot_share": share_notes}.items() if v
        },
        rules=rules,
    )


def _validate_rules(doc: Document, data: dict) -> dict:
    rules = data.get("rules")
    if not isinstance(rules, dict):
        return {}
    for name in rules:
        if name not in RULE_TABLES:
            doc.error(
                ("rules", name), _("未知的规则表（可用：%(keys)s）。") % {"keys": ", ".join(RULE_TABLES)}
            )
    ctx: dict = {}
    tree = rules.get("indicator_tree")
    if isinstance(tree, dict) and isinstance(tree.get("indicators"), list):
        ctx["indicator_codes"] = [
            i.get("code") for i in tree["indicators"] if isinstance(i, dict) and i.get("code")
        ]
    for name, spec in RULE_TABLES.items():
        path = ("rules", name)
        if name not in rules:
            if spec.required_if is None or spec.required_if(data):
                doc.error(path, _("缺少规则表“%(key)s”（%(label)s）。") % {"key": name, "label": spec.label})
            continue
        table = rules[name]
        got = check_mapping(doc, table, path, {**HEADER, **spec.fields})
        if got is None:
            continue
        marks = table.get("marks")
        if isinstance(marks, dict):
            for key, mark in marks.items():
                if key not in spec.fields:
                    doc.error((*path, "marks", key), _("“%(v)s”不是本表的字段。") % {"v": key})
                check_value(doc, F("", "mark"), mark, (*path, "marks", key))
        for i, key in enumerate(
            table.get("editable") or [] if isinstance(table.get("editable"), list) else []
        ):
            if key not in spec.fields:
                doc.error((*path, "editable", i), _("“%(v)s”不是本表的字段。") % {"v": key})
        if spec.check:
            spec.check(doc, table, path, ctx)
    return rules


def parse(text: str) -> tuple[Document, Profile | None]:
    """Parse and validate ``text``. The profile is ``None`` when ``document.problems`` is not empty."""
    doc = Document(text=text)
    _compose(doc)
    profile = validate(doc) if doc.data is not None else None
    return doc, (profile if doc.ok else None)

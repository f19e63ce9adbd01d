"""Web forms of the applications.

The application form itself is not a Django form: it has four tables of rows (team, budget, targets,
milestones) named ``<list>-<row>-<field>``. ``DraftPost`` reads a POST into the fields ``save_draft``
takes (rows left blank are ignored) and maps the service's errors (``budget_lines[2].amount``) back to
the inputs; ``DraftPage`` lays out what the template shows (stored values, or what was posted).
"""

import re
from dataclasses import dataclass, field

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from techfund.applications.enums import BudgetCategory, IndicatorType, PrescreenDecision, TargetKind, TeamRole
from techfund.calls.services import routing_departments
from techfund.core.forms import ServiceForm

SCALAR_FIELDS = (
    "title",
    "abstract",
    "keywords",
    "subject_code",
    "requested_amount",
    "self_raised",
    "support_mode",
    "basic_research",
    "start_date",
    "end_date",
)
#: Each list's columns, and the columns that make a row "filled in" (others have defaults).
LIST_FIELDS = {
    "team": (
        ("name", "id_number", "role", "organisation_name", "title"),
        ("name", "id_number", "organisation_name", "title"),
    ),
    "budget_lines": (
        ("category", "item", "amount", "equipment_purchase", "note"),
        ("item", "amount", "note"),
    ),
    "targets": (
        ("kind", "name", "indicator_type", "unit", "target_value", "target_text"),
        ("name", "unit", "target_value", "target_text"),
    ),
    "milestones": (("due_date", "description"), ("due_date", "description")),
}
BLANK_ROWS = 2
ROW_KEY = re.compile(r"^(team|budget_lines|targets|milestones)-(\d+)-(\w+)$")
ERROR_KEY = re.compile(r"^(team|budget_lines|targets|milestones)\[(\d+)\](?:\.(\w+))?$")
CHECKBOXES = {"equipment_purchase"}


@dataclass
class DraftPost:
    """A posted application form, read into ``save_draft`` fields."""

    fields: dict = field(default_factory=dict)
    #: list name → position in the saved list → row index in the form
    positions: dict = field(default_factory=dict)
    raw_rows: dict = field(default_factory=dict)

    @classmethod
    def read(cls, post) -> "DraftPost":
        out = cls()
        full = post.get("_form") == "application"  # the whole form (an unchecked box is then "no")
        for name in SCALAR_FIELDS:
            if name == "basic_research":
                if full or name in post:
                    out.fields[name] = post.get(name) in ("on", "1", "true")
            elif name in post:
                out.fields[name] = post.get(name, "")
        rows: dict[str, dict[int, dict]] = {name: {} for name in LIST_FIELDS}
        for key in post:
            m = ROW_KEY.match(key)
            if m:
                rows[m.group(1)].setdefault(int(m.group(2)), {})[m.group(3)] = post.get(key, "")
        for name, (columns, meaningful) in LIST_FIELDS.items():
            if not rows[name] and not full:
                continue  # a list the post does not carry is left as it is
            kept, positions = [], {}
            for index in sorted(rows[name]):
                raw = rows[name][index]
                row = {c: raw.get(c, "") for c in columns}
                for c in CHECKBOXES & set(columns):
                    row[c] = raw.get(c) in ("on", "1", "true")
                if all(not str(row.get(c) or "").strip() for c in meaningful):
                    continue
                positions[len(kept)] = index
                kept.append(row)
            out.fields[name] = kept
            out.positions[name] = positions
            out.raw_rows[name] = [(i, rows[name][i]) for i in sorted(rows[name])]
        for name in LIST_FIELDS:
            out.raw_rows.setdefault(name, [])
        return out

    def form_errors(self, errors: dict) -> dict[str, list[str]]:
        """Service error keys → input names (``budget_lines[2].amount`` → ``budget_lines-5-amount``)."""
        out: dict[str, list[str]] = {}
        for key, messages in (errors or {}).items():
            m = ERROR_KEY.match(key)
            if m:
                name, pos, col = m.group(1), int(m.group(2)), m.group(3)
                index = self.positions.get(name, {}).get(pos, pos)
                key = f"{name}-{index}-{col}" if col else f"{name}-{index}"
            out.setdefault(key, []).extend(str(x) for x in messages)
        return out


def _row(index: int, values: dict, errors: dict, name: str) -> dict:
    prefix = f"{name}-{index}-"
    row_errors = {k[len(prefix) :]: v for k, v in errors.items() if k.startswith(prefix)}
    whole = errors.get(f"{name}-{index}", [])
    return {"index": index, "values": values, "errors": row_errors, "row_errors": whole}


class DraftPage:
    """What the application form shows: the stored application, or what was just posted with its errors."""

    def __init__(self, application, *, post: DraftPost | None = None, errors: dict | None = None):
        self.application = application
        self.errors = errors or {}
        if post is None:
            self.values = {f: getattr(application, f) for f in SCALAR_FIELDS}
            self.values["keywords"] = "、".join(application.keywords or [])
            stored = {
                "team": [{c: getattr(m, c) for c in LIST_FIELDS["team"][0]} for m in application.team.all()],
                "budget_lines": [
                    {c: getattr(b, c) for c in LIST_FIELDS["budget_lines"][0]}
                    for b in application.budget_lines.all()
                ],
                "targets": [
                    {c: getattr(t, c) for c in LIST_FIELDS["targets"][0]} for t in application.targets.all()
                ],
                "milestones": [
                    {c: getattr(m, c) for c in LIST_FIELDS["milestones"][0]}
                    for m in application.milestones.all()
                ],
            }
            for t in stored["targets"]:
                if t["target_value"] is not None:
                    t["target_value"] = format(t["target_value"].normalize(), "f")
            rows = {name: list(enumerate(values)) for name, values in stored.items()}
        else:
            self.values = {f: post.fields.get(f, "") for f in SCALAR_FIELDS}
            rows = {}
            for name, raw in post.raw_rows.items():
                columns = LIST_FIELDS[name][0]
                rows[name] = [
                    (
                        i,
                        {
                            c: (r.get(c) in ("on", "1", "true")) if c in CHECKBOXES else r.get(c, "")
                            for c in columns
                        },
                    )
                    for i, r in raw
                ]
        self.rows = {}
        for name, indexed in rows.items():
            laid = [_row(i, values, self.errors, name) for i, values in indexed]
            nxt = (max((i for i, _v in indexed), default=-1)) + 1
            for j in range(BLANK_ROWS):
                laid.append(_row(nxt + j, {}, self.errors, name))
            self.rows[name] = laid
        self.next_index = {
            name: (max((r["index"] for r in laid), default=-1) + 1) for name, laid in self.rows.items()
        }

    #: The row a script clones to add a line (``__i__`` becomes the next index).
    blank = {"index": "__i__", "values": {}, "errors": {}, "row_errors": []}

    @property
    def team(self):
        return self.rows["team"]

    @property
    def budget_lines(self):
        return self.rows["budget_lines"]

    @property
    def targets(self):
        return self.rows["targets"]

    @property
    def milestones(self):
        return self.rows["milestones"]

    def field_errors(self, name):
        return self.errors.get(name, [])

    @property
    def scalar_errors(self):
        return {k: v for k, v in self.errors.items() if k in SCALAR_FIELDS}

    @property
    def list_errors(self):
        return {k: v for k, v in self.errors.items() if k in LIST_FIELDS}

    choices = {
        "category": BudgetCategory.choices,
        "role": TeamRole.choices,
        "kind": TargetKind.choices,
        "indicator_type": IndicatorType.choices,
    }


def error_labels() -> dict[str, str]:
    """Readable names of the inputs, for the autosave's list of errors."""
    return {
        "title": gettext("项目名称"),
        "abstract": gettext("项目摘要"),
        "keywords": gettext("关键词"),
        "subject_code": gettext("学科/领域代码"),
        "requested_amount": gettext("申请财政资金"),
        "self_raised": gettext("自筹资金"),
        "support_mode": gettext("申请支持方式"),
        "start_date": gettext("起始日期"),
        "end_date": gettext("完成日期"),
        "team": gettext("项目团队"),
        "budget_lines": gettext("预算明细"),
        "targets": gettext("绩效目标"),
        "milestones": gettext("进度节点"),
    }


def describe_error_key(key: str) -> str:
    """``budget_lines-3-amount`` → 预算明细第4行."""
    labels = error_labels()
    m = re.match(r"^(team|budget_lines|targets|milestones)-(\d+)", key)
    if m:
        return gettext("%(list)s第%(n)s行") % {"list": labels[m.group(1)], "n": int(m.group(2)) + 1}
    return labels.get(key, "")


class StartForm(ServiceForm):
    organisation = forms.ChoiceField(label=_("申报单位"))
    department = forms.ChoiceField(
        label=_("归口职能部门"), help_text=_("项目经由该部门初审并报送领导小组办公室。")
    )
    title = forms.CharField(label=_("项目名称"), max_length=200)

    def __init__(self, *args, call, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [(o.pk, o.name) for o in organisations]
        if len(organisations) == 1:
            self.fields["organisation"].widget = forms.HiddenInput()
            self.fields["organisation"].initial = organisations[0].pk
        quotas = list(call.quotas.all())
        if quotas:
            depts = [q.department for q in quotas]
        else:
            depts = list(routing_departments(call.fund_year.profile))
        self.fields["department"].choices = [("", "---------")] + [(d.code, d.name) for d in depts]


class ReasonForm(ServiceForm):
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class PrescreenForm(ServiceForm):
    decision = forms.ChoiceField(label=_("初审意见"), choices=PrescreenDecision.choices)
    reason = forms.CharField(
        label=_("理由"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("退回修改、不予推荐须填写理由；申报单位可以看到。"),
    )


class AttachmentForm(ServiceForm):
    file = forms.FileField(
        label=_("PDF文件"), widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"})
    )
    kind = forms.CharField(
        label=_("材料类型"), max_length=50, required=False, help_text=_("例如：可行性报告、营业执照。")
    )

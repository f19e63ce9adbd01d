"""Web forms of expert review. They check shape only; the services decide the rest, and
``apply_service_error`` puts their refusals beside the fields."""

from django import forms
from django.utils.translation import gettext_lazy as _

from techfund.core.enums import Role
from techfund.core.forms import ServiceForm
from techfund.core.models import Organisation, User
from techfund.review.enums import ExpertStatus, Recommendation, ReviewMethod

#: Blank rows of the criteria editor (blank rows are ignored; site JS may add more).
CRITERIA_ROWS = 8

#: What a new round suggests: the seeds ask experts about 合理性 and 可行性 (and so on).
DEFAULT_CRITERIA = [
    {"code": "rationality", "name": "合理性", "weight": "25", "max_score": "100"},
    {"code": "feasibility", "name": "可行性", "weight": "25", "max_score": "100"},
    {"code": "innovation", "name": "创新性", "weight": "20", "max_score": "100"},
    {"code": "team", "name": "团队与基础条件", "weight": "15", "max_score": "100"},
    {"code": "benefit", "name": "预期效益", "weight": "15", "max_score": "100"},
]


class ExpertForm(ServiceForm):
    user = forms.ModelChoiceField(
        label=_("账号"),
        queryset=User.objects.none(),
        help_text=_("须已由安全管理员授予“评审专家”角色。"),
        error_messages={"required": _("请选择账号。")},
    )
    name = forms.CharField(label=_("姓名"), max_length=60, error_messages={"required": _("请填写姓名。")})
    organisation = forms.ModelChoiceField(
        label=_("工作单位（已登记单位）"),
        queryset=Organisation.objects.all(),
        required=False,
        help_text=_("用于回避：不会被分配评审本单位的申报项目。"),
    )
    organisation_name = forms.CharField(
        label=_("工作单位名称"), max_length=200, required=False, help_text=_("单位未登记时填写。")
    )
    title = forms.CharField(label=_("职称"), max_length=50, required=False)
    subjects = forms.CharField(
        label=_("学科/领域代码"), required=False, help_text=_("多个用逗号或顿号分隔。")
    )
    keywords = forms.CharField(
        label=_("研究方向关键词"), required=False, help_text=_("多个用逗号或顿号分隔。")
    )
    profile = forms.CharField(label=_("个人简介"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    max_load = forms.CharField(label=_("每轮最多评审数"), max_length=10, initial=20)
    status = forms.ChoiceField(label=_("状态"), choices=ExpertStatus.choices, required=False)

    def __init__(self, *args, expert=None, **kwargs):
        super().__init__(*args, **kwargs)
        if expert is None:
            held = User.objects.filter(grants__role=Role.EXPERT, grants__revoked_at__isnull=True)
            self.fields["user"].queryset = (
                held.filter(expert_profile__isnull=True).distinct().order_by("username")
            )
            self.fields["user"].label_from_instance = lambda u: (
                f"{u.username}（{u}）" if u.display_name else u.username
            )
            del self.fields["status"]
        else:
            del self.fields["user"]
            for name in (
                "name",
                "organisation",
                "organisation_name",
                "title",
                "profile",
                "max_load",
                "status",
            ):
                self.fields[name].initial = getattr(expert, name)
            self.fields["subjects"].initial = "、".join(expert.subjects)
            self.fields["keywords"].initial = "、".join(expert.keywords)


class RoundForm(ServiceForm):
    """Name, method, the previous round (for a later round) and a table of criteria rows."""

    name = forms.CharField(
        label=_("轮次名称"), max_length=120, error_messages={"required": _("请填写轮次名称。")}
    )
    method = forms.ChoiceField(label=_("评审方式"), choices=ReviewMethod.choices)
    previous = forms.ChoiceField(
        label=_("上一轮"),
        required=False,
        help_text=_("在某一已结束轮次的结果上开展下一轮（例如通讯评审后的会议论证）；上一轮结果保持不变。"),
    )

    def __init__(self, *args, previous_rounds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["previous"].choices = [("", _("（无：首轮）"))] + [
            (str(r.pk), f"{r.sequence}. {r.name}") for r in previous_rounds
        ]
        self.rows = []
        for i in range(CRITERIA_ROWS):
            initial = DEFAULT_CRITERIA[i] if i < len(DEFAULT_CRITERIA) else {}
            row = {}
            for key, label, width in (
                ("code", _("代码"), 32),
                ("name", _("评审要素"), 120),
                ("weight", _("权重（%）"), 12),
                ("max_score", _("满分"), 12),
            ):
                name = f"criteria_{i}_{key}"
                self.fields[name] = forms.CharField(
                    label=label, max_length=width, required=False, initial=initial.get(key, "")
                )
                row[key] = name
            self.rows.append(row)

    def row_fields(self):
        """The criteria rows as lists of bound fields (code, name, weight, max_score)."""
        return [[self[row[k]] for k in ("code", "name", "weight", "max_score")] for row in self.rows]

    def criteria(self) -> list[dict]:
        """The filled rows, in order; the service's ``criteria.<i>.<key>`` errors map back to them."""
        out, self.field_map = [], {"criteria": "__all__"}
        for row in self.rows:
            values = {k: (self.cleaned_data.get(name) or "").strip() for k, name in row.items()}
            if not any(values.values()):
                continue
            for key, name in row.items():
                self.field_map[f"criteria.{len(out)}.{key}"] = name
            out.append(values)
        return out


class ReasonForm(ServiceForm):
    reason = forms.CharField(
        label=_("理由"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=300
    )


class ScoreForm(ServiceForm):
    """One input per criterion (``score_<code>``), the comment and the recommendation."""

    comment = forms.CharField(
        label=_("评审意见"),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        help_text=_("就项目的合理性、可行性等提出意见和建议。"),
    )
    recommendation = forms.ChoiceField(
        label=_("评审建议"), choices=Recommendation.choices, required=False, widget=forms.RadioSelect
    )

    def __init__(self, *args, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        self.field_map = {"scores": "__all__"}
        score_fields = {}
        for c in self.criteria:
            name = f"score_{c.code}"
            score_fields[name] = forms.CharField(
                label=f"{c.name}（{c.weight.normalize():f}%，满分 {c.max_score.normalize():f}）",
                max_length=12,
                required=False,
                widget=forms.TextInput(
                    attrs={
                        "inputmode": "decimal",
                        "autocomplete": "off",
                        "class": "score-input",
                        "data-weight": str(c.weight),
                        "data-max": str(c.max_score),
                    }
                ),
            )
            self.field_map[f"scores.{c.code}"] = name
        # the score inputs come first, in the criteria's order
        self.fields = {**score_fields, **self.fields}

    def score_fields(self):
        return [self[f"score_{c.code}"] for c in self.criteria]

    def scores(self) -> dict:
        return {c.code: self.cleaned_data.get(f"score_{c.code}", "") for c in self.criteria}

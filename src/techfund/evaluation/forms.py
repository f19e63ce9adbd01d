"""Web forms of acceptance and evaluation. They check shape only; the services check everything else
and ``apply_service_error`` puts their refusals beside the fields (``field_map`` translates the
services' field names, e.g. ``results.<target id>.explanation``, into the form's)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from techfund.applications.enums import IndicatorType
from techfund.core.forms import ServiceForm
from techfund.evaluation.enums import COMPREHENSIVE_PARTS, PART_LABELS, Band


class MoneyInput(forms.TextInput):
    def __init__(self, attrs=None):
        super().__init__({"inputmode": "decimal", "autocomplete": "off", "class": "money", **(attrs or {})})


class NumberInput(forms.TextInput):
    def __init__(self, attrs=None):
        super().__init__({"inputmode": "decimal", "autocomplete": "off", "class": "score", **(attrs or {})})


def _text(label, *, rows=3, required=False, help_text=""):
    return forms.CharField(
        label=label, required=required, widget=forms.Textarea(attrs={"rows": rows}), help_text=help_text
    )


class SelfEvaluationForm(ServiceForm):
    """The unit's self-evaluation: the report, money spent, satisfaction, and one row per KPI."""

    summary = _text(_("自评报告"), rows=6, help_text=_("项目完成情况、绩效目标实现程度、存在的问题。"))
    spent = forms.CharField(
        label=_("实际支出（元）"),
        max_length=40,
        required=False,
        widget=MoneyInput,
        help_text=_("不超过到位资金（已拨付金额）。"),
    )
    satisfaction = forms.CharField(
        label=_("满意度得分（0–100）"),
        max_length=10,
        required=False,
        widget=NumberInput,
        help_text=_("服务对象满意度调查结果。"),
    )

    def __init__(self, *args, targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.field_map = {}
        self.kpis = []
        band_choices = [("", "—"), *Band.choices]
        for t in targets:
            names = {}
            if t.indicator_type == IndicatorType.QUALITATIVE:
                names["band"] = f"t{t.pk}_band"
                self.fields[names["band"]] = forms.ChoiceField(
                    label=_("评分档次"), choices=band_choices, required=False
                )
                names["band_score"] = f"t{t.pk}_band_score"
                self.fields[names["band_score"]] = forms.CharField(
                    label=_("档次内评分"), max_length=10, required=False, widget=NumberInput
                )
            else:
                names["actual"] = f"t{t.pk}_actual"
                self.fields[names["actual"]] = forms.CharField(
                    label=_("实际完成值"), max_length=30, required=False, widget=NumberInput
                )
            names["explanation"] = f"t{t.pk}_explanation"
            self.fields[names["explanation"]] = _text(_("偏差原因说明"), rows=2)
            for key, name in names.items():
                self.field_map[f"results.{t.pk}.{key}"] = name
            self.kpis.append({"target": t, "fields": [self[name] for name in names.values()]})

    def results(self) -> dict:
        out = {}
        for row in self.kpis:
            t = row["target"]
            entry = {}
            for key in ("actual", "band", "band_score", "explanation"):
                name = f"t{t.pk}_{key}"
                if name in self.cleaned_data:
                    entry[key] = self.cleaned_data[name]
            out[t.pk] = entry
        return out


class AcceptForm(ServiceForm):
    note = _text(_("受理意见"), rows=2)


class ReturnForm(ServiceForm):
    reason = _text(_("退回理由"), rows=3, help_text=_("退回须说明理由。"))


class ComprehensiveForm(ServiceForm):
    """The four parts of the framework, each a 0–100 score with an opinion; the office's signatory."""

    conclusion = _text(_("综合评价结论"), rows=3)
    signatory = forms.CharField(label=_("办公室签署人"), max_length=50, required=False)

    def __init__(self, *args, weights=None, **kwargs):
        super().__init__(*args, **kwargs)
        weights = weights or {}
        self.parts = []
        for part in COMPREHENSIVE_PARTS:
            label = PART_LABELS[part]
            self.fields[f"{part}_score"] = forms.CharField(
                label=_("%(part)s得分（0–100）") % {"part": label},
                max_length=10,
                required=False,
                widget=NumberInput,
                help_text=_("政策权重 %(w)s 分") % {"w": weights.get(part, "—")},
            )
            self.fields[f"{part}_opinion"] = _text(_("%(part)s评价意见") % {"part": label}, rows=2)
            self.parts.append((part, self[f"{part}_score"], self[f"{part}_opinion"]))
        # the parts first, then the conclusion and the signature
        order = [f"{p}_{k}" for p in COMPREHENSIVE_PARTS for k in ("score", "opinion")]
        self.order_fields([*order, "conclusion", "signatory"])

    def scores(self) -> dict:
        return {p: self.cleaned_data.get(f"{p}_score") for p in COMPREHENSIVE_PARTS}

    def opinions(self) -> dict:
        return {p: self.cleaned_data.get(f"{p}_opinion") for p in COMPREHENSIVE_PARTS}


class ConfirmForm(ServiceForm):
    signatory = forms.CharField(label=_("财政部门签署人"), max_length=50, required=False)
    note = _text(_("确认意见"), rows=2)


class NextYearForm(ServiceForm):
    fund_year = forms.ChoiceField(label=_("评价年度"))
    target_year = forms.CharField(
        label=_("建议年度"), max_length=4, required=False, help_text=_("留空为评价年度的下一年。")
    )
    note = _text(_("说明"), rows=2)

    def __init__(self, *args, fund_years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fund_year"].choices = [(fy.pk, fy.name) for fy in fund_years]


class AdjustForm(ServiceForm):
    """The proposal's amounts, one per line, each with its reason; a common reason for all."""

    reason = _text(_("调整理由（适用于各项未单独说明的调整）"), rows=2)

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.field_map = {}
        self.rows = []
        for line in lines:
            amount, why = f"line{line.pk}_amount", f"line{line.pk}_reason"
            self.fields[amount] = forms.CharField(
                label=_("建议金额（元）"),
                max_length=40,
                required=False,
                widget=MoneyInput,
                initial=f"{line.amount:.2f}",
            )
            self.fields[why] = forms.CharField(
                label=_("调整理由"), max_length=1000, required=False, initial=line.adjust_reason
            )
            self.field_map[f"lines.{line.pk}.amount"] = amount
            self.field_map[f"lines.{line.pk}.reason"] = why
            self.rows.append({"line": line, "amount": self[amount], "reason": self[why]})

    def amounts(self) -> dict:
        return {row["line"].pk: self.cleaned_data.get(f"line{row['line'].pk}_amount") for row in self.rows}

    def reasons(self) -> dict:
        return {row["line"].pk: self.cleaned_data.get(f"line{row['line'].pk}_reason") for row in self.rows}

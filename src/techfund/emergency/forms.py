"""Web forms of the emergency stage. They check shape only; the services check everything else, and
``apply_request_error`` puts a refusal beside the fields (and the target / milestone rows) at fault."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from techfund.applications.enums import IndicatorType, TargetKind
from techfund.core.forms import ServiceForm

DATE = forms.DateInput(attrs={"type": "date"})
DATE_ERRORS = {"invalid": _("请输入有效的日期，如 2026-12-31。")}
ROW_ERROR = re.compile(r"^(targets|milestones)\[(\d+)\]\.(\w+)$")


class MoneyInput(forms.TextInput):
    def __init__(self, attrs=None):
        super().__init__({"inputmode": "decimal", "autocomplete": "off", "class": "money", **(attrs or {})})


class RequestForm(ServiceForm):
    title = forms.CharField(label=_("项目名称"), max_length=200, required=False)
    organisation = forms.CharField(
        label=_("承担单位（统一社会信用代码）"),
        max_length=30,
        required=False,
        help_text=_("填写承担单位的18位统一社会信用代码。"),
    )
    department = forms.ChoiceField(label=_("主管部门"), required=False)
    focus_area = forms.ChoiceField(label=_("重点领域"), required=False)
    amount = forms.CharField(label=_("申请金额（元）"), max_length=40, required=False, widget=MoneyInput)
    justification = forms.CharField(
        label=_("必要性和紧迫性"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    basis = forms.CharField(
        label=_("立项依据"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("如市委、市政府批示或会议纪要的文号。"),
    )
    content = forms.CharField(
        label=_("主要任务与考核内容"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    start_date = forms.DateField(label=_("起始日期"), required=False, widget=DATE, error_messages=DATE_ERRORS)
    end_date = forms.DateField(label=_("完成日期"), required=False, widget=DATE, error_messages=DATE_ERRORS)

    def __init__(self, *args, departments, focus_areas, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", "—")] + [(d.pk, d.name) for d in departments]
        self.fields["focus_area"].choices = [("", "—")] + [(a.code, a.name) for a in focus_areas]


class TargetForm(forms.Form):
    kind = forms.ChoiceField(label=_("指标类别"), choices=[("", "—"), *TargetKind.choices], required=False)
    name = forms.CharField(label=_("指标名称"), max_length=200, required=False)
    indicator_type = forms.ChoiceField(
        label=_("指标类型"), choices=[("", "—"), *IndicatorType.choices], required=False
    )
    unit = forms.CharField(label=_("计量单位"), max_length=20, required=False)
    target_value = forms.CharField(label=_("目标值"), max_length=40, required=False)
    target_text = forms.CharField(label=_("定性目标"), max_length=300, required=False)


class MilestoneForm(forms.Form):
    due_date = forms.DateField(label=_("完成时间"), required=False, widget=DATE, error_messages=DATE_ERRORS)
    description = forms.CharField(label=_("阶段目标"), max_length=300, required=False)


TargetFormSet = forms.formset_factory(TargetForm, extra=3, max_num=30, absolute_max=30)
MilestoneFormSet = forms.formset_factory(MilestoneForm, extra=2, max_num=20, absolute_max=20)


def filled_rows(formset) -> tuple[list[dict], list[int]]:
    """The rows with something in them (as the service takes them) and, for each, its form's index."""
    rows, index = [], []
    for i, f in enumerate(formset.forms):
        data = getattr(f, "cleaned_data", None) or {}
        if any(value not in (None, "") for value in data.values()):
            rows.append({k: ("" if val is None else val) for k, val in data.items()})
            index.append(i)
    return rows, index


def apply_request_error(exc, form, targets, milestones, target_index, milestone_index) -> None:
    """Put each of the service's field errors beside its field: the request's own on ``form``, a row's
    (``targets[2].name``) on that row's form, a list's (``targets``) above its table."""
    own = {}
    for field, messages in (exc.errors or {}).items():
        m = ROW_ERROR.match(field)
        if m:
            formset, index = (targets, target_index) if m[1] == "targets" else (milestones, milestone_index)
            row = int(m[2])
            f = formset.forms[index[row]] if row < len(index) else None
            for msg in messages:
                if f is not None and m[3] in f.fields:
                    f.add_error(m[3], str(msg))
                else:
                    form.add_error(None, str(msg))
        elif field in ("targets", "milestones"):
            formset = targets if field == "targets" else milestones
            formset.service_errors = [str(msg) for msg in messages]
        else:
            own[field] = messages
    form.service_error = exc
    for field, messages in own.items():
        for msg in messages:
            form.add_error(field if field in form.fields else None, str(msg))
    if not exc.errors:
        form.add_error(None, str(exc.message))


class DecideForm(ServiceForm):
    decision = forms.ChoiceField(
        label=_("审定意见"),
        choices=[("approve", _("同意（直接立项并生成任务书）")), ("reject", _("不同意"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择审定意见。")},
    )
    basis = forms.CharField(label=_("审定依据"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

"""Web forms of the project stage. They check shape only; the services check everything else, and
``apply_service_error`` puts their refusals beside the fields."""

from django import forms
from django.utils.translation import gettext_lazy as _

from techfund.applications.enums import IndicatorType, TargetKind
from techfund.core.enums import Role
from techfund.core.forms import ServiceForm
from techfund.core.models import Department
from techfund.policy.models import FocusArea
from techfund.projects.enums import ProjectState
from techfund.projects.scopes import READER_ROLES

DATE = {"type": "date"}
DATE_ERRORS = {"invalid": _("请输入有效的日期，如 2026-11-01。")}


class MoneyInput(forms.TextInput):
    def __init__(self, attrs=None):
        super().__init__({"inputmode": "decimal", "autocomplete": "off", "class": "money", **(attrs or {})})


def _all(label):
    return [("", label)]


class ProjectFilterForm(forms.Form):
    """The project list's filters, shared by the page and the Excel export."""

    FIELDS = ("q", "year", "focus_area", "department", "state", "emergency")

    q = forms.CharField(
        label=_("编号或名称"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("项目编号或名称")}),
    )
    year = forms.IntegerField(
        label=_("年度"),
        required=False,
        min_value=2000,
        max_value=2100,
        widget=forms.TextInput({"inputmode": "numeric"}),
        error_messages={"invalid": _("请输入四位年份，如 2026。")},
    )
    focus_area = forms.ChoiceField(label=_("重点领域"), required=False)
    department = forms.ChoiceField(label=_("主管部门"), required=False)
    state = forms.ChoiceField(
        label=_("状态"), required=False, choices=_all(_("全部状态")) + ProjectState.choices
    )
    emergency = forms.ChoiceField(
        label=_("一事一议"),
        required=False,
        choices=[("", _("全部项目")), ("1", _("仅一事一议项目")), ("0", _("不含一事一议项目"))],
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        seen: dict[str, str] = {}
        for code, name in FocusArea.objects.order_by("-profile__year", "order", "pk").values_list(
            "code", "name"
        ):
            seen.setdefault(code, name)
        self.fields["focus_area"].choices = _all(_("全部领域")) + list(seen.items())
        depts = Department.objects.filter(is_active=True).order_by("code")
        roles = user.roles()
        if Role.DEPARTMENT in roles and not roles & READER_ROLES:
            depts = depts.filter(pk__in=user.department_ids())
        self.fields["department"].choices = _all(_("全部部门")) + list(depts.values_list("code", "name"))

    def filters(self) -> dict:
        """Keyword arguments of ``queries.filter_projects``."""
        d = self.cleaned_data
        return {
            "q": d.get("q") or "",
            "year": d.get("year"),
            "focus_area": d.get("focus_area") or "",
            "department": d.get("department") or "",
            "state": d.get("state") or "",
            "emergency": d.get("emergency") or "",
        }

    def description(self) -> list[tuple[str, str]]:
        """The chosen filters as (label, shown value) pairs, for the export's cover sheet."""
        out = []
        for name in self.FIELDS:
            value = self.cleaned_data.get(name)
            if value in (None, ""):
                continue
            f = self.fields[name]
            shown = dict(f.choices).get(value, value) if hasattr(f, "choices") else value
            out.append((str(f.label), str(shown)))
        return out


class ArrangeForm(ServiceForm):
    """财政部门下资金: the selected final items, the budget year, the statutory approval, a note."""

    items = forms.MultipleChoiceField(
        label=_("安排项目"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    fiscal_year = forms.ChoiceField(label=_("预算年度"))
    statutory_approved = forms.BooleanField(
        label=_("预算已按法定程序批准"),
        required=False,
        help_text=_("未勾选的项目须在拨付前另行确认预算已按法定程序批准。"),
    )
    note = forms.CharField(label=_("安排说明"), max_length=300, required=False)

    def __init__(self, *args, items, fund_year, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["items"].choices = [(str(i.pk), i.application.title) for i in items]
        self.fields["fiscal_year"].choices = [
            (fund_year.year, fund_year.year),
            (fund_year.year + 1, fund_year.year + 1),
        ]


class StatutoryApprovalForm(ServiceForm):
    reason = forms.CharField(
        label=_("批准依据"),
        required=False,
        max_length=300,
        help_text=_("如人大批准的预算文号。"),
    )


class ContractForm(ServiceForm):
    start_date = forms.DateField(
        label=_("起始日期"),
        required=False,
        widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
        error_messages=DATE_ERRORS,
    )
    end_date = forms.DateField(
        label=_("完成日期"),
        required=False,
        widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
        error_messages=DATE_ERRORS,
    )
    terms = forms.CharField(
        label=_("主要任务与考核内容"), widget=forms.Textarea(attrs={"rows": 8}), required=False
    )


class TargetForm(forms.Form):
    kind = forms.ChoiceField(label=_("指标类别"), choices=_all("—") + TargetKind.choices, required=False)
    name = forms.CharField(label=_("指标名称"), max_length=200, required=False)
    indicator_type = forms.ChoiceField(
        label=_("指标类型"), choices=_all("—") + IndicatorType.choices, required=False
    )
    unit = forms.CharField(label=_("计量单位"), max_length=20, required=False)
    target_value = forms.CharField(label=_("目标值"), max_length=40, required=False, widget=MoneyInput)
    target_text = forms.CharField(label=_("定性目标"), max_length=300, required=False)

    def row(self) -> dict | None:
        d = self.cleaned_data
        if not any((d.get("name"), d.get("target_value"), d.get("target_text"))):
            return None
        return {
            k: d.get(k) or ""
            for k in ("kind", "name", "indicator_type", "unit", "target_value", "target_text")
        }


class MilestoneForm(forms.Form):
    due_date = forms.DateField(
        label=_("完成时间"),
        required=False,
        widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
        error_messages=DATE_ERRORS,
    )
    description = forms.CharField(label=_("阶段目标"), max_length=300, required=False)

    def row(self) -> dict | None:
        d = self.cleaned_data
        if not d.get("due_date") and not d.get("description"):
            return None
        return {"due_date": d.get("due_date"), "description": d.get("description") or ""}


TargetFormSet = forms.formset_factory(TargetForm, extra=2)
MilestoneFormSet = forms.formset_factory(MilestoneForm, extra=2)


class SignForm(ServiceForm):
    signatory = forms.CharField(
        label=_("签署人"),
        max_length=50,
        required=False,
        help_text=_("签署单位的法定代表人或其授权的负责人姓名。"),
    )
    confirm = forms.BooleanField(
        label=_("我已阅读任务书全文，确认签署（签署后不可撤销）"),
        required=False,
    )

    def clean_confirm(self):
        if not self.cleaned_data.get("confirm"):
            raise forms.ValidationError(_("请确认已阅读任务书并同意签署。"))
        return True


class PayForm(ServiceForm):
    amount = forms.CharField(label=_("拨付金额（元）"), max_length=40, required=False, widget=MoneyInput)
    paid_on = forms.DateField(
        label=_("拨付日期"),
        required=False,
        widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
        error_messages=DATE_ERRORS,
    )
    treasury_ref = forms.CharField(label=_("国库支付凭证号"), max_length=60, required=False)
    note = forms.CharField(label=_("备注"), max_length=300, required=False)

"""The report period form. It checks the shape of the dates; ``services.clean_period`` checks the rest
and ``apply_service_error`` puts its refusals beside the fields."""

from django import forms
from django.utils.translation import gettext_lazy as _

from techfund.core.forms import ServiceForm
from techfund.reports.enums import ReportFormat

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_ERRORS = {"invalid": _("请输入有效的日期，如 2026-12-31。")}


class PeriodForm(ServiceForm):
    year = forms.ChoiceField(label=_("年度"), error_messages={"invalid_choice": _("请选择年度。")})
    start = forms.DateField(label=_("起始日期"), required=False, widget=DATE, error_messages=DATE_ERRORS)
    end = forms.DateField(label=_("截止日期"), required=False, widget=DATE, error_messages=DATE_ERRORS)

    def __init__(self, *args, fund_years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(fy.year, fy.name) for fy in fund_years]


class GenerateForm(PeriodForm):
    fmt = forms.ChoiceField(
        label=_("格式"),
        choices=ReportFormat.choices,
        error_messages={"invalid_choice": _("请选择报告格式。")},
    )

"""Web forms of the annual fund. They check shape only (what was typed is text of sensible length);
the services check everything else, and ``apply_service_error`` puts their refusals beside the fields."""

from django import forms
from django.utils.translation import gettext_lazy as _

from techfund.core.enums import Level
from techfund.core.forms import ServiceForm
from techfund.core.models import Department
from techfund.policy.models import PolicyProfile


class MoneyInput(forms.TextInput):
    def __init__(self, attrs=None):
        super().__init__({"inputmode": "decimal", "autocomplete": "off", "class": "money", **(attrs or {})})


class OpenYearForm(ServiceForm):
    year = forms.CharField(label=_("年度"), max_length=10)
    profile = forms.ModelChoiceField(
        label=_("政策配置"),
        queryset=PolicyProfile.objects.filter(is_active=True),
        required=False,
        empty_label=_("（本年度生效的配置）"),
    )


class ContributionForm(ServiceForm):
    source_type = forms.ChoiceField(label=_("资金来源"))
    amount = forms.CharField(label=_("金额（元）"), max_length=40, required=False, widget=MoneyInput)
    level = forms.ChoiceField(label=_("级次"), required=False)
    department = forms.ChoiceField(label=_("来源部门"), required=False)
    document_ref = forms.CharField(label=_("资金文号"), max_length=100, required=False)
    note = forms.CharField(label=_("备注"), max_length=300, required=False)

    def __init__(self, *args, fund_year, **kwargs):
        super().__init__(*args, **kwargs)
        sources = fund_year.profile.source_types.select_related("department")
        self.fields["source_type"].choices = [("", "---------")] + [
            (s.code, f"{s.name}（{s.department.short_name or s.department.name} · {s.get_level_display()}）")
            for s in sources
        ]
        self.fields["level"].choices = [("", _("（按资金来源）"))] + list(Level.choices)
        self.fields["department"].choices = [("", _("（资金来源的主管部门）"))] + [
            (d.code, d.name) for d in Department.objects.filter(is_active=True)
        ]


class ReasonForm(ServiceForm):
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class FrameworkForm(ServiceForm):
    """One amount per focus area of the year's profile (blank = no allocation), plus the equity share."""

    title = forms.CharField(label=_("标题"), max_length=200, required=False)
    equity_pilot_share = forms.CharField(
        label=_("股权投资试点比例"),
        max_length=20,
        required=False,
        help_text=_("0 到 1 之间，例如 0.2 表示 20%；留空取政策配置的比例。"),
    )
    note = forms.CharField(label=_("说明"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, fund_year, framework=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.areas = list(fund_year.profile.focus_areas.all())
        current = {}
        if framework is not None:
            current = {a.focus_area_id: a.amount for a in framework.allocations.all()}
            self.fields["title"].initial = framework.title
            self.fields["equity_pilot_share"].initial = framework.equity_pilot_share
            self.fields["note"].initial = framework.note
        elif fund_year.profile.equity_pilot_share is not None:
            self.fields["equity_pilot_share"].initial = fund_year.profile.equity_pilot_share
        self.field_map = {f"allocations.{a.code}": self.area_field(a.code) for a in self.areas}
        for area in self.areas:
            self.fields[self.area_field(area.code)] = forms.CharField(
                label=area.name,
                max_length=40,
                required=False,
                widget=MoneyInput,
                initial=current.get(area.pk),
            )

    @staticmethod
    def area_field(code: str) -> str:
        return f"area_{code}"

    def area_fields(self):
        return [self[self.area_field(a.code)] for a in self.areas]

    def allocations(self) -> dict[str, str]:
        return {a.code: self.cleaned_data.get(self.area_field(a.code), "") for a in self.areas}

    def field_map(self) -> dict[str, str]:
        return {f"allocations.{a.code}": self.area_field(a.code) for a in self.areas} | {
            "allocations": "__all__"
        }

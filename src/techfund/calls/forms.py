"""Web forms of the calls. They check shape only; the services check everything else, and
``apply_service_error`` puts their refusals beside the fields."""

import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from techfund.calls.validation import SHANGHAI
from techfund.core.enums import OrganisationKind, Qualification
from techfund.core.forms import ServiceForm
from techfund.core.models import Organisation
from techfund.policy.enums import EstablishmentMode, SupportMode

TIER_LINE = re.compile(r"^\s*(\d+)\s*(?:[-－~～至到]\s*(\d+))?\s*[:：,，\s]\s*([\d.,，]+)\s*$")


class MappedServiceForm(ServiceForm):
    """A ServiceForm whose service field names map onto form fields by rule (``map_field``)."""

    def map_field(self, name: str) -> str:
        return self.field_map.get(name, name)

    def apply_service_error(self, exc) -> None:
        self.service_error = exc
        for field, messages in (exc.errors or {}).items():
            name = self.map_field(field)
            for message in messages:
                self.add_error(name if name in self.fields else None, str(message))
        if not exc.errors:
            self.add_error(None, str(exc.message))


def local_input(value) -> str:
    """A moment as the value of an ``<input type="datetime-local">``."""
    return timezone.localtime(value, SHANGHAI).strftime("%Y-%m-%dT%H:%M") if value else ""


class CallForm(MappedServiceForm):
    code = forms.CharField(label=_("指南编号"), max_length=40, help_text=_("例如 2026-ZD-01，唯一。"))
    title = forms.CharField(label=_("指南名称"), max_length=200)
    focus_area = forms.ChoiceField(label=_("重点领域"))
    establishment_mode = forms.ChoiceField(label=_("立项方式"))
    support_modes = forms.MultipleChoiceField(
        label=_("支持方式"), widget=forms.CheckboxSelectMultiple, required=False
    )
    ceiling = forms.CharField(
        label=_("单项资助上限（元）"), max_length=40, widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )
    co_funding_ratio = forms.CharField(
        label=_("自筹资金与申请资金最低比例"),
        max_length=20,
        required=False,
        help_text=_("例如 1 表示自筹资金不少于申请的财政资金；0 表示不要求。"),
    )
    opens_at = forms.CharField(
        label=_("开始申报时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    closes_at = forms.CharField(
        label=_("截止申报时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    body = forms.CharField(label=_("指南内容"), widget=forms.Textarea(attrs={"rows": 8}), required=False)
    eligible_kinds = forms.MultipleChoiceField(
        label=_("可申报单位类型"),
        choices=OrganisationKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("不选表示不限。"),
    )
    required_qualifications = forms.MultipleChoiceField(
        label=_("须具备资质（其一即可）"),
        choices=Qualification.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("不选表示不限。"),
    )
    block_credit_blocked = forms.BooleanField(label=_("失信单位不得申报"), required=False, initial=True)
    per_org_limit = forms.CharField(label=_("每单位限报项数"), max_length=5, initial=2)
    per_person_limit = forms.CharField(label=_("每位负责人限报项数"), max_length=5, initial=1)
    challenge_targets = forms.CharField(
        label=_("榜单目标（组阁揭榜）"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    challenge_funding = forms.CharField(label=_("榜单资金（元）（组阁揭榜）"), max_length=40, required=False)
    challenge_deadline = forms.DateField(
        label=_("揭榜完成期限（组阁揭榜）"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    prize_tiers = forms.CharField(
        label=_("奖补档次（以赛代评）"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("每行一档：名次区间和金额，例如“1-1：1000000”“2-3：500000”。"),
    )
    designated_organisations = forms.ModelMultipleChoiceField(
        label=_("指定承担单位（定向委托、稳定支持）"), queryset=Organisation.objects.none(), required=False
    )

    def __init__(self, *args, fund_year, departments, call=None, **kwargs):
        super().__init__(*args, **kwargs)
        profile = fund_year.profile
        self.fund_year = fund_year
        self.fields["focus_area"].choices = [("", "---------")] + [
            (a.code, a.name) for a in profile.focus_areas.all()
        ]
        self.fields["establishment_mode"].choices = [("", "---------")] + [
            (m, EstablishmentMode(m).label)
            for m in profile.establishment_modes
            if m in EstablishmentMode.values
        ]
        self.fields["support_modes"].choices = [
            (m, SupportMode(m).label) for m in profile.support_modes if m in SupportMode.values
        ]
        self.fields["designated_organisations"].queryset = Organisation.objects.order_by("name")
        self.departments = list(departments)
        current_quotas = {}
        if call is not None:
            current_quotas = {q.department_id: q.quota for q in call.quotas.all()}
            for f in (
                "code",
                "title",
                "establishment_mode",
                "support_modes",
                "ceiling",
                "co_funding_ratio",
                "body",
                "eligible_kinds",
                "required_qualifications",
                "block_credit_blocked",
                "per_org_limit",
                "per_person_limit",
                "challenge_targets",
                "challenge_funding",
                "challenge_deadline",
            ):
                self.fields[f].initial = getattr(call, f)
            self.fields["focus_area"].initial = call.focus_area.code
            self.fields["opens_at"].initial = local_input(call.opens_at)
            self.fields["closes_at"].initial = local_input(call.closes_at)
            self.fields["prize_tiers"].initial = "\n".join(
                f"{t['rank_from']}-{t['rank_to']}：{t['amount']}" for t in call.prize_tiers or []
            )
            self.fields["designated_organisations"].initial = [
                o.pk for o in call.designated_organisations.all()
            ]
        else:
            self.fields["support_modes"].initial = ["grant"]
        for d in self.departments:
            self.fields[self.quota_field(d.code)] = forms.CharField(
                label=d.short_name or d.name,
                max_length=5,
                required=False,
                initial=current_quotas.get(d.pk),
                widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 4}),
            )

    @staticmethod
    def quota_field(code: str) -> str:
        return f"quota_{code}"

    def quota_fields(self):
        return [self[self.quota_field(d.code)] for d in self.departments]

    def map_field(self, name: str) -> str:
        if name.startswith("quotas."):
            return self.quota_field(name.split(".", 1)[1])
        if name.startswith("prize_tiers"):
            return "prize_tiers"
        if name == "quotas":
            return "__all__"
        return name

    def clean_prize_tiers(self):
        raw = self.cleaned_data.get("prize_tiers") or ""
        tiers = []
        for n, line in enumerate(raw.splitlines(), start=1):
            if not line.strip():
                continue
            m = TIER_LINE.match(line)
            if not m:
                raise forms.ValidationError(
                    gettext("第%(n)s行“%(line)s”格式不正确，应为“名次-名次：金额”。")
                    % {"n": n, "line": line.strip()}
                )
            lo, hi, amount = (
                m.group(1),
                m.group(2) or m.group(1),
                m.group(3).replace(",", "").replace("，", ""),
            )
            tiers.append({"rank_from": lo, "rank_to": hi, "amount": amount})
        return tiers

    def service_data(self) -> dict:
        """The cleaned data as ``create_call``/``update_call`` take it."""
        d = dict(self.cleaned_data)
        quotas = {}
        for dept in self.departments:
            value = d.pop(self.quota_field(dept.code), "")
            if value not in (None, ""):
                quotas[dept.code] = value
        d["quotas"] = quotas
        d["designated_organisations"] = list(d.get("designated_organisations") or [])
        return d


class ReasonForm(ServiceForm):
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

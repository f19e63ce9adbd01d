"""Filters of the audit trail, shared by the list page, the Excel export and the API."""

import datetime as dt

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from techfund.core import audit_actions
from techfund.core.enums import Role
from techfund.core.errors import ServiceError

_TIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
_DATE_FORMATS = ["%Y-%m-%d"]
_TIME_ERROR = _("时间格式应为“年-月-日 时:分”或“年-月-日”，例如 2026-03-01 09:30。")

SYSTEM_ROLE = "system"


def role_choices():
    return [("", _("全部身份")), *Role.choices, (SYSTEM_ROLE, _("系统"))]


class _MomentField(forms.DateTimeField):
    """A moment, or a whole day when only a date is given (``date_only`` tells which)."""

    def __init__(self, **kwargs):
        super().__init__(input_formats=_TIME_FORMATS + _DATE_FORMATS, **kwargs)
        self.error_messages["invalid"] = _TIME_ERROR

    @staticmethod
    def is_date_only(raw) -> bool:
        if not isinstance(raw, str):
            return False
        try:
            dt.datetime.strptime(raw.strip(), "%Y-%m-%d")
        except ValueError:
            return False
        return True


class AuditFilterForm(forms.Form):
    start = _MomentField(
        label=_("起始时间"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    end = _MomentField(
        label=_("截止时间"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    actor = forms.CharField(label=_("操作人账号"), required=False, max_length=150)
    role = forms.ChoiceField(label=_("操作身份"), required=False, choices=role_choices)
    action = forms.CharField(
        label=_("操作"),
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"list": "audit-actions"}),
        help_text=_("操作代码，如 role.granted；以 * 结尾按前缀筛选，如 role.*"),
    )
    target_type = forms.CharField(label=_("对象类型"), required=False, max_length=64)
    target_id = forms.CharField(label=_("对象编号"), required=False, max_length=64)
    q = forms.CharField(label=_("理由包含"), required=False, max_length=200)

    FIELDS = ("start", "end", "actor", "role", "action", "target_type", "target_id", "q")

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if end is not None and self.fields["end"].is_date_only(self.data.get("end")):
            data["end_before"] = end + dt.timedelta(days=1)  # the whole day
        elif end is not None:
            data["end_before"] = end + dt.timedelta(microseconds=1)
        if start is not None and end is not None and data["end_before"] <= start:
            self.add_error("end", gettext("截止时间不能早于起始时间。"))
        return data

    def apply(self, qs: QuerySet) -> QuerySet:
        """``qs`` filtered by the (valid) form."""
        return apply_filters(qs, self.cleaned_data)

    def description(self) -> list[tuple[str, str]]:
        """(label, value) of each filter in use, for the export's cover sheet."""
        out = []
        for name in self.FIELDS:
            value = self.cleaned_data.get(name)
            if value in (None, ""):
                continue
            if name == "role":
                value = dict(role_choices()).get(value, value)
            out.append((str(self.fields[name].label), str(value)))
        return out


def apply_filters(qs: QuerySet, data: dict) -> QuerySet:
    if data.get("start"):
        qs = qs.filter(at__gte=data["start"])
    if data.get("end_before"):
        qs = qs.filter(at__lt=data["end_before"])
    if data.get("actor"):
        qs = qs.filter(actor_name__iexact=data["actor"].strip())
    if data.get("role"):
        qs = qs.filter(role=data["role"])
    action = (data.get("action") or "").strip()
    if action.endswith("*"):
        qs = qs.filter(action__startswith=action[:-1])
    elif action:
        qs = qs.filter(action=action)
    if data.get("target_type"):
        qs = qs.filter(target_type=data["target_type"].strip().lower())
    if data.get("target_id"):
        qs = qs.filter(target_id=data["target_id"].strip())
    if data.get("q"):
        qs = qs.filter(reason__icontains=data["q"].strip())
    return qs


def audit_filter_or_error(params) -> AuditFilterForm:
    """A valid filter form for ``params`` (the API's query string), or a ServiceError naming the fields."""
    form = AuditFilterForm(data={k: params.get(k, "") for k in AuditFilterForm.FIELDS})
    if not form.is_valid():
        raise ServiceError(
            gettext("筛选条件有误，请按提示修改。"),
            code="filter_invalid",
            errors={k: [str(m) for m in v] for k, v in form.errors.items()},
        )
    return form


def action_suggestions() -> list[tuple[str, str]]:
    return audit_actions.choices()

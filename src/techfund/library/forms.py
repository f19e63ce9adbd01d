"""The project library's filters, shared by the page, the Excel export and the API."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from techfund.applications.enums import ApplicationState
from techfund.core.enums import Role
from techfund.core.errors import ServiceError
from techfund.core.models import Department
from techfund.library.scopes import READER_ROLES
from techfund.library.search import order_choices
from techfund.policy.enums import EstablishmentMode, SupportMode
from techfund.policy.models import FocusArea

MAX_AMOUNT_DIGITS = 18
# Text inputs (styled like the other fields) that bring up a numeric keyboard.
NUMERIC = {"inputmode": "numeric"}
DECIMAL = {"inputmode": "decimal"}


def _all(label):
    return [("", label)]


def focus_area_choices() -> list[tuple[str, str]]:
    """Each focus-area code once (profiles of several years share codes), in the profiles' order."""
    seen: dict[str, str] = {}
    for code, name in FocusArea.objects.order_by("-profile__year", "order", "pk").values_list("code", "name"):
        seen.setdefault(code, name)
    return list(seen.items())


def department_choices(user) -> list[tuple[str, str]]:
    """Active departments; a department officer (and nothing more) picks among their own."""
    qs = Department.objects.filter(is_active=True).order_by("code")
    roles = user.roles()
    if Role.DEPARTMENT in roles and not roles & READER_ROLES:
        qs = qs.filter(pk__in=user.department_ids())
    return list(qs.values_list("code", "name"))


class LibraryFilterForm(forms.Form):
    q = forms.CharField(
        label=_("关键词"),
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("项目名称、摘要、关键词、单位、负责人、编号")}
        ),
    )
    year = forms.IntegerField(
        label=_("年度"), required=False, min_value=2000, max_value=2100, widget=forms.TextInput(NUMERIC)
    )
    focus_area = forms.ChoiceField(label=_("重点领域"), required=False)
    department = forms.ChoiceField(label=_("归口部门"), required=False)
    state = forms.ChoiceField(
        label=_("状态"), required=False, choices=_all(_("全部状态")) + ApplicationState.choices
    )
    establishment_mode = forms.ChoiceField(
        label=_("立项方式"), required=False, choices=_all(_("全部方式")) + EstablishmentMode.choices
    )
    support_mode = forms.ChoiceField(
        label=_("支持方式"), required=False, choices=_all(_("全部方式")) + SupportMode.choices
    )
    amount_min = forms.DecimalField(
        label=_("金额不低于（元）"),
        required=False,
        min_value=0,
        max_digits=MAX_AMOUNT_DIGITS,
        decimal_places=2,
    )
    amount_max = forms.DecimalField(
        label=_("金额不高于（元）"),
        required=False,
        min_value=0,
        max_digits=MAX_AMOUNT_DIGITS,
        decimal_places=2,
    )
    order = forms.ChoiceField(label=_("排序"), required=False, choices=order_choices)

    FIELDS = (
        "q",
        "year",
        "focus_area",
        "department",
        "state",
        "establishment_mode",
        "support_mode",
        "amount_min",
        "amount_max",
        "order",
    )

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["focus_area"].choices = _all(_("全部领域")) + focus_area_choices()
        self.fields["department"].choices = _all(_("全部部门")) + department_choices(user)
        self.fields["amount_min"].help_text = _("有审定金额的按审定金额，否则按申请的财政资金。")

    def clean(self):
        data = super().clean()
        low, high = data.get("amount_min"), data.get("amount_max")
        if low is not None and high is not None and low > high:
            self.add_error("amount_max", gettext("金额上限不能低于下限。"))
        return data

    def search_kwargs(self) -> dict:
        """Keyword arguments of ``search.search`` from the (valid) form."""
        d = self.cleaned_data
        return {
            "q": d.get("q") or "",
            "year": d.get("year"),
            "focus_area": d.get("focus_area") or None,
            "department": d.get("department") or None,
            "state": d.get("state") or None,
            "establishment_mode": d.get("establishment_mode") or None,
            "support_mode": d.get("support_mode") or None,
            "amount_min": d.get("amount_min"),
            "amount_max": d.get("amount_max"),
            "order": d.get("order") or "relevance",
        }

    def description(self) -> list[tuple[str, str]]:
        """(label, value) of each filter in use, as shown to people (for the export's cover sheet)."""
        out = []
        for name in self.FIELDS:
            value = self.cleaned_data.get(name)
            if value in (None, ""):
                continue
            field = self.fields[name]
            if isinstance(field, forms.ChoiceField):
                value = dict(field.choices).get(value, value)
            out.append((str(field.label), str(value)))
        return out


def filter_or_error(params, *, user) -> LibraryFilterForm:
    """A valid filter form for ``params`` (the API's query string), or a ServiceError naming the fields."""
    form = LibraryFilterForm({k: params.get(k, "") for k in LibraryFilterForm.FIELDS}, user=user)
    if not form.is_valid():
        raise ServiceError(
            gettext("筛选条件有误，请按提示修改。"),
            code="filter_invalid",
            errors={k: [str(m) for m in v] for k, v in form.errors.items()},
        )
    return form


__all__ = ["LibraryFilterForm", "filter_or_error"]

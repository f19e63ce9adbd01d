"""Forms of the core pages. They check the shape of the input; the services decide the rest.

A refusal from a service (``ServiceError``) goes back into the form with ``apply_service_error``:
its field errors appear beside their fields, its message above the form.
"""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from techfund.core.enums import CreditStatus, OrganisationKind, Qualification, Role
from techfund.core.errors import ServiceError


class ServiceForm(forms.Form):
    """A form whose data a service checks; keeps the service's refusal for the errors partial."""

    service_error: ServiceError | None = None
    #: service field name → form field name, where they differ
    field_map: dict[str, str] = {}

    def apply_service_error(self, exc: ServiceError) -> None:
        self.service_error = exc
        for field, messages in (exc.errors or {}).items():
            name = self.field_map.get(field, field)
            for message in messages:
                self.add_error(name if name in self.fields else None, str(message))
        if not exc.errors:
            self.add_error(None, str(exc.message))


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("账号或密码不正确。"),
        "inactive": _("该账号已停用，请联系系统管理员。"),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("账号")
        self.fields["password"].label = _("密码")
        self.fields["username"].error_messages["required"] = _("请填写账号。")
        self.fields["password"].error_messages["required"] = _("请填写密码。")


class PasswordChangeForm(ServiceForm):
    old = forms.CharField(
        label=_("原密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("请填写原密码。")},
    )
    new = forms.CharField(
        label=_("新密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("至少10位，包含大写字母、小写字母、数字、符号中的至少三类。"),
        error_messages={"required": _("请填写新密码。")},
    )
    new2 = forms.CharField(
        label=_("确认新密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": _("请再次填写新密码。")},
    )

    def clean(self):
        data = super().clean()
        if data.get("new") and data.get("new2") and data["new"] != data["new2"]:
            self.add_error("new2", gettext("两次输入的新密码不一致。"))
        return data


class UserCreateForm(ServiceForm):
    username = forms.CharField(
        label=_("账号"), max_length=150, error_messages={"required": _("请填写账号。")}
    )
    display_name = forms.CharField(label=_("姓名"), max_length=50, required=False)
    email = forms.CharField(label=_("电子邮箱"), max_length=254, required=False)
    password = forms.CharField(
        label=_("初始密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("至少10位，包含大写字母、小写字母、数字、符号中的至少三类。"),
        error_messages={"required": _("请填写初始密码。")},
    )
    password2 = forms.CharField(
        label=_("确认初始密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": _("请再次填写初始密码。")},
    )
    must_change_password = forms.BooleanField(label=_("首次登录须修改密码"), required=False, initial=True)

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password2") and data["password"] != data["password2"]:
            self.add_error("password2", gettext("两次输入的密码不一致。"))
        return data


class OrganisationForm(ServiceForm):
    uscc = forms.CharField(
        label=_("统一社会信用代码"),
        max_length=30,
        help_text=_("18位，不含字母I、O、Z、S、V。"),
        error_messages={"required": _("请填写统一社会信用代码。")},
    )
    name = forms.CharField(
        label=_("单位名称"), max_length=250, error_messages={"required": _("请填写单位名称。")}
    )
    kind = forms.ChoiceField(label=_("单位类型"), choices=OrganisationKind.choices)
    qualifications = forms.MultipleChoiceField(
        label=_("资质"), choices=Qualification.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    credit_status = forms.ChoiceField(
        label=_("信用状况"), choices=CreditStatus.choices, initial=CreditStatus.GOOD, required=False
    )
    address = forms.CharField(label=_("地址"), max_length=250, required=False)
    contact_name = forms.CharField(label=_("联系人"), max_length=60, required=False)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=40, required=False)


class DepartmentForm(ServiceForm):
    code = forms.CharField(
        label=_("部门代码"),
        max_length=40,
        help_text=_("小写字母、数字、连字符，如 kjj。"),
        error_messages={"required": _("请填写部门代码。")},
    )
    name = forms.CharField(
        label=_("部门名称"), max_length=120, error_messages={"required": _("请填写部门名称。")}
    )
    short_name = forms.CharField(
        label=_("简称"), max_length=30, error_messages={"required": _("请填写部门简称。")}
    )
    name_en = forms.CharField(label=_("英文名称"), max_length=200, required=False)
    domains = forms.CharField(label=_("主管领域"), required=False, help_text=_("多个领域用逗号或顿号分隔。"))

    def clean_domains(self):
        raw = self.cleaned_data.get("domains") or ""
        for sep in ("，", "、", ";", "；"):
            raw = raw.replace(sep, ",")
        return [d.strip() for d in raw.split(",") if d.strip()]


class GrantForm(ServiceForm):
    user = forms.ModelChoiceField(
        label=_("用户"), queryset=None, error_messages={"required": _("请选择用户。")}
    )
    role = forms.ChoiceField(label=_("角色"), choices=[("", "—"), *Role.choices])
    organisation = forms.ModelChoiceField(
        label=_("所属单位"), queryset=None, required=False, help_text=_("仅“申报单位”角色需要。")
    )
    department = forms.ModelChoiceField(
        label=_("所属部门"), queryset=None, required=False, help_text=_("仅“职能部门”角色需要。")
    )
    reason = forms.CharField(label=_("授权依据"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, users, organisations, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = users
        self.fields["user"].label_from_instance = lambda u: (
            f"{u.username}（{u}）" if u.display_name else u.username
        )
        self.fields["organisation"].queryset = organisations
        self.fields["organisation"].label_from_instance = lambda o: f"{o.name}（{o.uscc}）"
        self.fields["department"].queryset = departments
        self.fields["role"].error_messages["required"] = _("请选择角色。")
        self.fields["organisation"].widget.attrs["data-show-for-role"] = Role.APPLICANT
        self.fields["department"].widget.attrs["data-show-for-role"] = Role.DEPARTMENT


class RevokeForm(ServiceForm):
    reason = forms.CharField(
        label=_("撤销理由"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("撤销授权须说明理由。")},
    )


class UserFilterForm(forms.Form):
    q = forms.CharField(label=_("账号或姓名"), required=False, max_length=150)
    role = forms.ChoiceField(label=_("角色"), required=False, choices=[("", _("全部角色")), *Role.choices])


class OrganisationFilterForm(forms.Form):
    q = forms.CharField(label=_("名称或信用代码"), required=False, max_length=200)
    kind = forms.ChoiceField(
        label=_("单位类型"), required=False, choices=[("", _("全部类型")), *OrganisationKind.choices]
    )

"""People, organisations, departments and the role grants that scope what each person sees."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from techfund.core.enums import CreditStatus, OrganisationKind, Role


class Department(models.Model):
    """职能部门 — a municipal department that routes and monitors the projects of its domain."""

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100, unique=True)
    short_name = models.CharField(_("简称"), max_length=20)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)
    domains = models.JSONField(_("主管领域"), default=list, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("职能部门")
        verbose_name_plural = _("职能部门")

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    """申报单位等机构 — identified by its 统一社会信用代码 (validated with its check character)."""

    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    name = models.CharField(_("单位名称"), max_length=200)
    kind = models.CharField(_("单位类型"), max_length=20, choices=OrganisationKind.choices)
    qualifications = models.JSONField(_("资质"), default=list, blank=True)
    credit_status = models.CharField(
        _("信用状况"), max_length=10, choices=CreditStatus.choices, default=CreditStatus.GOOD
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        constraints = [
            models.CheckConstraint(
                condition=Q(uscc__regex=r"^[0-9A-HJ-NPQRTUWXY]{18}$"), name="org_uscc_alphabet"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person with a unique account. What they may do comes from their active role grants."""

    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    must_change_password = models.BooleanField(_("须修改密码"), default=False)
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username

    # Role lookups are cached per instance (one query per request, not per check).
    def active_grants(self) -> list["RoleGrant"]:
        cache = getattr(self, "_grant_cache", None)
        if cache is None:
            if not self.is_authenticated or not self.pk or not self.is_active:
                cache = []
            else:
                cache = list(
                    RoleGrant.objects.filter(user=self, revoked_at__isnull=True).select_related(
                        "organisation", "department"
                    )
                )
            self._grant_cache = cache
        return cache

    def forget_grants(self) -> None:
        self.__dict__.pop("_grant_cache", None)

    def roles(self) -> set[str]:
        return {g.role for g in self.active_grants()}

    def has_role(self, role: str) -> bool:
        return role in self.roles()

    def organisation_ids(self) -> set[int]:
        return {g.organisation_id for g in self.active_grants() if g.role == Role.APPLICANT}

    def department_ids(self) -> set[int]:
        return {g.department_id for g in self.active_grants() if g.role == Role.DEPARTMENT}


class RoleGrant(models.Model):
    """A role held by a user, scoped to an organisation (applicant) or department (officer)."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="grants", verbose_name=_("用户"))
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="grants",
        verbose_name=_("单位"),
    )
    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="grants",
        verbose_name=_("部门"),
    )
    granted_at = models.DateTimeField(_("授权时间"), auto_now_add=True)
    granted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("授权人")
    )
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("撤销人")
    )

    class Meta:
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")
        constraints = [
            models.CheckConstraint(
                condition=~Q(role=Role.APPLICANT) | Q(organisation__isnull=False),
                name="grant_applicant_has_org",
            ),
            models.CheckConstraint(
                condition=~Q(role=Role.DEPARTMENT) | Q(department__isnull=False),
                name="grant_department_has_dept",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "organisation", "department"],
                condition=Q(revoked_at__isnull=True),
                name="grant_unique_active",
            ),
        ]

    def __str__(self) -> str:
        scope = self.organisation or self.department
        return f"{self.user} · {self.get_role_display()}" + (f" · {scope}" if scope else "")

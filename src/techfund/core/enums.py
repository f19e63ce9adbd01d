"""Enumerations shared by every stage. Values are the code names of DESIGN.md's glossary."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业")
    UNIVERSITY = "university", _("高等院校")
    INSTITUTE = "institute", _("科研院所")
    HOSPITAL = "hospital", _("医疗卫生机构")
    NEW_RD = "new_rd", _("新型研发机构")
    BANK = "bank", _("金融机构")
    GOVERNMENT = "government", _("党政机关")
    OTHER = "other", _("其他")


class Qualification(models.TextChoices):
    HIGH_TECH = "high_tech", _("高新技术企业")
    TECH_SME = "tech_sme", _("科技型中小企业")
    SPECIALISED = "specialised", _("专精特新企业")
    INNOVATIVE = "innovative", _("创新型企业")
    LEADING = "leading", _("创新型领军企业")


class CreditStatus(models.TextChoices):
    GOOD = "good", _("信用良好")
    WATCH = "watch", _("重点关注")
    BLOCKED = "blocked", _("失信惩戒（限制申报）")


class Role(models.TextChoices):
    APPLICANT = "applicant", _("申报单位")
    DEPARTMENT = "department", _("职能部门")
    OFFICE = "office", _("领导小组办公室")
    LEADING_GROUP = "leading_group", _("领导小组成员")
    FINANCE = "finance", _("财政部门")
    EXPERT = "expert", _("评审专家")
    AUDITOR = "auditor", _("审计部门")
    SYSADMIN = "sysadmin", _("系统管理员")
    SECADMIN = "secadmin", _("安全管理员")
    AUDITADMIN = "auditadmin", _("审计管理员")


#: 三员分立: no user may hold two of these.
ADMIN_ROLES = frozenset({Role.SYSADMIN, Role.SECADMIN, Role.AUDITADMIN})
#: Roles whose grant must name an organisation / a department.
ORGANISATION_ROLES = frozenset({Role.APPLICANT})
DEPARTMENT_ROLES = frozenset({Role.DEPARTMENT})


class Level(models.TextChoices):
    MUNICIPAL = "municipal", _("市级")
    PROVINCIAL = "provincial", _("省级")
    CENTRAL = "central", _("中央")


class AccountKind(models.TextChoices):
    SOURCE = "source", _("资金来源")
    POOL = "pool", _("资金池（未分配）")
    AREA = "area", _("领域配置（未承诺）")
    RESERVED = "reserved", _("审定待安排")
    COMMITMENT = "commitment", _("项目承诺（未拨付）")
    DISBURSED = "disbursed", _("已拨付")
    RECOVERED = "recovered", _("已追回")
    RELEASED = "released", _("已释放")
    RISK_POOL = "risk_pool", _("风险补偿资金池")
    COMPENSATED = "compensated", _("已代偿（拨付合作银行）")
    WRITTEN_OFF = "written_off", _("已核销")
    INCOME = "income", _("投资收益")

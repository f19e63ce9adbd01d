"""Loading a city policy profile — the only code that writes policy rows.

    load_preset("rizhao", actor=office)              # presets/rizhao.yaml
    load_preset("taian", actor=None, year=2027)      # bootstrap from manage.py, for another year
    load_file("/srv/policy/rizhao-2027.yaml", actor=office)
    load_text(text, actor=office, source_name="upload.yaml")

Each call runs in one transaction: check the permission (``policy.load``; ``actor=None`` is the
bootstrap from ``manage.py``, recorded as *system*), validate the whole file (every error, with its
line and field, in ``ServiceError.errors["file"]``; nothing is written), create the departments the
file names that do not exist yet (an existing department with the same code is reused), create a new
version of the profile for (code, year), make it the active profile of its year, and write the
``policy.loaded`` audit event with the SHA-256 of the text.

Loading byte-identical text again while that version is active returns it unchanged, so repeated
``make demo`` runs are cheap. The returned profile carries ``was_created`` (``False`` in that case).
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from techfund.core.context import current_request_id, new_request_id, reset_request_id, set_request_id
from techfund.core.errors import ServiceError
from techfund.core.models import Department
from techfund.core.permissions import can, require
from techfund.core.services import audit
from techfund.core.services.people import create_department
from techfund.policy import schema
from techfund.policy.models import FocusArea, FundSourceType, PolicyProfile, ProfileDepartment

PRESETS_DIR = Path(__file__).resolve().parent / "presets"

SNAPSHOT_FIELDS = (
    "code",
    "city",
    "year",
    "version",
    "is_active",
    "title",
    "document_number",
    "document_date",
    "leading_group",
    "office",
    "min_annual_scale",
    "equity_pilot_share",
    "establishment_modes",
    "support_modes",
    "source_digest",
)


def preset_codes() -> list[str]:
    """The shipped presets, by code (``["rizhao", "taian"]``)."""
    return sorted(p.stem for p in PRESETS_DIR.glob("*.yaml"))


def preset_path(code: str) -> Path:
    if code not in preset_codes():
        raise ServiceError(
            _("没有名为“%(code)s”的预置政策配置（可选：%(codes)s）。")
            % {"code": code, "codes": "、".join(preset_codes())},
            code="preset_unknown",
            errors={"code": [_("预置配置不存在。")]},
        )
    return PRESETS_DIR / f"{code}.yaml"


def load_preset(code: str, *, actor=None, year: int | None = None) -> PolicyProfile:
    """Load ``presets/<code>.yaml``; ``year`` overrides the year written in the file."""
    path = preset_path(code)
    return load_text(path.read_text(encoding="utf-8"), actor=actor, source_name=f"preset:{code}", year=year)


def load_file(path, *, actor=None, year: int | None = None) -> PolicyProfile:
    """Load a policy file (UTF-8 YAML) from ``path``."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise ServiceError(
            _("无法读取文件“%(name)s”：%(error)s") % {"name": path.name, "error": exc.strerror or exc},
            code="policy_unreadable",
            errors={"file": [_("无法读取文件。")]},
        ) from exc
    except UnicodeDecodeError as exc:
        raise ServiceError(
            _("文件“%(name)s”不是 UTF-8 编码。") % {"name": path.name},
            code="policy_invalid",
            errors={"file": [_("第%(byte)d字节：不是有效的 UTF-8 编码。") % {"byte": exc.start + 1}]},
        ) from exc
    return load_text(text, actor=actor, source_name=path.name, year=year)


def load_text(text: str, *, actor=None, source_name: str = "", year: int | None = None) -> PolicyProfile:
    """Validate ``text`` and load it as a new active version (or return the active one if identical)."""
    role = "system" if actor is None else require(actor, "policy.load")
    if year is not None and not 2000 <= year <= 2100:
        raise ServiceError(
            _("年度%(year)s无效。") % {"year": year},
            code="policy_year",
            errors={"year": [_("年度应在2000至2100之间。")]},
        )
    doc, parsed = schema.parse(text)  # no database access: a bad file is refused before any lock is taken
    if parsed is not None and year is not None:
        parsed.year = year
    if not doc.ok:
        raise _invalid(doc, source_name)
    with transaction.atomic(), _one_request_id():
        _check_departments_against_database(doc, parsed)
        if not doc.ok:
            raise _invalid(doc, source_name)
        return _load(doc, parsed, actor=actor, role=role, source_name=source_name)


def _invalid(doc: schema.Document, source_name: str) -> ServiceError:
    return ServiceError(
        _("政策配置文件%(name)s有%(n)d处错误，未载入。")
        % {"name": f"“{source_name}”" if source_name else "", "n": len(doc.problems)},
        code="policy_invalid",
        errors={"file": doc.messages()},
    )


@contextlib.contextmanager
def _one_request_id():
    """Group the events of one load (departments created, profile loaded) under one request id."""
    if current_request_id():
        yield
        return
    token = set_request_id(new_request_id("policy-"))
    try:
        yield
    finally:
        reset_request_id(token)


def _check_departments_against_database(doc: schema.Document, parsed: schema.Profile) -> None:
    """A new department may not take the name of an existing one (names are unique)."""
    codes = [d["code"] for d in parsed.departments]
    names = [d["name"] for d in parsed.departments]
    existing = {d.code: d for d in Department.objects.filter(Q(code__in=codes) | Q(name__in=names))}
    by_name = {d.name: d for d in existing.values()}
    for i, dept in enumerate(parsed.departments):
        if dept["code"] in existing:
            continue
        other = by_name.get(dept["name"])
        if other is not None:
            doc.error(
                ("departments", i, "name"),
                _("名称“%(name)s”已被代码为“%(code)s”的部门使用；请改用该代码。")
                % {"name": dept["name"], "code": other.code},
            )


def _load(
    doc: schema.Document, parsed: schema.Profile, *, actor, role: str, source_name: str
) -> PolicyProfile:
    digest = doc.digest
    # Lock the year's versions so two loads of one year queue up (on SQLite the write lock does it).
    year_profiles = list(PolicyProfile.objects.select_for_update().filter(year=parsed.year).order_by("pk"))
    active = next((p for p in year_profiles if p.is_active), None)
    if active is not None and active.code == parsed.code and active.source_digest == digest:
        active.was_created = False
        return active
    version = max((p.version for p in year_profiles if p.code == parsed.code), default=0) + 1

    departments, created_codes = _ensure_departments(parsed, actor=actor)

    if active is not None:
        PolicyProfile.objects.filter(pk=active.pk).update(is_active=False)
    try:
        profile = PolicyProfile.objects.create(
            code=parsed.code,
            city=parsed.city,
            year=parsed.year,
            version=version,
            is_active=True,
            title=parsed.title,
            document_number=parsed.document_number,
            document_date=parsed.document_date,
            leading_group=parsed.leading_group,
            office=parsed.office,
            office_host=parsed.office_host,
            process_words=parsed.process_words,
            min_annual_scale=parsed.min_annual_scale,
            equity_pilot_share=parsed.equity_pilot_share,
            establishment_modes=parsed.establishment_modes,
            support_modes=parsed.support_modes,
            rules=parsed.rules,
            field_notes=parsed.field_notes,
            source_name=source_name[:200],
            source_text=doc.text,
            source_digest=digest,
            loaded_by=actor,
        )
    except IntegrityError as exc:  # another load of the same city and year committed first
        raise ServiceError(
            _("同一年度的政策配置正在被另一操作载入，请稍后重试。"), code="policy_conflict"
        ) from exc

    ProfileDepartment.objects.bulk_create(
        ProfileDepartment(profile=profile, department=departments[d["code"]], order=i)
        for i, d in enumerate(parsed.departments, start=1)
    )
    FocusArea.objects.bulk_create(
        FocusArea(
            profile=profile,
            code=a["code"],
            name=a["name"],
            name_en=a.get("name_en", ""),
            description=a.get("description", ""),
            order=a["order"],
            establishment_modes=a["establishment_modes"],
            stable_support=bool(a.get("stable_support", False)),
        )
        for a in parsed.focus_areas
    )
    FundSourceType.objects.bulk_create(
        FundSourceType(
            profile=profile,
            code=s["code"],
            name=s["name"],
            name_en=s.get("name_en", ""),
            department=departments[s["department"]],
            level=s["level"],
            own_procedure=bool(s.get("own_procedure", False)),
            procedure_owner=s.get("procedure_owner", ""),
            order=i,
        )
        for i, s in enumerate(parsed.source_types, start=1)
    )

    data = {
        "source_name": source_name,
        "source_digest": digest,
        "focus_areas": len(parsed.focus_areas),
        "source_types": len(parsed.source_types),
        "departments": [d["code"] for d in parsed.departments],
        "departments_created": created_codes,
        "replaces": active.pk if active is not None else None,
    }
    if active is not None:
        audit.record(
            "policy.superseded",
            actor=actor,
            role=role,
            target=active,
            before={"is_active": True},
            after={"is_active": False},
            data={"superseded_by": profile.pk, "code": profile.code, "version": profile.version},
        )
    audit.record(
        "policy.loaded",
        actor=actor,
        role=role,
        target=profile,
        before={"active": active.pk, "code": active.code, "version": active.version}
        if active is not None
        else None,
        after=audit.snapshot(profile, SNAPSHOT_FIELDS),
        data=data,
    )
    profile.was_created = True
    return profile


def _ensure_departments(parsed: schema.Profile, *, actor) -> tuple[dict[str, Department], list[str]]:
    """The file's departments by code: existing ones reused, missing ones created through the core service.

    Departments are kept by the system administrator (``core.manage_departments``). When the office
    loads a profile that names a new department, the department is created by the system on behalf
    of the load; the ``policy.loaded`` event (same transaction and request id) names who loaded it
    and which departments it created.
    """
    codes = [d["code"] for d in parsed.departments]
    found = {d.code: d for d in Department.objects.filter(code__in=codes)}
    creator = actor if actor is not None and can(actor, "core.manage_departments") else None
    created = []
    for dept in parsed.departments:
        if dept["code"] in found:
            continue
        found[dept["code"]] = create_department(
            actor=creator,
            code=dept["code"],
            name=dept["name"],
            short_name=dept["short_name"],
            domains=dept.get("domains") or [],
            name_en=dept.get("name_en", ""),
        )
        created.append(dept["code"])
    return found, created

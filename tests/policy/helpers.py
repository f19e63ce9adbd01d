"""Shared helpers for the policy tests: preset text, mutations, and row counts."""

from techfund.core.models import AuditEvent, Department
from techfund.policy.loader import preset_path
from techfund.policy.models import FocusArea, FundSourceType, PolicyProfile, ProfileDepartment


def preset_text(code: str = "rizhao") -> str:
    return preset_path(code).read_text(encoding="utf-8")


def mutate(text: str, old: str, new: str) -> tuple[str, int]:
    """Replace the first ``old`` with ``new``; return the new text and the (1-based) line of the change."""
    assert old in text, old
    line = text[: text.index(old)].count("\n") + 1
    return text.replace(old, new, 1), line


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (PolicyProfile, FocusArea, FundSourceType, ProfileDepartment, Department, AuditEvent)
    }

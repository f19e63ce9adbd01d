"""Transitions are data: each stateful record declares a table of allowed moves.

    TRANSITIONS = Table({
        ("draft", "submitted"): Move("funds.submit_framework", guard=has_allocations),
        ...
    })

``table.check(obj, to)`` raises a ServiceError naming the current and requested state when the move
is not in the table, and runs the guard (which raises its own ServiceError). Services call it after
``require()`` and before changing anything.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from techfund.core.errors import ServiceError


@dataclass(frozen=True)
class Move:
    perm: str
    guard: Callable | None = None


class Table:
    def __init__(self, moves: dict[tuple[str, str], Move], *, field: str = "state", labels=None):
        self.moves = moves
        self.field = field
        self.labels = labels

    def _label(self, state: str) -> str:
        if self.labels is not None:
            try:
                return str(self.labels(state).label)
            except ValueError:
                pass
        return state

    def move(self, obj, to: str) -> Move:
        frm = getattr(obj, self.field)
        move = self.moves.get((frm, to))
        if move is None:
            raise ServiceError(
                _("当前状态为“%(frm)s”，不能变更为“%(to)s”。")
                % {"frm": self._label(frm), "to": self._label(to)},
                code="transition_not_allowed",
            )
        return move

    def check(self, obj, to: str, **context) -> Move:
        move = self.move(obj, to)
        if move.guard is not None:
            move.guard(obj, **context)
        return move

    def allowed_from(self, state: str) -> list[str]:
        return [to for (frm, to) in self.moves if frm == state]

    def rows(self):
        """(from, to, permission) for documentation pages and tests."""
        return [(frm, to, m.perm) for (frm, to), m in self.moves.items()]

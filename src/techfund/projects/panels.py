"""Sections later stages add to the project page (monitoring, sanctions, evaluation …).

Each stage registers, in its ``AppConfig.ready()``::

    from techfund.projects.panels import register_panel
    register_panel("monitoring/_project_panel.html", order=30)

The project detail view renders every registered template, in order, with ``project`` and
``request`` in the context; each template reads its own records through its stage's scope.
"""

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Panel:
    order: int
    template: str


_PANELS: dict[str, Panel] = {}


def register_panel(template: str, *, order: int = 50) -> None:
    _PANELS[template] = Panel(order, template)


def panels() -> list[str]:
    return [p.template for p in sorted(_PANELS.values())]

"""The allowed moves of this stage's records, as data (see ``techfund.core.transitions``).

Batch (立项建议批次)::

    draft ──submit (≥ 1 item)──► submitted ──(every item decided)──► decided

Item (立项建议事项)::

    proposed ──approve / modify──► approved ──publish──► in_publicity ──end──► final
        │                                                    │
        └──reject──► rejected                     upheld objection──► withdrawn

Publicity (公示): ``open ──end (period over, no open objection)──► ended``.
Objection (异议): ``open ──► upheld | dismissed``.

Application (the moves this stage makes on ``applications.Application``)::

    reviewed | formal_passed ──propose──► proposed ──remove──► (its earlier state)
    proposed ──► approved | not_approved;  approved ──► in_publicity ──► final | withdrawn
"""

import datetime as dt

from django.utils.translation import gettext as _

from techfund.applications.enums import ApplicationState as A
from techfund.core.errors import ServiceError
from techfund.core.transitions import Move, Table
from techfund.decisions.enums import BatchState, ItemState, ObjectionState, PublicityState
from techfund.policy.enums import EstablishmentMode

#: Application states from which an application may be proposed, by its call's establishment mode:
#: after expert review in general; straight after the formal check where no review is held.
NO_REVIEW_MODES = frozenset({EstablishmentMode.STABLE, EstablishmentMode.COMMISSIONED})
#: Items that still hold (or are about to hold) money and block another item of the same application.
LIVE_ITEM_STATES = frozenset(
    {ItemState.PROPOSED, ItemState.APPROVED, ItemState.IN_PUBLICITY, ItemState.FINAL}
)


def fmt_date(day: dt.date) -> str:
    return _("%(y)d年%(m)d月%(d)d日") % {"y": day.year, "m": day.month, "d": day.day}


def batch_has_items(batch, **context) -> None:
    if not batch.items.exists():
        raise ServiceError(
            _("第%(n)s批立项建议还没有任何项目，不能报送。") % {"n": batch.number}, code="batch_empty"
        )


def batch_all_decided(batch, **context) -> None:
    if batch.items.filter(state=ItemState.PROPOSED).exists():
        raise ServiceError(_("本批尚有项目未审定。"), code="batch_not_all_decided")


def publicity_may_end(publicity, *, today: dt.date, **context) -> None:
    if today <= publicity.ends_on:
        raise ServiceError(
            _("公示期至%(end)s，尚未期满，不能办结。") % {"end": fmt_date(publicity.ends_on)},
            code="publicity_not_over",
        )
    open_objections = list(
        publicity.objections.filter(state=ObjectionState.OPEN)
        .select_related("item__application")
        .order_by("id")
    )
    if open_objections:
        listed = "；".join(f"#{o.pk} {o.item.application.title}" for o in open_objections)
        raise ServiceError(
            _("尚有%(n)d条异议未处理，处理完毕后才能办结公示：%(list)s。")
            % {"n": len(open_objections), "list": listed},
            code="objections_open",
        )


BATCH = Table(
    {
        (BatchState.DRAFT, BatchState.SUBMITTED): Move("decisions.submit_batch", guard=batch_has_items),
        (BatchState.SUBMITTED, BatchState.DECIDED): Move("decisions.decide_item", guard=batch_all_decided),
    },
    labels=BatchState,
)

ITEM = Table(
    {
        (ItemState.PROPOSED, ItemState.APPROVED): Move("decisions.decide_item"),
        (ItemState.PROPOSED, ItemState.REJECTED): Move("decisions.decide_item"),
        (ItemState.APPROVED, ItemState.IN_PUBLICITY): Move("decisions.publish_publicity"),
        (ItemState.IN_PUBLICITY, ItemState.WITHDRAWN): Move("decisions.resolve_objection"),
        (ItemState.IN_PUBLICITY, ItemState.FINAL): Move("decisions.end_publicity"),
    },
    labels=ItemState,
)

PUBLICITY = Table(
    {(PublicityState.OPEN, PublicityState.ENDED): Move("decisions.end_publicity", guard=publicity_may_end)},
    labels=PublicityState,
)

OBJECTION = Table(
    {
        (ObjectionState.OPEN, ObjectionState.UPHELD): Move("decisions.resolve_objection"),
        (ObjectionState.OPEN, ObjectionState.DISMISSED): Move("decisions.resolve_objection"),
    },
    labels=ObjectionState,
)

APPLICATION = Table(
    {
        (A.REVIEWED, A.PROPOSED): Move("decisions.propose_item"),
        (A.FORMAL_PASSED, A.PROPOSED): Move("decisions.propose_item"),
        (A.PROPOSED, A.REVIEWED): Move("decisions.remove_item"),
        (A.PROPOSED, A.FORMAL_PASSED): Move("decisions.remove_item"),
        (A.PROPOSED, A.APPROVED): Move("decisions.decide_item"),
        (A.PROPOSED, A.NOT_APPROVED): Move("decisions.decide_item"),
        (A.APPROVED, A.IN_PUBLICITY): Move("decisions.publish_publicity"),
        (A.IN_PUBLICITY, A.WITHDRAWN): Move("decisions.resolve_objection"),
        (A.IN_PUBLICITY, A.FINAL): Move("decisions.end_publicity"),
    },
    labels=A,
)


def proposable_states(call) -> frozenset[str]:
    """The application states from which an application of ``call`` may be proposed."""
    if call.establishment_mode in NO_REVIEW_MODES:
        return frozenset({A.REVIEWED, A.FORMAL_PASSED})
    return frozenset({A.REVIEWED})

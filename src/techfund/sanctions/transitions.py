"""The allowed moves of sanction and recovery orders, as data (see ``techfund.core.transitions``).

Sanction order (暂停拨款 / 解除暂停 / 终止项目)::

    proposed ──finance concurs──► effective   (the project moves in the same transaction)
        └─────finance rejects───► rejected

Recovery order (追回通知)::

    proposed ──finance confirms──► open ──receipts reach the amount──► settled
        └──────finance rejects───► rejected

The project's own moves (in_progress ⇄ suspended, → terminated) are in
``techfund.projects.transitions.PROJECT``; the services check both tables.
"""

from techfund.core.transitions import Move, Table
from techfund.sanctions.enums import RecoveryState as R
from techfund.sanctions.enums import SanctionState as S

SANCTION = Table(
    {
        (S.PROPOSED, S.EFFECTIVE): Move("sanctions.decide"),
        (S.PROPOSED, S.REJECTED): Move("sanctions.decide"),
    },
    labels=S,
)

RECOVERY = Table(
    {
        (R.PROPOSED, R.OPEN): Move("sanctions.decide_recovery"),
        (R.PROPOSED, R.REJECTED): Move("sanctions.decide_recovery"),
        (R.OPEN, R.SETTLED): Move("sanctions.record_receipt"),
    },
    labels=R,
)

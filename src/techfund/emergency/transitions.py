"""The allowed moves of an emergency request (一事一议), as data (see ``techfund.core.transitions``)::

submitted ──leading group approves──► approved   (the project is created and contracted)
    └──────leading group rejects───► rejected
"""

from techfund.core.transitions import Move, Table
from techfund.emergency.enums import RequestState as R

REQUEST = Table(
    {
        (R.SUBMITTED, R.APPROVED): Move("emergency.decide"),
        (R.SUBMITTED, R.REJECTED): Move("emergency.decide"),
    },
    labels=R,
)

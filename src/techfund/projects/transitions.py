"""The allowed moves of a project and its contract, as data (see ``techfund.core.transitions``).

Project (项目)::

    arranged ──contract signed by both sides──► in_progress ──self-evaluation──► acceptance ──► completed
        │                                          │   ▲                            │
        │                                  suspend │   │ lift                       └─return─► in_progress
        │                                          ▼   │
        └──────────────terminate──────────────► suspended ──terminate──► terminated
                         (in_progress ──terminate──► terminated as well)

The moves out of ``in_progress`` belong to later stages (``sanctions``, ``evaluation``); their
services check this table like the ones here.

Contract (任务书)::

    draft ──unit signs──► unit_signed ──owner signs──► signed
    draft ──owner signs──► owner_signed ──unit signs──► signed
"""

from techfund.core.transitions import Move, Table
from techfund.projects.enums import ContractState as C
from techfund.projects.enums import ProjectState as P

PROJECT = Table(
    {
        (P.ARRANGED, P.IN_PROGRESS): Move("projects.sign_contract"),
        (P.IN_PROGRESS, P.SUSPENDED): Move("sanctions.decide"),
        (P.SUSPENDED, P.IN_PROGRESS): Move("sanctions.decide"),
        (P.ARRANGED, P.TERMINATED): Move("sanctions.decide"),
        (P.IN_PROGRESS, P.TERMINATED): Move("sanctions.decide"),
        (P.SUSPENDED, P.TERMINATED): Move("sanctions.decide"),
        (P.IN_PROGRESS, P.ACCEPTANCE): Move("evaluation.submit_self_evaluation"),
        (P.ACCEPTANCE, P.IN_PROGRESS): Move("evaluation.return_self_evaluation"),
        (P.ACCEPTANCE, P.COMPLETED): Move("evaluation.complete_evaluation"),
    },
    labels=P,
)

CONTRACT = Table(
    {
        (C.DRAFT, C.UNIT_SIGNED): Move("projects.sign_contract"),
        (C.DRAFT, C.OWNER_SIGNED): Move("projects.sign_contract"),
        (C.UNIT_SIGNED, C.SIGNED): Move("projects.sign_contract"),
        (C.OWNER_SIGNED, C.SIGNED): Move("projects.sign_contract"),
    },
    labels=C,
)

"""立项建议清单, 领导小组审定, 公示 and 异议 — the stage between expert review and budget arrangement.

The office proposes items (amount, support mode, implementing unit) from reviewed applications in
numbered batches, within each focus area's remaining allocation; a batch going to the leading group
reserves its money in the ledger (area → reserved); the leading group approves, modifies or rejects
each item with its basis (cuts and rejections are released back); approved items are publicised for
the policy's number of Chinese working days; anyone may object; an upheld objection withdraws the
item and releases its money; the rest become final when the period is over.

- ``models.py``       ProposalBatch, ProposalItem, Publicity, Objection (DB constraints back the invariants)
- ``services/``       the only code that changes them (``create_batch`` … ``end_publicity``, ``final_list``)
- ``transitions.py``  the allowed moves of batches, items, publicity, objections and applications
- ``rules.py``        who may do what; ``scopes.py`` what each person sees (404 outside it)
- ``accounts.py``     the ledger accounts ``fund:{year}:area:{focus}`` and ``fund:{year}:reserved:{focus}``
- ``views.py`` / ``api.py``  staff pages (/decisions/) and the REST API (/api/decisions/)
- ``public_views.py`` the public publicity pages and objection form (/public/publicity/), no login
- ``home.py``         each role's pending work and links
"""

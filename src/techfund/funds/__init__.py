"""The annual fund (市级科技创新发展资金) — the first stage of the lifecycle.

The office records the year's contributions from each source into the pool, proposes the framework
allocation by focus area (框架配置, in batches) and the equity-pilot share; the leading group
approves or returns it; on approval each allocation becomes a ledger balance funded from the pool.

- ``models.py``       FundYear, Contribution, Framework, Allocation (no stored balances)
- ``services/``       the only code that changes them (``open_fund_year`` … ``approve_framework``, ``summary``)
- ``transitions.py``  the allowed moves of a framework and a contribution, with their guards
- ``rules.py``        who may do what; ``scopes.py`` what each person sees (404 outside it)
- ``accounts.py``     the ledger accounts of a year: ``fund:{year}:source:…``, ``fund:{year}:pool``, ``fund:{year}:area:…``
- ``views.py`` / ``api.py``  the web pages (/funds/) and the REST API (/api/funds/), thin over the services
- ``home.py``         each role's pending fund work on its home page
"""

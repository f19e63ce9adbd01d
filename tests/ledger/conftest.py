"""Fixtures for the ledger's invariants: the projects and sanctions fixtures (a Rizhao fund year with
two final items, ``project`` arranged, ``running`` in progress, ``paid`` with its first tranche paid)."""

from tests.sanctions.conftest import *  # noqa: F403

"""Taian's demo year, generated through the services and checked as a whole (tests/lifecycle/year.py)."""

import pytest

from tests.lifecycle import year


@pytest.fixture
def demo(db):
    return year.generated("taian")


def test_a_year_through_the_services(demo, client):
    year.check_the_year(demo, client)

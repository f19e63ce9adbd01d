"""Rizhao's demo year, generated through the services once for the module (tests/sharing.py: each
test runs in a savepoint over it): checked as a whole, and crawled page by page for every role."""

import pytest

from tests.lifecycle import crawl, year


@pytest.fixture
def demo(db):
    return year.generated("rizhao")


def test_a_year_through_the_services(demo, client):
    year.check_the_year(demo, client)


def test_every_page_works_for_every_demo_role(demo, client):
    crawl.check_every_page(client)

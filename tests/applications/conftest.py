"""The applications tests use the fixtures shared with the calls tests."""

from tests.calls.fixtures import *  # noqa: F403

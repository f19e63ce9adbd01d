"""The calls tests use the fixtures shared with the applications tests."""

from tests.calls.fixtures import *  # noqa: F403

"""Fixtures set up once per test module (the pytest form of Django's ``TestCase.setUpTestData``).

Most tests of a module start the same way: the Rizhao preset, an office account, a fund year, a
call, applications taken through the services… Built for every test, that start is most of the
suite's time. So, for each test module, the fixtures that *every* one of its tests requests are set
up once, before its first test, inside a transaction that is rolled back after its last. Each test
runs in a savepoint of that transaction (pytest-django's ``db``) and receives its own deep copies of
the shared objects, so what one test writes or changes in memory is gone for the next: each test
still starts from exactly the rows and objects it asked for, and tests stay independent of order.

A fixture is shared only when it is safe to do so without anyone marking it:

- every test of the module that uses the database requests it (another would otherwise see rows
  it did not ask for; a test without database access cannot see them),
  none parametrizes it, it is the same fixture for all of them, and it is not parametrized itself;
- it is one of ours (defined under tests/), a plain function (not a generator: nothing to tear
  down), and it depends only on ``db`` and on other shared fixtures (not on ``settings``,
  ``client``, ``tmp_path``, ``request``…);
- its value is data: model instances, numbers, text, and lists, dicts, namespaces or dataclasses of
  them (a function could hold on to the originals instead of the test's copies).

A module shares nothing when one of its tests commits (``transactional_db``, ``committing_db``: the
module transaction would be committed or flushed under it), or when a function-scoped autouse
fixture of ours applies to it other than the suite's own harmless ones (it could change how the
shared fixtures would have been built; make such fixtures module-scoped, as ``_media`` is).
"""

import copy
import dataclasses
import datetime as dt
import decimal
import enum
import inspect
import sys
import types

import pytest
from django.db import connection, models, transaction
from django.utils import translation

from techfund.core import dbtriggers

#: Function-scoped autouse fixtures that do not affect how fixtures are built.
HARMLESS_AUTOUSE = {"_fresh_cache", "_chinese", "_append_only_triggers"}
#: Tests using any of these commit, so their module shares nothing.
COMMITTING = {"transactional_db", "committing_db", "live_server", "django_db_serialized_rollback"}
#: Fixtures that give a test database access (as does the ``django_db`` mark).
DATABASE = {"db", "django_db_reset_sequences"} | COMMITTING
#: The only fixtures outside the shared set that a shared fixture may depend on.
ALLOWED_DEPENDENCIES = {"db"}

_shared: dict = {}  # module → {fixture name: (FixtureDef, value)}
_not_data: set = set()  # FixtureDefs whose value turned out not to be data
_memo = pytest.StashKey[dict]()


def _is_data(value, depth: int = 0) -> bool:
    if depth > 6:
        return False
    if value is None or isinstance(
        value,
        bool | int | float | str | bytes | decimal.Decimal | dt.date | dt.time | dt.timedelta | enum.Enum,
    ):
        return True
    if isinstance(value, models.Model):
        return True
    if isinstance(value, list | tuple | set | frozenset):
        return all(_is_data(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return all(_is_data(k, depth + 1) and _is_data(v, depth + 1) for k, v in value.items())
    if isinstance(value, types.SimpleNamespace):
        return all(_is_data(v, depth + 1) for v in vars(value).values())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return all(_is_data(getattr(value, f.name), depth + 1) for f in dataclasses.fields(value))
    return False


def _commits(item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker is not None and (marker.kwargs.get("transaction") or marker.kwargs.get("serialized_rollback")):
        return True
    return bool(COMMITTING & set(item.fixturenames))


def _uses_db(item) -> bool:
    return item.get_closest_marker("django_db") is not None or bool(DATABASE & set(item.fixturenames))


def plan(module, items, exclude=frozenset()) -> list:
    """The fixtures of ``module`` to set up once, as (name, FixtureDef) in an order that respects
    their dependencies; empty when the module shares nothing."""
    items = [i for i in items if getattr(i, "module", None) is module and hasattr(i, "_fixtureinfo")]
    if any(_commits(i) for i in items):
        return []
    # Tests without database access cannot see the module's records: they do not count.
    items = [i for i in items if _uses_db(i)]
    if not items:
        return []
    defs = [i._fixtureinfo.name2fixturedefs for i in items]
    for name, fds in defs[0].items():
        fd = fds[-1]
        ours = str(fd.baseid).startswith("tests")
        if (
            ours
            and fd.scope == "function"
            and getattr(fd, "_autouse", False)
            and name not in HARMLESS_AUTOUSE
        ):
            return []
    common = set.intersection(*(set(i.fixturenames) for i in items))
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None:
            common -= set(callspec.params)
    chosen = {}
    for name in common:
        fds = [d.get(name) for d in defs]
        if any(not f for f in fds):
            continue
        fd = fds[0][-1]
        if any(f[-1] is not fd for f in fds):
            continue
        if not str(fd.baseid).startswith("tests") or fd.scope != "function" or fd.params is not None:
            continue
        if getattr(fd, "_autouse", False) or fd in exclude:
            continue
        if inspect.isgeneratorfunction(fd.func) or getattr(fd.func, "__self__", None) is not None:
            continue
        chosen[name] = fd
    changed = True
    while changed:  # keep only fixtures whose dependencies are shared too
        changed = False
        for name, fd in list(chosen.items()):
            if not set(fd.argnames) <= set(chosen) | ALLOWED_DEPENDENCIES:
                del chosen[name]
                changed = True
    order, done = [], set()
    closure = items[0].fixturenames

    def visit(name):
        if name in done:
            return
        done.add(name)
        for dep in chosen[name].argnames:
            if dep in chosen:
                visit(dep)
        order.append((name, chosen[name]))

    for name in sorted(chosen, key=closure.index):
        visit(name)
    return order


@pytest.fixture(scope="module", autouse=True)
def _module_fixtures(request):
    """Sets up the module's shared fixtures (see the module docstring) in a module transaction."""
    fixtures = plan(request.module, request.session.items, _not_data)
    if not fixtures:
        yield
        return
    # Module- and session-scoped autouse fixtures first (e.g. ``_media``): they apply to the tests.
    first = next(i for i in request.session.items if getattr(i, "module", None) is request.module)
    for name, fds in first._fixtureinfo.name2fixturedefs.items():
        wider = fds[-1].scope in ("module", "package", "session")
        if getattr(fds[-1], "_autouse", False) and wider and name != request.fixturename:
            request.getfixturevalue(name)
    request.getfixturevalue("django_db_setup")
    blocker = request.getfixturevalue("django_db_blocker")
    while True:
        with blocker.unblock():
            if not dbtriggers.installed(connection):  # a committing test removed them for its flush
                dbtriggers.install(connection)  # (before the transaction: they must outlive it)
            atomic = transaction.atomic()
            atomic.__enter__()
            try:
                values = {}
                with translation.override("zh-hans"):
                    for name, fd in fixtures:
                        values[name] = fd.func(**{arg: values.get(arg) for arg in fd.argnames})
            except BaseException:
                atomic.__exit__(*sys.exc_info())
                raise
            odd = {fd for name, fd in fixtures if not _is_data(values[name])}
            if not odd:
                break
            # Not data after all: undo, and plan again without it (once per process).
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
        _not_data.update(odd)
        fixtures = plan(request.module, request.session.items, _not_data)
        if not fixtures:
            yield
            return
    _shared[request.module] = {name: (fd, values[name]) for name, fd in fixtures}
    try:
        yield
    finally:
        del _shared[request.module]
        with blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.hookimpl(tryfirst=True)
def pytest_fixture_setup(fixturedef, request):
    """A shared fixture requested by a test: the test's own copy (one memo per test, so the copies
    refer to each other as the originals do)."""
    if fixturedef.scope != "function":
        return None
    shared = _shared.get(getattr(request.node, "module", None), {}).get(fixturedef.argname)
    if shared is None or shared[0] is not fixturedef:
        return None
    memo = request.node.stash.setdefault(_memo, {})
    value = copy.deepcopy(shared[1], memo)
    fixturedef.cached_result = (value, fixturedef.cache_key(request), None)
    return value

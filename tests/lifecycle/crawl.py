"""Every page a demo role can reach works: a crawl of a generated demo year, role by role (used by
test_rizhao_year.py).

For each demo login the crawl opens the home page and every internal link on it, the list pages of
the execution stages (projects, monitoring, sanctions, evaluation, emergency, reports) and the links
found on those (and on the stage pages they lead to, which reaches the forms of the actions), and
finds:

- server errors (5xx, an exception), with the place in our code;
- pages showing template error text;
- links a page shows to a role that refuse it (403/404);
- pages reached by a link that show form errors (nothing was submitted);
- pages naming a project outside the role's scope (by its number);
- API lists of the stages, and their first records, that fail for the role.

The pages are crawled again in English (the switchable language: a translation whose placeholders
do not match its message fails at rendering).

Slow PDF downloads are skipped, except one contract PDF opened as the office, with one Excel export.
"""

import pprint
import re
import traceback
from collections import Counter
from html import unescape
from urllib.parse import urlsplit

from django.test import Client

from techfund.core.enums import Role
from techfund.core.models import User

YEAR = 2026
#: The execution stages' list pages: the crawl always opens them and follows their links one level on.
STAGE_PAGES = ("/projects/", "/monitoring/", "/sanctions/", "/evaluation/", "/emergency/", "/reports/")
#: At most this many URLs per role.
CAP = 150
#: At most this many URLs of one shape (digits taken for ids, the query ignored): a list's 20 detail
#: pages render the same template, two of them say as much as twenty (one, outside the stage pages,
#: which their own apps' tests cover).
PER_SHAPE = 2
PER_SHAPE_ELSEWHERE = 1
#: Not followed: leaving, switching language, files, the schema (slow), the audit trail's export (slow).
SKIP_PREFIXES = (
    "/logout",
    "/i18n/",
    "/static/",
    "/media/",
    "/api/schema",
    "/api/docs",
    "/api/redoc",
    "/audit/export",
)
ERROR_TEXTS = ("TemplateSyntaxError", "VariableDoesNotExist", "Traceback (most recent call last)")
#: A form's error list: a page opened by following a link has none (nothing was submitted).
FORM_ERRORS = re.compile(r"""class=["'][^"']*(form-errors|errorlist)""")
HREF = re.compile(r"""href\s*=\s*["']([^"']+)["']""")

ROLES = [
    "office",
    "leader",
    "finance",
    "auditor",
    "dept_science_technology",
    "applicant",  # an applicant whose organisation implements a project
    "expert",
    "sysadmin",
    "secadmin",
    "auditadmin",
]


def _user(name: str) -> User:
    if name != "applicant":
        return User.objects.get(username=name)
    from techfund.projects.models import Project

    implementing = Project.objects.values("organisation_id")
    return (
        User.objects.filter(
            grants__role=Role.APPLICANT,
            grants__revoked_at__isnull=True,
            grants__organisation_id__in=implementing,
        )
        .order_by("username")
        .first()
    )


def _links(html: str) -> list[str]:
    out = []
    for raw in HREF.findall(html):
        href = unescape(raw).split("#", 1)[0]
        if not href.startswith("/") or href.startswith("//"):
            continue
        if href.startswith(SKIP_PREFIXES) or urlsplit(href).path.endswith(".pdf"):
            continue
        out.append(href)
    return out


def _shape(url: str) -> str:
    return re.sub(r"\d+", "N", urlsplit(url).path)


def _top(exc: BaseException) -> str:
    """The exception and the innermost frames of our code."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "/techfund/" in f.filename]
    where = "; ".join(f"{f.filename.split('/src/')[-1]}:{f.lineno} {f.name}" for f in frames[-3:])
    return f"{type(exc).__name__}: {exc} [{where}]"


def crawl(client: Client, secrets: frozenset = frozenset()) -> dict:
    """Breadth-first from the home page: follow its links, and those of the stage pages (and of the
    stage's pages they lead to, for the forms of the actions on the detail pages)."""
    queue = [("/", 0)] + [(url, 1) for url in STAGE_PAGES]
    seen, shapes = set(), Counter()
    failures, broken, visited, refused, leaks = [], [], [], [], []
    while queue and len(visited) < CAP:
        url, depth = queue.pop(0)
        limit = PER_SHAPE if url.startswith(STAGE_PAGES) else PER_SHAPE_ELSEWHERE
        if url in seen or shapes[_shape(url)] >= limit:
            continue
        seen.add(url)
        shapes[_shape(url)] += 1
        visited.append(url)
        try:
            resp = client.get(url)
        except Exception as exc:  # noqa: BLE001 - a server error, reported with its place
            failures.append((url, _top(exc)))
            continue
        if resp.status_code >= 500:
            failures.append((url, f"status {resp.status_code}"))
            continue
        if resp.status_code in (403, 404):
            broken.append((url, resp.status_code))
            continue
        if resp.status_code != 200 or not resp.get("Content-Type", "").startswith("text/html"):
            continue
        html = resp.content.decode()
        bad = [t for t in ERROR_TEXTS if t in html]
        if bad:
            failures.append((url, "page shows " + ", ".join(bad)))
        if FORM_ERRORS.search(html):
            refused.append(url)
        if leaked := sorted(n for n in secrets if n in html):
            leaks.append((url, leaked[:3]))
        # the home page's links; the stage pages' links, and those of the stage's pages they lead to
        follow = depth == 0 or (depth <= 2 and urlsplit(url).path.startswith(STAGE_PAGES))
        if follow:
            queue.extend((link, depth + 1) for link in _links(html) if link not in seen)
    return {"visited": visited, "failures": failures, "broken": broken, "refused": refused, "leaks": leaks}


def _unseen_project_numbers(user) -> frozenset:
    """The numbers of the projects outside ``user``'s scope: no page it opens may name one."""
    from techfund.projects.models import Project
    from techfund.projects.scopes import visible_projects

    return frozenset(Project.objects.exclude(pk__in=visible_projects(user)).values_list("number", flat=True))


def check_pages(client: Client, name: str, user) -> dict:
    """The crawl's problems for one role (empty when every page works)."""
    result = crawl(client, _unseen_project_numbers(user))
    problems = {
        "server errors": result["failures"],
        # a link a page shows to a role opens for it (the stage pages the crawl adds itself may 404)
        "links refused": [(u, s) for u, s in result["broken"] if u not in STAGE_PAGES],
        # a page reached by a link shows no form errors: nothing was submitted
        "form errors on GET": result["refused"],
        # no page names a project outside the role's scope
        "projects out of scope named": result["leaks"],
    }
    if "/" not in result["visited"]:
        problems["home"] = ["not visited"]
    print(f"{name}: {len(result['visited'])} URLs")
    return {k: v for k, v in problems.items() if v}


#: The execution stages' API lists (and the first record of each): the serializers over the demo's
#: varied records.
API_LISTS = (
    "/api/projects/",
    "/api/projects/contracts/",
    "/api/projects/tranches/",
    "/api/projects/payments/",
    "/api/monitoring/reports/",
    "/api/monitoring/rectifications/",
    "/api/monitoring/escalations/",
    "/api/monitoring/overdue/",
    "/api/sanctions/orders/",
    "/api/sanctions/recoveries/",
    "/api/sanctions/receipts/",
    "/api/evaluation/self-evaluations/",
    "/api/evaluation/comprehensive/",
    "/api/evaluation/grades/",
    "/api/evaluation/grades/summary/",
    "/api/evaluation/next-year/",
    "/api/emergency/requests/",
    "/api/reports/runs/",
)


def check_api(client: Client) -> list:
    """The API's problems for one role: a list or one of its first records that fails."""
    failures = []
    for url in API_LISTS:
        try:
            resp = client.get(url)
        except Exception as exc:  # noqa: BLE001 - a server error, reported with its place
            failures.append((url, _top(exc)))
            continue
        if resp.status_code >= 500:
            failures.append((url, resp.status_code))
            continue
        data = resp.json() if resp.status_code == 200 else {}
        rows = data.get("results", []) if isinstance(data, dict) else data
        urls = [f"{url}{row['id']}/" for row in rows[:2] if isinstance(row, dict) and "id" in row]
        for detail in urls:
            try:
                status = client.get(detail).status_code
            except Exception as exc:  # noqa: BLE001
                failures.append((detail, _top(exc)))
                continue
            if status != 200:
                failures.append((detail, status))
    return failures


def check_downloads(client: Client) -> list:
    """One contract PDF and one Excel export (the crawl skips PDFs: slow)."""
    from techfund.projects.models import Contract

    contract = Contract.objects.filter(state="signed").order_by("id").first()
    resp = client.get(f"/projects/{contract.project_id}/contract.pdf")
    body = b"".join(resp.streaming_content) if resp.streaming else resp.content
    problems = []
    if resp.status_code != 200 or resp["Content-Type"] != "application/pdf" or not body.startswith(b"%PDF"):
        problems.append(("contract pdf", resp.status_code, resp.get("Content-Type")))
    resp = client.get(f"/projects/export.xlsx?year={YEAR}")
    if resp.status_code != 200 or resp.content[:2] != b"PK":
        problems.append(("projects export", resp.status_code, resp.get("Content-Type")))
    return problems


def check_coverage() -> list:
    """The crawl is only as good as the records it finds: every stage has some."""
    from techfund.emergency.models import EmergencyRequest
    from techfund.evaluation.models import ComprehensiveEvaluation, SelfEvaluation
    from techfund.monitoring.models import ProgressReport, Rectification
    from techfund.projects.models import Contract, Payment, Project
    from techfund.sanctions.models import RecoveryOrder, SanctionOrder

    missing = []
    for model in (
        Project,
        Contract,
        Payment,
        ProgressReport,
        Rectification,
        SanctionOrder,
        RecoveryOrder,
        SelfEvaluation,
        ComprehensiveEvaluation,
        EmergencyRequest,
    ):
        if not model.objects.exists():
            missing.append(model.__name__)
    return missing


def check_every_page(client) -> None:
    problems = {}
    if missing := check_coverage():
        problems["demo without"] = missing
    for name in ROLES:
        user = _user(name)
        assert user is not None, name
        client.force_login(user)
        for kind, found in check_pages(client, name, user).items():
            problems[(name, kind)] = found
        if found := check_api(client):
            problems[(name, "api")] = found
        if name == "office" and (found := check_downloads(client)):
            problems[(name, "downloads")] = found
        client.logout()
    # English (the switchable language): a translation whose placeholders do not match fails here
    from django.conf import settings

    for name in ROLES:
        user = _user(name)
        client.force_login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        assert '<html lang="en">' in client.get("/").content.decode()
        for kind, found in check_pages(client, name, user).items():
            problems[(name, "en", kind)] = found
        client.logout()
    assert not problems, "\n" + pprint.pformat(problems, width=110)

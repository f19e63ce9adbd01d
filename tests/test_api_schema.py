"""The OpenAPI schema documents every endpoint without warnings, and the docs pages are served."""

import yaml
from django.core.management import call_command


def test_schema_generates_without_warnings_and_validates(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(out))
    schema = yaml.safe_load(out.read_text(encoding="utf-8"))
    paths = schema["paths"]
    for path in (
        "/api/funds/frameworks/{id}/approve/",
        "/api/calls/",
        "/api/applications/{id}/submit/",
        "/api/review/assignments/{id}/score/",
        "/api/decisions/items/{id}/decide/",
        "/api/library/",
        "/api/audit-events/verify/",
        "/api/policy/active/",
    ):
        assert path in paths, path


def test_schema_and_docs_pages_are_served(client, db):
    assert client.get("/api/schema/").status_code == 200
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()

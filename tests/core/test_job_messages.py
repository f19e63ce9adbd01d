"""A job stores its progress message as written (Chinese); the job page and its JSON translate it for
whoever looks, so the engine's and the plan's progress reads in English too."""

import pytest
from django.conf import settings

from techfund.core.models import Job
from techfund.review import engine
from techfund.review.services import plans


@pytest.fixture
def solving_job(db, office):
    return Job.objects.create(
        kind="test",
        label="计算专家分配方案",
        state="running",
        done=5,
        total=10,
        message="公平性调整",
        created_by=office,
    )


def test_every_engine_message_is_listed_for_translation():
    assert set(engine.MESSAGES) <= set(plans.ENGINE_MESSAGES)


@pytest.mark.parametrize(("language", "expected"), [("zh-hans", "公平性调整"), ("en", "Fairness adjustment")])
def test_the_progress_message_is_shown_in_the_reader_s_language(
    client, office, solving_job, language, expected
):
    client.force_login(office)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    assert client.get(f"/jobs/{solving_job.pk}/status/").json()["message"] == expected
    html = client.get(f"/jobs/{solving_job.pk}/progress/", headers={"HX-Request": "true"}).content.decode()
    assert expected in html

"""Under DEBUG (`make run`), an unknown /api/ URL still answers the API's JSON error."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def debug_settings(settings):
    settings.DEBUG = True
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "core.middleware.ApiNotFoundAsJsonMiddleware"]


def test_an_unknown_api_url_is_json_under_debug(client, debug_settings):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "Not found."}


def test_other_unknown_pages_keep_the_debug_page(client, debug_settings):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_local_settings_install_it_when_debug_is_on():
    from tests.conftest import project_env, run_manage

    script = "from django.conf import settings; print(settings.MIDDLEWARE[-1])"
    env = project_env(DJANGO_SETTINGS_MODULE="config.settings.local", DEBUG="true")
    result = run_manage("shell", "-c", script, env=env)
    assert result.stdout.strip().splitlines()[-1] == "core.middleware.ApiNotFoundAsJsonMiddleware"

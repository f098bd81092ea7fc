"""Development on one machine: `make run`. DEBUG on unless the environment says otherwise."""

from config.env import env
from config.settings.base import *  # noqa: F403

DEBUG = env.bool("DEBUG", default=True)
API_DOCS = env.bool("API_DOCS", default=True)
if DEBUG:
    MIDDLEWARE = [*MIDDLEWARE, "core.middleware.ApiNotFoundAsJsonMiddleware"]

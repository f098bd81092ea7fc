from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import (
    SpectacularJSONAPIView,
    SpectacularRedocView,
    SpectacularSwaggerView,
)

from config.api_router import ApiRootBareApi
from core.views import healthz, readyz

admin.site.site_header = "WhatsApp Platform"
admin.site.site_title = "WhatsApp Platform admin"
admin.site.index_title = "Devices, messages and automation"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("admin/", admin.site.urls),
    # The root also without its slash: APPEND_SLASH cannot redirect a POST, and in DEBUG it
    # raises instead of answering.
    path("api/v1", ApiRootBareApi.as_view(), name="api-root-bare"),
    path("api/v1/", include("config.api_router")),
]

# Staff log in to the admin through Logto when it is configured (accounts/oidc.py).
if settings.LOGTO_ADMIN_LOGIN:
    urlpatterns += [path("oidc/", include("mozilla_django_oidc.urls"))]

# The schema and its viewers exist only when DEBUG or API_DOCS is on.
if settings.DEBUG or settings.API_DOCS:
    urlpatterns += [
        path("api/openapi.json", SpectacularJSONAPIView.as_view(), name="api-schema"),
        path("api/docs", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
        path("api/redoc", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    ]

handler400 = "core.api.handler400"
handler404 = "core.api.handler404"
handler500 = "core.api.handler500"

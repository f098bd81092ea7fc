"""The `/api/v1` tree: each app contributes its `api/urls.py` here as it lands."""

from django.conf import settings
from django.urls import include, path
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView


class ApiRootApi(APIView):
    """Entry point: the API version and where its documentation lives."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        responses=inline_serializer(
            "ApiRootOutput",
            fields={
                "version": serializers.CharField(),
                "docs": serializers.CharField(allow_null=True),
                "schema": serializers.CharField(allow_null=True),
            },
        ),
        summary="API root",
    )
    def get(self, request: Request) -> Response:
        body = {"version": "v1", "docs": None, "schema": None}
        if settings.DEBUG or settings.API_DOCS:
            body["docs"] = reverse("api-docs", request=request)
            body["schema"] = reverse("api-schema", request=request)
        return Response(body)


app_name = "api"
urlpatterns = [
    path("", ApiRootApi.as_view(), name="root"),
    path("", include("accounts.api.urls")),
    path("", include("devices.api.urls")),
    path("", include("messaging.api.urls")),
]


@extend_schema(exclude=True)
class ApiRootBareApi(ApiRootApi):
    """The same root at `/api/v1` without the slash; documented once, at `/api/v1/`."""

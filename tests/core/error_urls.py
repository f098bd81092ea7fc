"""Views that raise each kind of error, to test the one error shape."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import path
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.views import APIView

from core.api import validated
from core.exceptions import ConflictError


class _Input(serializers.Serializer):
    name = serializers.CharField(max_length=5)


class _Raises(APIView):
    permission_classes = [AllowAny]
    exc: Exception | None = None

    def get(self, request):
        raise self.exc

    def post(self, request):
        validated(_Input, request.data)
        raise ConflictError("Device is not connected.")


class _Private(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request):
        raise AssertionError("unreachable")


urlpatterns = [
    path("api/v1/conflict", _Raises.as_view()),
    path("api/v1/http404", _Raises.as_view(exc=Http404("secret detail"))),
    path("api/v1/denied", _Raises.as_view(exc=PermissionDenied())),
    path("api/v1/private", _Private.as_view()),
]
handler404 = "core.api.handler404"

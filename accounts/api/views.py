"""`/users/me`: the signed-in dashboard user (API keys have no user: 403)."""

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.serializers import UserMeOutputSerializer
from core.access import USER
from core.api import error_responses


class UserMeApi(APIView):
    required_role = {"GET": USER}

    @extend_schema(
        operation_id="users_me_retrieve",
        summary="The signed-in user",
        responses={200: UserMeOutputSerializer, **error_responses(403)},
    )
    def get(self, request: Request) -> Response:
        return Response(UserMeOutputSerializer(request.user).data)

"""Role groups: managers and admins list, add and remove members."""

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import roles, services
from ..permissions import (
    IsManager,
)
from ..serializers import (
    DetailSerializer,
    GroupMemberSerializer,
    UsernameSerializer,
)

User = get_user_model()


@extend_schema_view(
    get=extend_schema(responses=GroupMemberSerializer(many=True)),
    post=extend_schema(
        request=UsernameSerializer,
        responses={
            200: OpenApiResponse(GroupMemberSerializer, "The user was a member already."),
            201: OpenApiResponse(GroupMemberSerializer, "The user was added."),
            404: OpenApiResponse(DetailSerializer, "No user has that username."),
        },
    ),
    delete=extend_schema(
        request=UsernameSerializer,
        parameters=[OpenApiParameter("username", str, description="Instead of the body.")],
        responses={
            200: DetailSerializer,
            404: OpenApiResponse(DetailSerializer, "No such user, or not a member."),
        },
    ),
)
class GroupMembersView(APIView):
    """Members of one role group; managers and admins list, add and remove them."""

    permission_classes = [IsManager]
    group_name = None
    # Names DELETE on this collection path apart from DELETE of one member in the schema.
    collection_delete_name = "remove_by_username"

    def get(self, request):
        members = roles.members_of(self.group_name).order_by("id")
        return Response(GroupMemberSerializer(members, many=True).data)

    def post(self, request):
        user = self._user_named(request.data)
        added = services.group_add_user(group_name=self.group_name, user=user)
        return Response(
            GroupMemberSerializer(user).data,
            status=status.HTTP_201_CREATED if added else status.HTTP_200_OK,
        )

    def delete(self, request):
        # The username comes in the body or, for clients that send no DELETE body, the query.
        source = request.data or request.query_params
        return _remove_member(self.group_name, self._user_named(source))

    @staticmethod
    def _user_named(data):
        serializer = UsernameSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        return get_object_or_404(User, username=serializer.validated_data["username"])


@extend_schema_view(
    delete=extend_schema(
        responses={
            200: DetailSerializer,
            404: OpenApiResponse(DetailSerializer, "No such user, or not a member."),
        }
    )
)
class GroupMemberView(APIView):
    """One member of a role group, by user id."""

    permission_classes = [IsManager]
    group_name = None

    def delete(self, request, user_id: int):
        return _remove_member(self.group_name, get_object_or_404(User, pk=user_id))


def _remove_member(group_name: str, user) -> Response:
    if not services.group_remove_user(group_name=group_name, user=user):
        return Response(
            {"detail": f"{user.username} is not in the {group_name} group."},
            status=status.HTTP_404_NOT_FOUND,
        )
    return Response({"detail": f"{user.username} was removed from the {group_name} group."})

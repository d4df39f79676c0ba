"""Site-wide API pieces: pagination, the token scheme in the schema, and the caller's tokens."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from advisory.http import AuthenticatedRequest
from advisory.idempotency import IDEMPOTENCY_KEY_PARAMETER, with_idempotency
from advisory.models import ApiToken, Firm
from advisory.pagination import PagePagination
from advisory.services import firm_settings_update
from advisory.tokens import api_token_create, api_token_revoke
from portfolios.access import can_manage_firm, membership_of

if TYPE_CHECKING:
    from drf_spectacular.openapi import AutoSchema

MAX_TOKEN_DAYS = 3650


class TokenScheme(OpenApiAuthenticationExtension):
    """Documents ``advisory.tokens.TokenAuthentication``: ``Authorization: Token <key>``."""

    target_class = "advisory.tokens.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, Any]:
        return build_bearer_security_scheme_object(
            header_name="Authorization",
            token_prefix="Token",  # noqa: S106 - the header keyword, not a secret
        )


class ApiTokenSerializer(serializers.ModelSerializer[ApiToken]):
    """A token as listed: its ``prefix`` identifies it; the key itself is never shown again."""

    is_active = serializers.SerializerMethodField()

    class Meta:
        model = ApiToken
        fields: tuple[str, ...] = (
            "id",
            "name",
            "prefix",
            "created_at",
            "expires_at",
            "revoked_at",
            "last_used_at",
            "is_active",
        )
        read_only_fields = fields

    def get_is_active(self, token: ApiToken) -> bool:
        if token.revoked_at is not None:
            return False
        return token.expires_at is None or token.expires_at > timezone.now()


class NewApiTokenSerializer(ApiTokenSerializer):
    key = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text="The token, shown only in this response (null when an Idempotency-Key "
        "replays it: the key is never stored).",
    )

    class Meta(ApiTokenSerializer.Meta):
        fields = (*ApiTokenSerializer.Meta.fields, "key")
        read_only_fields = fields


class ApiTokenCreateSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    expires_days = serializers.IntegerField(
        min_value=1,
        max_value=MAX_TOKEN_DAYS,
        required=False,
        allow_null=True,
        default=None,
        help_text="Days until the token expires; omitted or null means the site's default.",
    )


@extend_schema_view(
    create=extend_schema(
        request=ApiTokenCreateSerializer,
        responses={201: NewApiTokenSerializer},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        description="Create a token for yourself. The key is in this response only.",
    ),
    destroy=extend_schema(description="Revoke the token (it answers 401 from now on)."),
)
class ApiTokenViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet[ApiToken],
):
    """The caller's own API tokens."""

    serializer_class = ApiTokenSerializer
    permission_classes = (IsAuthenticated,)
    pagination_class = PagePagination
    queryset = ApiToken.objects.none()

    def get_queryset(self) -> QuerySet[ApiToken]:
        if not self.request.user.is_authenticated:
            return ApiToken.objects.none()
        # A revoked (deleted) token is gone for the API: it neither authenticates nor reads back.
        return ApiToken.objects.filter(user=self.request.user, revoked_at__isnull=True)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # The key is shown once and never stored, not even in the idempotency record.
        return with_idempotency(request, lambda: self._create(request), redact=("key",))

    def _create(self, request: Request) -> Response:
        form = ApiTokenCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        days = form.validated_data["expires_days"]
        token, key = api_token_create(
            user=request.user,  # type: ignore[arg-type]
            name=form.validated_data["name"],
            expires_in=timedelta(days=days) if days else None,
        )
        body = dict(NewApiTokenSerializer(token).data)
        body["key"] = key
        return Response(body, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: ApiToken) -> None:
        api_token_revoke(token=instance)


# --- the firm's settings ------------------------------------------------------------------------


class ProposalDefaultsSerializer(serializers.Serializer[Any]):
    min_trade = serializers.DecimalField(
        max_digits=16,
        decimal_places=2,
        min_value=Decimal(0),
        required=False,
        help_text="Dollars: every proposed trade is zero or at least this much.",
    )
    allow_short_term = serializers.BooleanField(required=False)
    whole_shares = serializers.BooleanField(required=False)


class FirmSettingsSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(read_only=True)
    four_eyes = serializers.BooleanField(
        required=False, help_text="The approver must not be the person who requested."
    )
    advisors_release_orders = serializers.BooleanField(required=False)
    proposal_defaults = ProposalDefaultsSerializer(required=False)


def firm_settings_json(firm: Firm) -> dict[str, Any]:
    return dict(
        FirmSettingsSerializer(
            {
                "name": firm.name,
                "four_eyes": firm.four_eyes,
                "advisors_release_orders": firm.advisors_release_orders,
                "proposal_defaults": firm.proposal_defaults,
            }
        ).data
    )


class FirmSettingsView(APIView):
    """``GET`` (the firm's staff) and ``PATCH`` (firm admins) the caller's firm's settings."""

    permission_classes = (IsAuthenticated,)

    def _firm(self, request: AuthenticatedRequest, *, write: bool) -> Firm:
        membership = membership_of(request.user)
        if membership is None or not membership.is_staff_role:
            raise PermissionDenied("Only the firm's staff read its settings.")
        if write and not can_manage_firm(request.user):
            raise PermissionDenied("Only firm admins change the firm's settings.")
        return membership.firm

    @extend_schema(responses={200: FirmSettingsSerializer})
    def get(self, request: AuthenticatedRequest) -> Response:
        return Response(firm_settings_json(self._firm(request, write=False)))

    @extend_schema(request=FirmSettingsSerializer, responses={200: FirmSettingsSerializer})
    def patch(self, request: AuthenticatedRequest) -> Response:
        firm = self._firm(request, write=True)
        form = FirmSettingsSerializer(data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        firm = firm_settings_update(firm=firm, changes=form.validated_data)
        return Response(firm_settings_json(firm))

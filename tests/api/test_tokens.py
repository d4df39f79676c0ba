"""API tokens: header auth, hashing, revocation, expiry, the endpoint and the command."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from advisory.models import ApiToken
from advisory.tokens import api_token_create
from tests.api.conftest import assert_field_error, url
from tests.conftest import World

pytestmark = pytest.mark.django_db


def with_token(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_token_has_its_users_rights_only(world: World) -> None:
    _, key = api_token_create(user=world.user("client"), name="CRM")
    api = with_token(key)
    listed = api.get(url("households")).json()
    assert [row["name"] for row in listed["results"]] == ["Smith Family"]
    assert api.patch(url("households", world.household.pk), {"name": "X"}).status_code == 403
    assert api.get(url("households", world.other_household.pk)).status_code == 404


def test_the_key_is_stored_only_as_a_digest(world: World) -> None:
    token, key = api_token_create(user=world.user("owner"), name="feed")
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert key not in {str(value) for value in stored.values()}
    assert stored["digest"] == hashlib.sha256(key.encode()).hexdigest()
    assert key.startswith(stored["prefix"])


def test_revoked_token_is_401(world: World) -> None:
    token, key = api_token_create(user=world.user("owner"), name="feed")
    assert with_token(key).get(url("households")).status_code == 200
    token.revoked_at = timezone.now()
    token.save()
    response = with_token(key).get(url("households"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_expired_token_is_401(world: World) -> None:
    _, key = api_token_create(user=world.user("owner"), name="feed", expires_in=timedelta(days=1))
    assert with_token(key).get(url("households")).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=1, seconds=1)):
        assert with_token(key).get(url("households")).status_code == 401


@pytest.mark.parametrize("header", ["Token", "Token a b", "Token adv_not-a-real-token"])
def test_bad_token_headers_are_401(world: World, header: str) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert client.get(url("households")).status_code == 401


def test_inactive_user_token_is_401(world: World) -> None:
    owner = world.user("owner")
    _, key = api_token_create(user=owner, name="feed")
    owner.is_active = False
    owner.save()
    assert with_token(key).get(url("households")).status_code == 401


def test_last_used_is_recorded(world: World) -> None:
    token, key = api_token_create(user=world.user("owner"), name="feed")
    with_token(key).get(url("households"))
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_create_list_and_revoke_own_tokens(world: World, api_as: Any) -> None:
    api = api_as("client")
    created = api.post(url("tokens"), {"name": "My planner", "expires_days": 30})
    assert created.status_code == 201
    body = created.json()
    key = body["key"]
    assert key.startswith(body["prefix"])
    assert body["is_active"] is True
    token = ApiToken.objects.get(pk=body["id"])
    assert token.user == world.user("client")
    assert timedelta(days=29) < token.expires_at - timezone.now() <= timedelta(days=30)

    listed = api.get(url("tokens")).json()["results"]
    assert [row["name"] for row in listed] == ["My planner"]
    assert "key" not in listed[0]

    assert with_token(key).get(url("households")).status_code == 200
    assert api.delete(url("tokens", body["id"])).status_code == 204
    assert with_token(key).get(url("households")).status_code == 401
    # Deleted means gone: the revoked token neither reads back nor lists.
    assert api.get(url("tokens", body["id"])).status_code == 404
    assert api.get(url("tokens")).json()["count"] == 0
    assert api.delete(url("tokens", body["id"])).status_code == 404


def test_default_expiry(world: World, api_as: Any, settings: Any) -> None:
    settings.API_TOKEN_DEFAULT_EXPIRY = timedelta(days=7)
    body = api_as("owner").post(url("tokens"), {}).json()
    token = ApiToken.objects.get(pk=body["id"])
    assert token.name == "API token"
    assert timedelta(days=6) < token.expires_at - timezone.now() <= timedelta(days=7)


def test_tokens_of_others_are_invisible(world: World, api_as: Any) -> None:
    theirs, key = api_token_create(user=world.user("teammate"), name="theirs")
    api = api_as("owner")
    assert api.get(url("tokens")).json()["count"] == 0
    assert api.get(url("tokens", theirs.pk)).status_code == 404
    assert api.delete(url("tokens", theirs.pk)).status_code == 404
    assert with_token(key).get(url("households")).status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"expires_days": 0}, "expires_days"),
        ({"expires_days": "soon"}, "expires_days"),
        ({"expires_days": 100000}, "expires_days"),
        ({"name": "x" * 101}, "name"),
    ],
)
def test_bad_token_requests(world: World, api_as: Any, body: dict[str, Any], field: str) -> None:
    assert_field_error(api_as("owner").post(url("tokens"), body), field)
    assert ApiToken.objects.count() == 0


def test_anonymous_cannot_manage_tokens(world: World, api_as: Any) -> None:
    assert api_as("anonymous").get(url("tokens")).status_code == 401
    assert api_as("anonymous").post(url("tokens"), {}).status_code == 401


def test_operator_command_prints_the_token_alone_on_the_last_line(world: World) -> None:
    out = StringIO()
    call_command(
        "create_api_token",
        "OWNER@acme.test",
        "--name",
        "custodian feed",
        "--expires-days",
        "10",
        stdout=out,
    )
    key = out.getvalue().splitlines()[-1]
    token = ApiToken.objects.get(digest=hashlib.sha256(key.encode()).hexdigest())
    assert token.user == world.user("owner")
    assert token.name == "custodian feed"
    assert timedelta(days=9) < token.expires_at - timezone.now() <= timedelta(days=10)
    assert with_token(key).get(url("households")).status_code == 200


def test_operator_command_can_make_a_token_that_never_expires(world: World) -> None:
    out = StringIO()
    call_command("create_api_token", "ops@acme.test", "--expires-days", "0", stdout=out)
    assert ApiToken.objects.get().expires_at is None


@pytest.mark.parametrize(
    "args", [["nobody@acme.test"], ["owner@acme.test", "--expires-days", "-1"]]
)
def test_operator_command_errors(world: World, args: list[str]) -> None:
    with pytest.raises(CommandError):
        call_command("create_api_token", *args, stdout=StringIO())
    assert ApiToken.objects.count() == 0

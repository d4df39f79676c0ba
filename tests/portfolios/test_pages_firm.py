"""Firm administration (users) and personal settings (API tokens) pages."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from advisory.models import ApiToken, User
from advisory.tokens import api_token_create, digest_of
from tests.conftest import PERSONAS, World
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("persona", PERSONAS)
def test_firm_users_page_is_for_admins(world: World, client_as: Any, persona: str) -> None:
    response = client_as(persona).get("/firm/users/")
    if persona == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    elif persona == "admin":
        assert response.status_code == 200
        assert "owner@acme.test" in response.text
        assert "client@acme.test" in response.text
        assert "advisor@rival.test" not in response.text  # another firm's user
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("persona", PERSONAS)
def test_deactivating_is_for_admins(world: World, client_as: Any, persona: str) -> None:
    teammate = world.user("teammate")
    assert teammate is not None
    response = client_as(persona).post(f"/firm/users/{teammate.pk}/active/", {"active": "0"})
    teammate.refresh_from_db()
    if persona == "admin":
        assert response.status_code == 302
        assert not teammate.is_active
        return
    assert response.status_code in (302, 403)
    if persona == "anonymous":
        assert response["Location"].startswith("/accounts/login/")
    assert teammate.is_active


def test_a_deactivated_user_is_signed_out_and_cannot_sign_in(world: World, client_as: Any) -> None:
    teammate = world.user("teammate")
    assert teammate is not None
    teammate.set_password(PASSWORD)
    teammate.save()
    browser = Client()
    browser.force_login(teammate, backend="django.contrib.auth.backends.ModelBackend")
    assert browser.get("/").status_code == 200
    client_as("admin").post(f"/firm/users/{teammate.pk}/active/", {"active": "0"})
    assert browser.get("/").status_code == 302
    signed_in = Client().post(
        "/accounts/login/", {"login": "teammate@acme.test", "password": PASSWORD}
    )
    assert signed_in.status_code != 302 or "inactive" in signed_in["Location"]
    client_as("admin").post(f"/firm/users/{teammate.pk}/active/", {"active": "1"})
    teammate.refresh_from_db()
    assert teammate.is_active


def test_an_admin_cannot_deactivate_themselves(world: World, client_as: Any) -> None:
    admin = world.user("admin")
    assert admin is not None
    response = client_as("admin").post(f"/firm/users/{admin.pk}/active/", {"active": "0"})
    assert response.status_code == 302
    admin.refresh_from_db()
    assert admin.is_active


def test_an_admin_cannot_touch_another_firms_users(world: World, client_as: Any) -> None:
    foreign = world.user("foreign_advisor")
    assert foreign is not None
    response = client_as("admin").post(f"/firm/users/{foreign.pk}/active/", {"active": "0"})
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.is_active


# --- API tokens ---------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_token_page_needs_a_login(world: World, client_as: Any, persona: str) -> None:
    response = client_as(persona).get("/settings/tokens/")
    if persona == "anonymous":
        assert response.status_code == 302
    else:
        assert response.status_code == 200


def test_a_new_token_is_shown_once(world: World, client_as: Any) -> None:
    client = client_as("owner")
    response = client.post("/settings/tokens/", {"name": "Custodian feed", "expires_in": "90"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    key = re.search(r'value="(adv_[^"]+)"', response.text)
    assert key is not None
    token = ApiToken.objects.get(user=world.user("owner"))
    assert token.name == "Custodian feed"
    assert token.digest == digest_of(key.group(1))
    assert token.expires_at is not None
    assert (token.expires_at - token.created_at).days in (89, 90)
    listing = client.get("/settings/tokens/")
    assert token.prefix in listing.text
    assert key.group(1) not in listing.text  # never again


def test_a_token_without_a_name_is_a_form_error(world: World, client_as: Any) -> None:
    response = client_as("owner").post("/settings/tokens/", {"name": "", "expires_in": "9999"})
    assert response.status_code == 400
    assert 'id="id_name_error"' in response.text
    assert not ApiToken.objects.exists()


def test_users_revoke_their_own_tokens_only(world: World, client_as: Any) -> None:
    owner, teammate = world.user("owner"), world.user("teammate")
    assert owner is not None
    assert teammate is not None
    mine, _ = api_token_create(user=owner, name="Mine")
    theirs, _ = api_token_create(user=teammate, name="Theirs")
    client = client_as("owner")
    assert client.post(f"/settings/tokens/{theirs.pk}/revoke/").status_code == 404
    assert client.post(f"/settings/tokens/{mine.pk}/revoke/").status_code == 302
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.revoked_at is not None
    assert theirs.revoked_at is None
    assert "Revoked" in client.get("/settings/tokens/").text
    assert client.get(f"/settings/tokens/{mine.pk}/revoke/").status_code == 405


def test_staff_nav_links(world: World, client_as: Any) -> None:
    from django.urls import NoReverseMatch, reverse

    try:
        queue: str | None = reverse("proposal_queue")
    except NoReverseMatch:
        queue = None
    admin_page = client_as("admin").get("/").text
    assert 'href="/firm/users/"' in admin_page
    assert (f'href="{queue}"' in admin_page) == (queue is not None)
    user = User.objects.get(email="client@acme.test")
    browser = Client()
    browser.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    portal = browser.get("/portal/").text
    assert 'href="/firm/users/"' not in portal
    assert "Proposals queue" not in portal

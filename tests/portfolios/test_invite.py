"""Inviting users: an admin invites, the invitee sets a password through the emailed link."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from advisory.models import Role, User
from portfolios.models import ClientLink
from tests.conftest import World

pytestmark = pytest.mark.django_db

LINK = re.compile(r"http://testserver(/invitation/[^/\s]+/[^/\s]+/)")
NEW_PASSWORD = "a-long-and-unusual-passphrase-42"


def invite(client: Any, capture: Any, **fields: str) -> Any:
    data = {"email": "new@acme.test", "first_name": "Nina", "last_name": "Park", "role": "advisor"}
    data.update(fields)
    with capture(execute=True):
        return client.post("/firm/users/", data)


def accept(link_path: str, password: str = NEW_PASSWORD) -> tuple[Client, Any]:
    browser = Client()
    landing = browser.get(link_path)
    # Like Django's password reset, the token moves to the session and out of the URL.
    assert landing.status_code == 302
    form_url = landing["Location"]
    assert form_url.endswith("/set-password/")
    response = browser.post(form_url, {"new_password1": password, "new_password2": password})
    return browser, response


def test_admin_invites_an_advisor_who_sets_a_password_and_is_signed_in(
    world: World, client_as: Any, django_capture_on_commit_callbacks: Any
) -> None:
    response = invite(client_as("admin"), django_capture_on_commit_callbacks)
    assert response.status_code == 302
    user = User.objects.get(email="new@acme.test")
    assert not user.has_usable_password()
    assert user.membership.role == Role.ADVISOR
    assert user.membership.firm == world.firm
    # One email, to the invitee, with a text and an HTML part carrying the same link.
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new@acme.test"]
    assert "Acme Advisors" in message.subject
    match = LINK.search(message.body)
    assert match is not None
    html = message.alternatives[0]
    assert match.group(1) in str(html[0])

    browser, done = accept(match.group(1))
    assert done.status_code == 302
    assert done["Location"] == "/"
    assert browser.get("/").status_code == 200  # signed in
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    # The link works once: the token hashes the password, which has changed.
    again = Client().get(match.group(1), follow=True)
    assert "This invitation has expired" in again.text


def test_invited_client_is_linked_to_the_household_and_lands_on_the_portal(
    world: World, client_as: Any, django_capture_on_commit_callbacks: Any
) -> None:
    response = invite(
        client_as("admin"),
        django_capture_on_commit_callbacks,
        email="spouse@example.test",
        role="client",
        household=str(world.household.pk),
    )
    assert response.status_code == 302
    link = ClientLink.objects.get(user__email="spouse@example.test")
    assert link.household == world.household
    match = LINK.search(mail.outbox[0].body)
    assert match is not None
    browser, _ = accept(match.group(1))
    home = browser.get("/")
    assert home.status_code == 302
    assert home["Location"] == "/portal/"
    portal = browser.get("/portal/")
    assert "Smith Family" in portal.text


@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        ({"email": "OWNER@acme.test"}, "email"),  # exists already, in any case
        ({"email": "not-an-email"}, "email"),
        ({"role": "client"}, "household"),  # a client needs a household
        ({"role": "superuser"}, "role"),
    ],
)
def test_invalid_invitations_are_form_errors(
    world: World,
    client_as: Any,
    django_capture_on_commit_callbacks: Any,
    fields: dict[str, str],
    error_field: str,
) -> None:
    users_before = User.objects.count()
    response = invite(client_as("admin"), django_capture_on_commit_callbacks, **fields)
    assert response.status_code == 400
    assert f'id="id_{error_field}_error"' in response.text
    assert User.objects.count() == users_before
    assert mail.outbox == []


def test_a_client_cannot_be_linked_to_another_firms_household(
    world: World, client_as: Any, django_capture_on_commit_callbacks: Any
) -> None:
    response = invite(
        client_as("admin"),
        django_capture_on_commit_callbacks,
        role="client",
        household=str(world.foreign_household.pk),
    )
    assert response.status_code == 400
    assert not User.objects.filter(email="new@acme.test").exists()


@pytest.mark.parametrize("persona", ["owner", "operations", "client", "foreign_advisor"])
def test_only_admins_invite(
    world: World, client_as: Any, django_capture_on_commit_callbacks: Any, persona: str
) -> None:
    response = invite(client_as(persona), django_capture_on_commit_callbacks)
    assert response.status_code == 403
    assert not User.objects.filter(email="new@acme.test").exists()
    assert mail.outbox == []


def test_a_tampered_link_is_refused(
    world: World, client_as: Any, django_capture_on_commit_callbacks: Any
) -> None:
    invite(client_as("admin"), django_capture_on_commit_callbacks)
    match = LINK.search(mail.outbox[0].body)
    assert match is not None
    uid = match.group(1).split("/")[2]
    response = Client().get(f"/invitation/{uid}/not-a-real-token/")
    assert response.status_code == 200
    assert "This invitation has expired" in response.text


def test_a_deactivated_invitee_cannot_use_the_link(
    world: World, client_as: Any, django_capture_on_commit_callbacks: Any
) -> None:
    admin = client_as("admin")
    invite(admin, django_capture_on_commit_callbacks)
    match = LINK.search(mail.outbox[0].body)
    assert match is not None
    user = User.objects.get(email="new@acme.test")
    admin.post(f"/firm/users/{user.pk}/active/", {"active": "0"})
    response = Client().get(match.group(1), follow=True)
    assert "This invitation has expired" in response.text


def test_a_password_reset_token_is_not_an_invitation(world: World) -> None:
    from django.contrib.auth.tokens import default_token_generator

    from advisory.services import invitation_tokens

    owner = world.user("owner")
    assert owner is not None
    assert not invitation_tokens.check_token(owner, default_token_generator.make_token(owner))
    assert not default_token_generator.check_token(owner, invitation_tokens.make_token(owner))


def test_resend_sends_a_fresh_link_to_a_pending_invitee(
    world: World, client_as: Any, django_capture_on_commit_callbacks: Any
) -> None:
    admin = client_as("admin")
    invite(admin, django_capture_on_commit_callbacks)
    user = User.objects.get(email="new@acme.test")
    response = admin.post(f"/firm/users/{user.pk}/resend/")
    assert response.status_code == 302
    assert len(mail.outbox) == 2
    # Someone who already chose a password is not re-invited.
    owner = world.user("owner")
    assert owner is not None
    admin.post(f"/firm/users/{owner.pk}/resend/")
    assert len(mail.outbox) == 2

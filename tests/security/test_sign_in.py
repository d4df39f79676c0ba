"""Sign-in hardening: MFA for staff, lockout that cannot lock others out, rate limits,
argon2, session timeouts, re-authentication, the user's sessions, invitations."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.contrib.auth.hashers import make_password
from django.core import mail
from django.test import Client
from django.utils import timezone

from advisory.models import Role, User
from advisory.tokens import api_token_create
from tests.conftest import World

pytestmark = [pytest.mark.django_db, pytest.mark.mfa]

SECRET = "JBSWY3DPEHPK3PXP"
PASSWORD = "correct horse battery staple"
STAFF = ("owner", "admin", "operations")  # advisor, firm admin, operations


def current_code(secret: str = SECRET) -> str:
    return format_hotp_value(hotp_value(secret, next(iter(yield_hotp_counters_from_time()))))


def with_password(user: User) -> User:
    user.set_password(PASSWORD)
    user.save()
    return user


def sign_in(email: str, password: str, ip: str = "10.0.0.1") -> tuple[Client, Any]:
    client = Client(REMOTE_ADDR=ip)
    response = client.post("/accounts/login/", {"login": email, "password": password})
    return client, response


@pytest.mark.parametrize("persona", STAFF)
def test_staff_without_totp_are_sent_to_set_it_up(world: World, persona: str) -> None:
    client = Client()
    client.force_login(world.users[persona], backend="django.contrib.auth.backends.ModelBackend")
    page = client.get(f"/households/{world.household.pk}/")
    assert page.status_code == 302
    assert page["Location"] == "/accounts/2fa/totp/activate/"
    api = client.get("/api/v1/households/")
    assert api.status_code == 403
    assert api.json()["code"] == "mfa_required"
    # Signing out and the MFA pages themselves stay reachable.
    assert client.get("/accounts/2fa/").status_code in {200, 302}


@pytest.mark.parametrize("persona", STAFF)
def test_staff_with_totp_pass(world: World, persona: str) -> None:
    TOTP.activate(world.users[persona], SECRET)
    client = Client()
    client.force_login(world.users[persona], backend="django.contrib.auth.backends.ModelBackend")
    assert client.get(f"/households/{world.household.pk}/").status_code == 200


def test_clients_need_no_second_factor(world: World) -> None:
    client = Client()
    client.force_login(world.users["client"], backend="django.contrib.auth.backends.ModelBackend")
    assert client.get("/portal/").status_code == 200


def test_sign_in_asks_staff_for_the_totp_code(world: World) -> None:
    owner = with_password(world.users["owner"])
    TOTP.activate(owner, SECRET)
    client, response = sign_in(owner.email, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert client.get(f"/households/{world.household.pk}/").status_code == 302  # not yet in
    wrong = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert wrong.status_code == 200  # the form again, with its error
    right = client.post("/accounts/2fa/authenticate/", {"code": current_code()})
    assert right.status_code == 302
    assert client.get(f"/households/{world.household.pk}/").status_code == 200


def test_recovery_code_signs_in_once(world: World) -> None:
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    owner = with_password(world.users["owner"])
    TOTP.activate(owner, SECRET)
    codes = RecoveryCodes.activate(owner).generate_codes()
    client, _ = sign_in(owner.email, PASSWORD)
    assert client.post("/accounts/2fa/authenticate/", {"code": codes[0]}).status_code == 302
    again, _ = sign_in(owner.email, PASSWORD)
    assert again.post("/accounts/2fa/authenticate/", {"code": codes[0]}).status_code == 200


def test_wrong_passwords_from_elsewhere_do_not_lock_the_real_user_out(world: World) -> None:
    owner = with_password(world.users["owner"])
    for _ in range(8):
        _, refused = sign_in(owner.email, "wrong password", ip="203.0.113.9")
        assert refused.status_code == 200
    # The attacker's own address is now locked out for this account, even with the password.
    _, attacker = sign_in(owner.email, PASSWORD, ip="203.0.113.9")
    assert attacker.status_code == 200
    assert b"Too many failed login attempts" in attacker.content
    # The real user, from their own address, signs in (to the MFA step).
    _, real = sign_in(owner.email, PASSWORD, ip="198.51.100.7")
    assert real.status_code == 302


def test_one_address_guessing_many_accounts_is_limited(world: World) -> None:
    emails = [u.email for u in world.users.values() if u is not None]
    blocked = False
    for round_ in range(6):
        for email in emails:
            _, response = sign_in(email, f"guess {round_}", ip="203.0.113.50")
            # allauth's per-address limits: a form error, or 429 for the whole page.
            if response.status_code == 429 or b"Too many failed login attempts" in response.content:
                blocked = True
    assert blocked
    # Another address is unaffected.
    client = Client(REMOTE_ADDR="198.51.100.8")
    with_password(world.users["client"])
    ok = client.post("/accounts/login/", {"login": "client@acme.test", "password": PASSWORD})
    assert ok.status_code == 302


def test_django_admin_signs_in_through_allauth(world: World) -> None:
    response = Client().get("/admin/login/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_failed_token_authentication_is_rate_limited_per_address(world: World) -> None:
    from rest_framework.test import APIClient

    attacker = APIClient(REMOTE_ADDR="203.0.113.77")
    for i in range(20):
        response = attacker.get("/api/v1/households/", HTTP_AUTHORIZATION=f"Token adv_guess{i}")
        assert response.status_code == 401
    assert (
        attacker.get("/api/v1/households/", HTTP_AUTHORIZATION="Token adv_more").status_code == 429
    )
    TOTP.activate(world.users["owner"], SECRET)
    _, key = api_token_create(user=world.users["owner"], name="feed")
    honest = APIClient(REMOTE_ADDR="198.51.100.20")
    assert honest.get("/api/v1/households/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200


def test_passwords_are_hashed_with_argon2(settings: Any) -> None:
    from django.conf import global_settings  # noqa: F401 - the project's list, not the fixture's

    from advisory import settings as project_settings

    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    assert make_password("x").startswith("argon2$argon2id$")


def _signed_in_client(world: World) -> Client:
    client = Client()
    client.force_login(world.users["client"], backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_session_ends_after_the_idle_timeout(world: World, settings: Any) -> None:
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        client = _signed_in_client(world)
        assert client.get("/portal/").status_code == 200
        clock.shift(timedelta(minutes=29))
        assert client.get("/portal/").status_code == 200
        clock.shift(timedelta(minutes=31))
        expired = client.get("/portal/")
        assert expired.status_code == 302
        assert expired["Location"].startswith("/accounts/login/")
        assert client.get("/portal/").status_code == 302  # signed out, not just redirected once


def test_session_ends_after_the_absolute_timeout_despite_activity(
    world: World, settings: Any
) -> None:
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    settings.SESSION_ABSOLUTE_TIMEOUT = 12 * 3600
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        client = _signed_in_client(world)
        for _ in range(35):  # every 20 minutes for 11 h 40 min
            assert client.get("/portal/").status_code == 200
            clock.shift(timedelta(minutes=20))
        clock.shift(timedelta(minutes=40))
        assert client.get("/portal/").status_code == 302


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("post", "/accounts/email/", {"action_add": "", "email": "new@acme.test"}),
        ("get", "/accounts/2fa/totp/activate/", {}),
    ],
)
def test_changing_email_or_mfa_asks_for_the_password_again(
    world: World, method: str, path: str, data: dict[str, str]
) -> None:
    owner = with_password(world.users["owner"])
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client, response = sign_in(owner.email, PASSWORD)
        assert response.status_code == 302
        clock.shift(timedelta(minutes=10))  # longer ago than the re-authentication window
        page = getattr(client, method)(path, data)
        assert page.status_code == 302
        assert page["Location"].startswith("/accounts/reauthenticate/")


def test_changing_the_password_needs_the_current_one(world: World) -> None:
    client = _signed_in_client(world)
    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": "not it", "password1": "n3w-Passw0rd!x", "password2": "n3w-Passw0rd!x"},
    )
    assert response.status_code == 200
    world.users["client"].refresh_from_db()
    assert not world.users["client"].check_password("n3w-Passw0rd!x")


def test_users_see_and_end_their_other_sessions(world: World) -> None:
    client_user = with_password(world.users["client"])
    laptop, _ = sign_in(client_user.email, PASSWORD, ip="198.51.100.1")
    phone, _ = sign_in(client_user.email, PASSWORD, ip="198.51.100.2")
    assert laptop.get("/portal/").status_code == 200
    page = phone.get("/accounts/sessions/")
    assert page.status_code == 200
    assert b"198.51.100.1" in page.content
    assert phone.post("/accounts/sessions/", {"action": "logout"}).status_code == 302
    assert laptop.get("/portal/").status_code == 302  # ended from the phone
    assert phone.get("/portal/").status_code == 200  # the phone's own session stays


def test_invitation_does_not_reveal_another_firms_user(world: World) -> None:
    TOTP.activate(world.users["admin"], SECRET)
    client = Client()
    client.force_login(world.users["admin"], backend="django.contrib.auth.backends.ModelBackend")
    users_before = User.objects.count()
    form = {"email": "advisor@rival.test", "first_name": "A", "last_name": "B", "role": "advisor"}
    response = client.post("/firm/users/", form, follow=True)
    assert response.status_code == 200
    assert b"Invitation sent to advisor@rival.test" in response.content
    assert b"already exists" not in response.content
    assert User.objects.count() == users_before
    assert mail.outbox == []
    assert world.users["foreign_advisor"].membership.firm == world.other_firm
    # The firm's own user is named as such: that tells the admin nothing new.
    own = client.post("/firm/users/", {**form, "email": "ops@acme.test"})
    assert own.status_code == 400
    assert b"already exists" in own.content


def test_demo_staff_get_a_totp_authenticator(db: Any) -> None:
    from datetime import date

    from portfolios.demo.seed import seed_demo

    seed_demo(date(2026, 11, 30), households_per_firm=1, years=1)
    staff = User.objects.exclude(membership__role=Role.CLIENT)
    assert staff.exists()
    for user in staff:
        assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    assert not Authenticator.objects.filter(user__membership__role=Role.CLIENT).exists()

"""Sign-in, sign-out and password reset pages (allauth, with our templates)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from tests.conftest import World
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_login_page_and_sign_in(world: World) -> None:
    owner = world.user("owner")
    assert owner is not None
    owner.set_password(PASSWORD)
    owner.save()
    browser = Client()
    page = browser.get("/accounts/login/")
    assert page.status_code == 200
    assert '<label for="id_login">Email</label>' in page.text
    assert 'href="/accounts/password/reset/"' in page.text
    wrong = browser.post("/accounts/login/", {"login": "owner@acme.test", "password": "nope"})
    assert wrong.status_code == 200
    assert "form-errors" in wrong.text
    right = browser.post("/accounts/login/", {"login": "owner@acme.test", "password": PASSWORD})
    assert right.status_code == 302
    assert right["Location"] == "/"
    assert "Smith Family" in browser.get("/").text


def test_sign_out_is_a_post(world: World, client_as: Any) -> None:
    client = client_as("owner")
    assert "Are you sure you want to sign out?" in client.get("/accounts/logout/").text
    assert client.get("/").status_code == 200  # a GET did not sign out
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_password_reset_sends_a_link_that_sets_a_new_password(world: World) -> None:
    browser = Client()
    assert browser.get("/accounts/password/reset/").status_code == 200
    response = browser.post("/accounts/password/reset/", {"email": "owner@acme.test"})
    assert response.status_code == 302
    assert "Check your email" in browser.get(response["Location"]).text
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+/)", mail.outbox[0].body)
    assert link is not None
    form_page = browser.get(link.group(1), follow=True)
    assert "Choose a new password" in form_page.text
    new = "another-long-passphrase-77"
    done = browser.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else link.group(1),
        {"password1": new, "password2": new},
        follow=True,
    )
    assert "Password changed" in done.text
    owner = world.user("owner")
    assert owner is not None
    owner.refresh_from_db()
    assert owner.check_password(new)


def test_a_bad_reset_link_says_so(world: World) -> None:
    page = Client().get("/accounts/password/reset/key/1-not-a-key/", follow=True)
    assert page.status_code == 200
    assert "This link has expired" in page.text


def test_nobody_signs_up_on_their_own(world: World) -> None:
    page = Client().get("/accounts/signup/")
    assert "Invitation only" in page.text

"""Idempotency-Key on creating POSTs: replay, conflict, failures, races, the helpers."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from advisory import idempotency
from advisory.idempotency import idempotent, request_fingerprint, with_idempotency
from advisory.models import ApiToken, IdempotencyRecord
from portfolios.models import Household, Person, Transaction
from tests.api.conftest import assert_field_error, url
from tests.conftest import World

pytestmark = pytest.mark.django_db

KEY = "7f1c3c0e-2b7a-4d59-9d0e-8e9a1f7c2a11"


def _deposit(world: World, amount: str = "100.00") -> dict[str, Any]:
    account = world.household.accounts.get(name="Joint brokerage")
    return {"account": account.pk, "kind": "deposit", "trade_date": "2026-11-20", "amount": amount}


def test_same_key_replays_the_first_response_and_creates_nothing(world: World, api_as: Any) -> None:
    api = api_as("owner")
    first = api.post(url("transactions"), _deposit(world), HTTP_IDEMPOTENCY_KEY=KEY)
    assert first.status_code == 201
    second = api.post(url("transactions"), _deposit(world), HTTP_IDEMPOTENCY_KEY=KEY)
    assert second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Transaction.objects.count() == 1


def test_same_key_with_another_payload_is_409(world: World, api_as: Any) -> None:
    api = api_as("owner")
    api.post(url("transactions"), _deposit(world), HTTP_IDEMPOTENCY_KEY=KEY)
    conflict = api.post(url("transactions"), _deposit(world, "99.00"), HTTP_IDEMPOTENCY_KEY=KEY)
    assert conflict.status_code == 409
    assert conflict.json()["code"] == "idempotency_key_reused"
    # ...and on another endpoint too: a key names one request.
    other = api.post(url("households"), {"name": "Key Family"}, HTTP_IDEMPOTENCY_KEY=KEY)
    assert other.status_code == 409
    assert Transaction.objects.count() == 1
    assert not Household.objects.filter(name="Key Family").exists()


def test_keys_belong_to_one_user(world: World, api_as: Any) -> None:
    for persona in ("owner", "teammate"):
        response = api_as(persona).post(
            url("transactions"), _deposit(world), HTTP_IDEMPOTENCY_KEY=KEY
        )
        assert response.status_code == 201
    assert Transaction.objects.count() == 2


def test_a_failed_request_stores_nothing_and_the_key_can_be_retried(
    world: World, api_as: Any
) -> None:
    api = api_as("owner")
    bad = api.post(url("transactions"), _deposit(world, "1.234"), HTTP_IDEMPOTENCY_KEY=KEY)
    assert_field_error(bad, "amount")
    assert not IdempotencyRecord.objects.exists()
    good = api.post(url("transactions"), _deposit(world, "1.23"), HTTP_IDEMPOTENCY_KEY=KEY)
    assert good.status_code == 201
    assert Transaction.objects.count() == 1


def test_a_refused_request_stores_nothing(world: World, api_as: Any) -> None:
    response = api_as("client").post(url("transactions"), _deposit(world), HTTP_IDEMPOTENCY_KEY=KEY)
    assert response.status_code == 403
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.parametrize(
    "resource", ["asset-classes", "securities", "households", "people", "accounts", "lots"]
)
def test_every_creating_endpoint_honours_the_key(world: World, api_as: Any, resource: str) -> None:
    from tests.api.test_access_matrix import ENDPOINTS

    endpoint = next(e for e in ENDPOINTS if e.resource == resource)
    api = api_as("admin")
    before = endpoint.model._default_manager.count()
    first = api.post(url(resource), endpoint.post_body(world), HTTP_IDEMPOTENCY_KEY=KEY)
    again = api.post(url(resource), endpoint.post_body(world), HTTP_IDEMPOTENCY_KEY=KEY)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert endpoint.model._default_manager.count() == before + 1


def test_a_replayed_token_never_shows_or_stores_its_key(world: World, api_as: Any) -> None:
    api = api_as("owner")
    first = api.post(url("tokens"), {"name": "feed"}, HTTP_IDEMPOTENCY_KEY=KEY)
    key = first.json()["key"]
    assert key
    again = api.post(url("tokens"), {"name": "feed"}, HTTP_IDEMPOTENCY_KEY=KEY)
    assert again.status_code == 201
    assert again.json()["key"] is None
    assert again.json()["id"] == first.json()["id"]
    assert ApiToken.objects.count() == 1
    assert key not in str(IdempotencyRecord.objects.get().response_body)


@pytest.mark.parametrize("key", ["", "   ", "k" * 256])
def test_bad_keys_are_400(world: World, api_as: Any, key: str) -> None:
    response = api_as("owner").post(url("transactions"), _deposit(world), HTTP_IDEMPOTENCY_KEY=key)
    assert_field_error(response, "Idempotency-Key")
    assert Transaction.objects.count() == 0


def _post(world: World, persona: str, body: dict[str, Any]) -> Request:
    factory = APIRequestFactory()
    wsgi = factory.post("/api/v1/people/", body, format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    force_authenticate(wsgi, user=world.user(persona))
    return APIView().initialize_request(wsgi)


def test_losing_a_race_replays_the_winner(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    request = _post(world, "owner", {"first_name": "Race"})
    # The concurrent request committed its record after our look-up found nothing.
    IdempotencyRecord.objects.create(
        user=world.user("owner"),
        key=KEY,
        method="POST",
        path="/api/v1/people/",
        request_hash=request_fingerprint(request),
        status_code=201,
        response_body={"id": 1, "won": True},
    )
    lookups = iter([None])
    real_lookup = idempotency._earlier_record
    monkeypatch.setattr(
        idempotency, "_earlier_record", lambda user, key: next(lookups, real_lookup(user, key))
    )

    def compute() -> Response:
        Person.objects.create(household=world.household, first_name="Race", last_name="Lost")
        return Response({"id": 2}, status=status.HTTP_201_CREATED)

    response = idempotency.with_idempotency(request, compute)
    assert response.status_code == 201
    assert response.data == {"id": 1, "won": True}
    # Our own work was rolled back with the insert that lost.
    assert not Person.objects.filter(last_name="Lost").exists()


def test_without_a_key_it_just_computes(world: World) -> None:
    factory = APIRequestFactory()
    wsgi = factory.post("/x/", {}, format="json")
    force_authenticate(wsgi, user=world.user("owner"))
    request = APIView().initialize_request(wsgi)
    calls: list[int] = []

    def compute() -> Response:
        calls.append(1)
        return Response({}, status=201)

    with_idempotency(request, compute)
    with_idempotency(request, compute)
    assert len(calls) == 2
    assert not IdempotencyRecord.objects.exists()


class ProposalLikeView(APIView):
    """A domain action view, as policies will write them."""

    calls = 0

    @idempotent
    def post(self, request: Request) -> Response:
        ProposalLikeView.calls += 1
        return Response({"call": ProposalLikeView.calls}, status=status.HTTP_202_ACCEPTED)


def test_the_decorator_on_an_api_view(world: World) -> None:
    factory = APIRequestFactory()
    view = ProposalLikeView.as_view()
    ProposalLikeView.calls = 0
    answers = []
    for _ in range(2):
        request = factory.post(
            "/proposals/", {"mode": "band"}, format="json", HTTP_IDEMPOTENCY_KEY=KEY
        )
        force_authenticate(request, user=world.user("owner"))
        response = view(request)
        answers.append((response.status_code, response.data))
    assert answers == [(202, {"call": 1}), (202, {"call": 1})]
    assert ProposalLikeView.calls == 1

"""``POST /api/v1/imports/{kind}/``: the access matrix, dry runs, the error format."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portfolios.imports.models import ImportRecord
from portfolios.models import Account, Lot, PricePoint, Transaction
from tests.api.conftest import url
from tests.conftest import CAN_EDIT_BOOK, PERSONAS, World
from tests.factories import csv_bytes

pytestmark = pytest.mark.django_db

LOT_HEADER = ("account", "symbol", "quantity", "cost_basis", "acquired_on")


def _taxable(world: World) -> Account:
    return Account.objects.get(household=world.household, name="Joint brokerage")


def _lot_file(world: World, *rows: tuple[Any, ...]) -> bytes:
    rows = rows or ((_taxable(world).pk, "VTI", "3", "600.50", "2024-02-01"),)
    return csv_bytes([LOT_HEADER, *rows])


def post_file(client: Any, kind: str, data: bytes, **fields: Any) -> Any:
    upload = SimpleUploadedFile(f"{kind}.csv", data, content_type="text/csv")
    return client.post(url(f"imports/{kind}"), {"file": upload, **fields}, format="multipart")


@pytest.mark.parametrize("persona", PERSONAS)
def test_lots_import_in_the_access_matrix(world: World, api_as: Any, persona: str) -> None:
    before = Lot.objects.count()

    response = post_file(api_as(persona), "lots", _lot_file(world))

    if persona == "anonymous":
        assert response.status_code == 401
    elif persona in ("client", "other_client"):
        assert response.status_code == 403
    elif persona in CAN_EDIT_BOOK:
        assert response.status_code == 201, response.json()
        assert response.json()["created"] == 1
    else:
        # Advisors not on the household, of this firm or another: the account is unknown
        # (to the other firm's advisor the symbol is unknown too).
        assert response.status_code == 400
        assert response.json()["rows"][0] == {
            "row": 2,
            "column": "account",
            "message": "Unknown account: none with this id that you may change.",
        }
    assert Lot.objects.count() == before + (response.status_code == 201)


@pytest.mark.parametrize("persona", PERSONAS)
def test_prices_import_is_for_admins_and_operations(
    world: World, api_as: Any, persona: str
) -> None:
    data = csv_bytes([("symbol", "date", "price"), ("VTI", "2024-02-01", "230")])

    response = post_file(api_as(persona), "prices", data)

    expected = {"admin": 201, "operations": 201, "anonymous": 401}.get(persona, 403)
    assert response.status_code == expected
    assert PricePoint.objects.exists() == (expected == 201)


def test_a_written_import_answers_201_with_the_report(world: World, api_as: Any) -> None:
    taxable = _taxable(world)
    data = _lot_file(
        world,
        (taxable.pk, "VTI", "3", "600.50", "2024-02-01"),
        (taxable.pk, "BND", "10", "700", "2024-03-01"),
    )

    response = post_file(api_as("owner"), "lots", data)

    assert response.status_code == 201
    body = response.json()
    assert body.pop("import") == ImportRecord.objects.get().pk  # the import is kept
    assert body == {
        "kind": "lots",
        "dry_run": False,
        "written": True,
        "rows_read": 2,
        "created": 2,
        "updated": 0,
        "securities_repriced": 0,
        "added": 2,
        "changed": 0,
        "closed": 0,
        "unchanged": 0,
        "changes": [],
        "summary": "2 rows imported: 2 lots created.",
    }
    assert Lot.objects.filter(
        account=taxable, security__symbol="BND", quantity=Decimal("10"), cost_basis=700
    ).exists()


def test_a_dry_run_answers_200_and_writes_nothing(world: World, api_as: Any) -> None:
    before = Lot.objects.count()

    response = post_file(api_as("operations"), "lots", _lot_file(world), dry_run="true")

    assert response.status_code == 200
    body = response.json()
    assert (body["dry_run"], body["written"], body["created"]) == (True, False, 1)
    assert Lot.objects.count() == before


def test_errors_answer_400_with_every_row_and_write_nothing(world: World, api_as: Any) -> None:
    taxable = _taxable(world)
    header = ("account", "symbol", "kind", "trade_date", "quantity", "amount")
    data = csv_bytes(
        [
            header,
            (taxable.pk, "VTI", "buy", "2024-01-05", "1", "-250"),
            (taxable.pk, "VTI", "buy", "2024-01-05", "x", "-250"),
            (taxable.pk, "", "gift", "2024-01-05", "", "5"),
        ]
    )

    response = post_file(api_as("owner"), "transactions", data)

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "import_rejected"
    assert body["detail"] == "2 errors; nothing was imported."
    assert [(e["row"], e["column"]) for e in body["rows"]] == [(3, "quantity"), (4, "kind")]
    assert not Transaction.objects.exists()


def test_a_dry_run_with_errors_is_a_400_too(world: World, api_as: Any) -> None:
    data = _lot_file(world, (_taxable(world).pk, "VTI", "0", "1", "2024-01-01"))

    response = post_file(api_as("owner"), "lots", data, dry_run="true")

    assert response.status_code == 400
    assert response.json()["rows"][0]["column"] == "quantity"


def test_an_unreadable_file_is_a_400_on_file(world: World, api_as: Any) -> None:
    response = post_file(api_as("owner"), "lots", "é".encode("latin-1"))

    assert response.status_code == 400
    assert "not UTF-8" in response.json()["file"][0]


@pytest.mark.parametrize(("body", "field"), [({}, "file"), ({"file": "not a file"}, "file")])
def test_a_missing_file_is_a_field_error(world: World, api_as: Any, body: Any, field: str) -> None:
    response = api_as("owner").post(url("imports/lots"), body, format="multipart")

    assert response.status_code == 400
    assert field in response.json()


def test_an_unknown_kind_is_404(world: World, api_as: Any) -> None:
    response = post_file(api_as("admin"), "households", b"name\nX\n")

    assert response.status_code == 404


def test_json_is_not_accepted(world: World, api_as: Any) -> None:
    response = api_as("owner").post(url("imports/lots"), {"file": "a,b"}, format="json")

    assert response.status_code == 415


def test_an_idempotency_key_imports_once_and_tells_files_apart(world: World, api_as: Any) -> None:
    client = api_as("owner")
    client.credentials(HTTP_IDEMPOTENCY_KEY="import-2024-02-01")
    before = Lot.objects.count()

    first = post_file(client, "lots", _lot_file(world))
    replay = post_file(client, "lots", _lot_file(world))
    other = post_file(
        client, "lots", _lot_file(world, (_taxable(world).pk, "BND", "1", "70", "2024-02-01"))
    )

    assert (first.status_code, replay.status_code, other.status_code) == (201, 201, 409)
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert Lot.objects.count() == before + 1


def test_the_import_is_in_the_schema(api_as: Any, world: World) -> None:
    schema = api_as("anonymous").get("/api/v1/schema/", {"format": "json"}).json()

    operation = schema["paths"]["/api/v1/imports/{kind}/"]["post"]
    kind = next(p for p in operation["parameters"] if p["name"] == "kind")
    assert set(kind["schema"]["enum"]) == {"lots", "positions", "transactions", "cash", "prices"}
    assert "multipart/form-data" in operation["requestBody"]["content"]
    assert {"200", "201", "400", "403"} <= set(operation["responses"])


def test_a_200_row_import_costs_a_constant_number_of_queries(
    world: World, api_as: Any, django_assert_max_num_queries: Any
) -> None:
    taxable = _taxable(world)
    rows = [(taxable.pk, "VTI", n + 1, "100", date(2025, 1, 2)) for n in range(200)]
    client = api_as("operations")

    # Throttle, membership, then the import's own (see tests/portfolios/imports/test_imports.py:
    # with the household's lock before the lots are written and, on PostgreSQL, the history
    # triggers' settings).
    with django_assert_max_num_queries(14):
        response = post_file(client, "lots", csv_bytes([LOT_HEADER, *rows]))

    assert response.status_code == 201
    assert response.json()["created"] == 200

"""The data-in-and-out API: mappings, the record of imports, bulk prices, realised gains."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portfolios.imports.models import ImportMapping, ImportRecord
from portfolios.models import Account, PricePoint, Security
from portfolios.services import transaction_record
from tests.conftest import CAN_VIEW, PERSONAS, World
from tests.factories import SecurityFactory

pytestmark = pytest.mark.django_db

STAFF = {"owner", "teammate", "other_advisor", "foreign_advisor", "admin", "operations"}
PRICE_KEEPERS = {"admin", "operations"}
MAPPING = {"name": "Custodian A", "kind": "positions", "columns": {"quantity": "Shares"}}


def _status_for(persona: str, allowed: set[str], *, outsider: int = 403) -> int:
    if persona == "anonymous":
        return 401
    return 200 if persona in allowed else outsider


@pytest.mark.parametrize("persona", PERSONAS)
def test_access_matrix_of_the_new_endpoints(world: World, api_as: Any, persona: str) -> None:
    ImportMapping.objects.create(firm=world.firm, name="Ours", kind="positions")
    ImportMapping.objects.create(firm=world.other_firm, name="Theirs", kind="positions")
    api = api_as(persona)

    listed = api.get("/api/v1/import-mappings/")
    assert listed.status_code == _status_for(persona, STAFF)
    if listed.status_code == 200:
        expected = {"Theirs"} if persona == "foreign_advisor" else {"Ours"}
        assert {m["name"] for m in listed.json()["results"]} == expected
    created = api.post("/api/v1/import-mappings/", MAPPING, format="json")
    assert created.status_code == (201 if persona in STAFF else _status_for(persona, set()))

    assert api.get("/api/v1/imports/").status_code == _status_for(persona, STAFF)

    before = PricePoint.objects.count()
    body = {"prices": [{"symbol": "VTI", "date": "2026-11-27", "price": "251.10"}]}
    priced = api.post("/api/v1/prices/", body, format="json")
    expected_price = _status_for(persona, PRICE_KEEPERS)
    if persona == "foreign_advisor":
        expected_price = 403
    assert priced.status_code == expected_price
    assert PricePoint.objects.count() == before + (1 if expected_price == 200 else 0)

    gains = api.get(f"/api/v1/households/{world.household.pk}/realized-gains/", {"year": 2025})
    assert gains.status_code == _status_for(persona, CAN_VIEW, outsider=404)


def test_mapping_patch_and_bad_columns(world: World, api_as: Any) -> None:
    api = api_as("operations")
    made = api.post("/api/v1/import-mappings/", MAPPING, format="json").json()
    patched = api.patch(
        f"/api/v1/import-mappings/{made['id']}/", {"date_format": "excel"}, format="json"
    )
    assert patched.status_code == 200
    assert ImportMapping.objects.get(pk=made["id"]).date_format == "excel"
    bad = api.post(
        "/api/v1/import-mappings/",
        {"name": "B", "kind": "positions", "columns": {"shares": "Qty"}},
        format="json",
    )
    assert bad.status_code == 400
    again = api.post("/api/v1/import-mappings/", MAPPING, format="json")
    assert again.status_code == 400


def test_bulk_prices_are_idempotent_per_security_and_date(world: World, api_as: Any) -> None:
    api = api_as("operations")
    vti = world.securities["VTI"]
    body = {
        "prices": [
            {"security": vti.pk, "date": "2026-11-26", "price": "250.00"},
            {"symbol": "vti", "date": "2026-11-27", "price": "251.10"},
        ]
    }
    first = api.post("/api/v1/prices/", body, format="json")
    second = api.post("/api/v1/prices/", body, format="json")
    assert (first.json(), second.json()) == (
        {"created": 2, "updated": 0},
        {"created": 0, "updated": 2},
    )
    assert PricePoint.objects.filter(security=vti).count() == 2
    vti.refresh_from_db()
    assert (vti.price, vti.price_date) == (D("251.10"), date(2026, 11, 27))
    foreign = SecurityFactory(firm=world.other_firm, symbol="ZZZ")
    refused = api.post(
        "/api/v1/prices/",
        {"prices": [{"security": foreign.pk, "date": "2026-11-26", "price": "1"}]},
        format="json",
    )
    assert refused.status_code == 400
    assert refused.json()["prices"] == {"0": "Unknown security: none of your firm's."}


def test_a_mapped_upload_through_the_api_is_recorded_and_listed(world: World, api_as: Any) -> None:
    Account.objects.filter(name="Joint brokerage").update(account_number="88012345")
    mapping = ImportMapping.objects.create(
        firm=world.firm, name="M", kind="positions", columns={"quantity": "Shares"}
    )
    api = api_as("operations")
    text = (
        "account_number,symbol,Shares,cost_basis,acquired_on\n88012345,VTI,100,15000,2020-01-15\n"
    )
    answer = api.post(
        "/api/v1/imports/positions/",
        {"file": SimpleUploadedFile("pos.csv", text.encode()), "mapping": mapping.pk},
        format="multipart",
    )
    assert answer.status_code == 201, answer.content
    assert answer.json()["unchanged"] == 1
    [record] = ImportRecord.objects.all()
    assert (record.kind, record.file_name, record.created_by) == (
        "positions",
        "pos.csv",
        world.user("operations"),
    )
    assert record.file.read() == text.encode()
    listed = api.get("/api/v1/imports/").json()
    assert [(r["kind"], r["file_name"], r["created_by"]) for r in listed] == [
        ("positions", "pos.csv", "ops@acme.test")
    ]
    assert api_as("foreign_advisor").get("/api/v1/imports/").json() == []


def test_realized_gains_report_with_a_wash_sale(world: World, api_as: Any) -> None:
    account = Account.objects.get(household=world.household, name="Joint brokerage")
    xyz: Security = SecurityFactory(
        firm=world.firm, symbol="XYZ", asset_class=world.classes["us_equity"], substitute_group="x"
    )
    for kind, day, qty, amount in (
        ("buy", date(2025, 1, 6), "100", "-1000"),
        ("sell", date(2025, 3, 3), "100", "750"),
        ("buy", date(2025, 3, 20), "100", "-800"),
        ("sell", date(2025, 12, 1), "100", "1200"),
    ):
        transaction_record(
            account=account,
            kind=kind,
            trade_date=day,
            security=xyz,
            quantity=D(qty),
            amount=D(amount),
            apply=True,
        )
    report = api_as("client").get(
        f"/api/v1/households/{world.household.pk}/realized-gains/", {"year": 2025}
    )
    body = report.json()
    first, second = body["lines"]
    assert (first["proceeds"], first["cost_basis"], first["adjustment_code"]) == (
        "750.00",
        "1000.00",
        "W",
    )
    assert (first["adjustment"], first["gain"], first["term"]) == ("250.00", "0.00", "short")
    # The replacement: basis 800 + 250 = 1,050, held since 2025-01-06: short-term, gain 150.
    assert (second["cost_basis"], second["gain"], second["acquired_on"]) == (
        "1050.00",
        "150.00",
        "2025-01-06",
    )
    assert body["totals"] == {"short": "150.00", "long": "0"}
    assert body["carry_forward"] == {"short": "0", "long": "0"}
    bad = api_as("owner").get(f"/api/v1/households/{world.household.pk}/realized-gains/")
    assert bad.status_code == 400

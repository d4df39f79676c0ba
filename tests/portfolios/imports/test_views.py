"""The import page: who sees it, check only versus import, the errors table, the templates."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portfolios.imports.kinds import COLUMNS, ImportKind
from portfolios.models import Account, Lot
from tests.conftest import PERSONAS, World
from tests.factories import csv_bytes

pytestmark = pytest.mark.django_db

PAGE = "/imports/"
LOT_HEADER = ("account", "symbol", "quantity", "cost_basis", "acquired_on")
STAFF = {"owner", "teammate", "other_advisor", "foreign_advisor", "admin", "operations"}


def _taxable(world: World) -> Account:
    return Account.objects.get(household=world.household, name="Joint brokerage")


def _section(html: str, start: str) -> str:
    """The HTML from the element whose opening tag contains ``start`` to the next ``</section>``."""
    return html[html.index(start) :].split("</section>", 1)[0]


def _post(client: Any, data: bytes, *, action: str | None, kind: str = "lots") -> Any:
    fields: dict[str, Any] = {"kind": kind, "file": SimpleUploadedFile("book.csv", data)}
    if action is not None:
        fields["action"] = action
    return client.post(PAGE, fields)


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_page_in_the_access_matrix(world: World, client_as: Any, persona: str) -> None:
    response = client_as(persona).get(PAGE)

    if persona == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    elif persona in STAFF:
        assert response.status_code == 200
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("persona", PERSONAS)
def test_posting_in_the_access_matrix(world: World, client_as: Any, persona: str) -> None:
    data = csv_bytes([LOT_HEADER, (_taxable(world).pk, "VTI", "1", "100", "2024-01-02")])
    before = Lot.objects.count()

    response = _post(client_as(persona), data, action="import")

    expected = {"anonymous": 302, "client": 403, "other_client": 403}.get(persona)
    if expected is None:
        expected = 302 if persona in {"owner", "teammate", "admin", "operations"} else 400
    assert response.status_code == expected
    assert Lot.objects.count() == before + (expected == 302 and persona != "anonymous")


@pytest.mark.parametrize(
    ("persona", "kinds"),
    [
        ("owner", ["lots", "positions", "transactions", "cash"]),
        ("operations", ["lots", "positions", "transactions", "cash", "prices"]),
        ("admin", ["lots", "positions", "transactions", "cash", "prices"]),
    ],
)
def test_the_kinds_offered_follow_the_role(
    world: World, client_as: Any, persona: str, kinds: list[str]
) -> None:
    html = client_as(persona).get(PAGE).text

    offered = re.findall(r'<input type="radio" name="kind" value="(\w+)"', html)
    assert offered == kinds
    templates = re.findall(r'<a class="btn btn-sm" href="([^"]+)" download>', html)
    assert templates == [f"/imports/{kind}/template.csv" for kind in kinds]


def test_check_only_reports_and_writes_nothing(world: World, client_as: Any) -> None:
    data = csv_bytes([LOT_HEADER, (_taxable(world).pk, "VTI", "1", "100", "2024-01-02")])
    before = Lot.objects.count()

    response = _post(client_as("owner"), data, action="check")

    assert response.status_code == 200
    assert Lot.objects.count() == before
    report = _section(response.text, '<section class="card card-highlight import-report"')
    assert 'role="status"' in report
    assert "1 row checked: 1 lot would be created. Nothing was written." in report


def test_pressing_enter_only_checks(world: World, client_as: Any) -> None:
    data = csv_bytes([LOT_HEADER, (_taxable(world).pk, "VTI", "1", "100", "2024-01-02")])
    before = Lot.objects.count()

    response = _post(client_as("owner"), data, action=None)

    assert response.status_code == 200
    assert Lot.objects.count() == before


def test_import_writes_and_says_so_after_the_redirect(world: World, client_as: Any) -> None:
    taxable = _taxable(world)
    data = csv_bytes([LOT_HEADER, (taxable.pk, "BND", "7", "490", "2024-01-02")])
    client = client_as("operations")

    response = _post(client, data, action="import")

    assert response.status_code == 302
    assert response["Location"] == "/imports/?kind=lots"
    assert Lot.objects.filter(account=taxable, security__symbol="BND", quantity=7).exists()
    page = client.get(response["Location"])
    assert "book.csv: 1 row imported: 1 lot created." in page.content.decode()


def test_errors_are_listed_in_a_table_by_row_and_column(world: World, client_as: Any) -> None:
    # given
    taxable = _taxable(world)
    data = csv_bytes(
        [
            LOT_HEADER,
            (taxable.pk, "VTI", "1", "100", "2024-01-02"),
            (taxable.pk, "VTI", "one", "100", "2024-01-02"),
            (taxable.pk, "ZZZ", "1", "100", "2024-13-01"),
        ]
    )
    before = Lot.objects.count()

    # when
    response = _post(client_as("owner"), data, action="import")

    # then
    assert response.status_code == 400
    assert Lot.objects.count() == before
    report = _section(response.text, '<section class="card import-report"')
    assert '<div class="form-errors" role="alert">' in report
    assert "book.csv: 3 errors; nothing was imported." in report
    table = report.split('<table class="table table-compact import-errors">', 1)[1]
    assert (
        "<caption>Errors in book.csv, by spreadsheet row (the header is row 1)</caption>" in table
    )
    rows = re.findall(r'<th scope="row">(\d+)</th>\s*<td>(?:<code>(\w+)</code>|.*?)</td>', table)
    assert rows == [("3", "quantity"), ("4", "symbol"), ("4", "acquired_on")]


def test_a_file_error_is_shown(world: World, client_as: Any) -> None:
    response = _post(client_as("owner"), b"\xff\xfe\x00a", action="check")

    assert response.status_code == 400
    assert "UTF-16" in response.content.decode()


def test_a_missing_file_is_a_field_error(world: World, client_as: Any) -> None:
    response = client_as("owner").post(PAGE, {"kind": "lots", "action": "check"})

    assert response.status_code == 400
    assert '<div class="field field-file has-error is-required">' in response.text
    assert "Choose a file." in response.text


def test_an_advisor_cannot_post_prices(world: World, client_as: Any) -> None:
    data = csv_bytes([("symbol", "date", "price"), ("VTI", "2024-01-02", "200")])

    response = _post(client_as("owner"), data, action="import", kind="prices")

    assert response.status_code == 400  # not a choice offered to advisors
    assert not world.securities["VTI"].prices.exists()


@pytest.mark.parametrize("kind", list(ImportKind))
def test_the_templates_are_the_header_and_an_example(
    world: World, client_as: Any, kind: ImportKind
) -> None:
    response = client_as("admin").get(f"/imports/{kind.value}/template.csv")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert f'filename="{kind.value}-template.csv"' in response["Content-Disposition"]
    header, example = csv.reader(io.StringIO(response.content.decode()))
    shown = [c for c in COLUMNS[kind] if c.example]  # not the columns an import ignores
    assert header == [c.name for c in shown]
    assert example == [c.example for c in shown]


@pytest.mark.parametrize(
    ("persona", "kind", "status"),
    [
        ("client", "lots", 403),
        ("owner", "prices", 403),
        ("owner", "transactions", 200),
        ("operations", "people", 404),
    ],
)
def test_template_access(
    world: World, client_as: Any, persona: str, kind: str, status: int
) -> None:
    assert client_as(persona).get(f"/imports/{kind}/template.csv").status_code == status


@pytest.mark.parametrize("persona", ["owner", "operations"])
def test_the_sidebar_links_the_page(world: World, client_as: Any, persona: str) -> None:
    html = client_as(persona).get(PAGE).text

    nav = html.split('<nav class="nav" aria-label="Main">', 1)[1].split("</nav>", 1)[0]
    assert '<a href="/imports/" aria-current="page">Imports</a>' in nav


def test_clients_have_no_import_link(world: World, client_as: Any) -> None:
    html = client_as("client").get("/portal/").text

    assert 'href="/imports/"' not in html

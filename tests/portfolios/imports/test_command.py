"""``manage.py import_book KIND FILE --user EMAIL [--dry-run]``."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from portfolios.models import Account, Lot, PricePoint
from tests.conftest import World
from tests.factories import csv_bytes

pytestmark = pytest.mark.django_db

LOT_HEADER = ("account", "symbol", "quantity", "cost_basis", "acquired_on")


def _lot_file(world: World, tmp_path: Path, quantity: str = "4") -> Path:
    taxable = Account.objects.get(household=world.household, name="Joint brokerage")
    path = tmp_path / "lots.csv"
    path.write_bytes(csv_bytes([LOT_HEADER, (taxable.pk, "VXUS", quantity, "250", "2024-05-06")]))
    return path


def _run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_book", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_imports_and_prints_the_report(world: World, tmp_path: Path) -> None:
    out, _ = _run("lots", str(_lot_file(world, tmp_path)), "--user", "OPS@acme.test")

    assert out == "lots.csv: 1 row imported: 1 lot created.\n"
    assert Lot.objects.filter(security__symbol="VXUS", quantity=Decimal("4")).exists()


def test_a_dry_run_writes_nothing(world: World, tmp_path: Path) -> None:
    before = Lot.objects.count()

    out, _ = _run("lots", str(_lot_file(world, tmp_path)), "--user", "owner@acme.test", "--dry-run")

    assert "would be created" in out
    assert Lot.objects.count() == before


def test_errors_are_printed_and_the_command_fails(world: World, tmp_path: Path) -> None:
    path = _lot_file(world, tmp_path, quantity="-4")
    err = StringIO()

    with pytest.raises(CommandError, match=r"1 error; nothing was imported\."):
        call_command("import_book", "lots", str(path), "--user", "owner@acme.test", stderr=err)

    assert err.getvalue() == "lots.csv: row 2, quantity: Must be more than 0.\n"
    assert not Lot.objects.filter(security__symbol="VXUS", acquired_on="2024-05-06").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--user", "nobody@acme.test"), "No active user"),
        (("--user", "client@acme.test"), r"You may not import lots\."),
    ],
)
def test_refusals(world: World, tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        _run("lots", str(_lot_file(world, tmp_path)), *args)


def test_a_missing_file(world: World, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="Cannot read"):
        _run("prices", str(tmp_path / "missing.csv"), "--user", "admin@acme.test")


def test_advisors_may_not_import_prices(world: World, tmp_path: Path) -> None:
    path = tmp_path / "prices.csv"
    path.write_bytes(csv_bytes([("symbol", "date", "price"), ("VTI", "2024-05-06", "240")]))

    with pytest.raises(CommandError, match=r"You may not import prices\."):
        _run("prices", str(path), "--user", "owner@acme.test")
    _run("prices", str(path), "--user", "admin@acme.test")

    assert PricePoint.objects.filter(security=world.securities["VTI"]).count() == 1

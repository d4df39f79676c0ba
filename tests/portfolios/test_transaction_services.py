"""Transactions that move the book: lots, cash, realised gains and wash sales (hand-checked)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from portfolios.models import Account, Lot, SaleLot, Security
from portfolios.services import TransactionRefused, transaction_apply, transaction_record
from tests.conftest import World
from tests.factories import SecurityFactory

pytestmark = pytest.mark.django_db


def _taxable(world: World) -> Account:
    return Account.objects.get(household=world.household, name="Joint brokerage")


def _ira(world: World) -> Account:
    return Account.objects.get(household=world.household, name="Ann IRA")


def _xyz(world: World, symbol: str = "XYZ") -> Security:
    return SecurityFactory(
        firm=world.firm,
        symbol=symbol,
        asset_class=world.classes["us_equity"],
        substitute_group="xyz",
    )


def _trade(account: Account, kind: str, day: date, security: Security, qty: str, amount: str):  # type: ignore[no-untyped-def]
    return transaction_record(
        account=account,
        kind=kind,
        trade_date=day,
        security=security,
        quantity=D(qty),
        amount=D(amount),
        apply=True,
    )


def test_pub_550_loss_disallowed_and_added_to_the_replacement(world: World) -> None:
    account, xyz = _taxable(world), _xyz(world)
    _trade(account, "buy", date(2025, 1, 6), xyz, "100", "-1000")
    sale = _trade(account, "sell", date(2025, 3, 3), xyz, "100", "750")
    _trade(account, "buy", date(2025, 3, 20), xyz, "100", "-800")  # 17 days after the sale
    sale.refresh_from_db()
    assert sale.realized_gain == D("-250.00")
    assert sale.wash_disallowed == D("250.00")
    [line] = SaleLot.objects.filter(transaction=sale)
    assert (line.adjustment_code, line.gain) == ("W", D("0.00"))
    [lot] = Lot.objects.filter(account=account, security=xyz)
    assert lot.cost_basis == D("1050.00")
    assert lot.wash_adjustment == D("250.00")
    assert lot.holding_start == date(2025, 1, 6)  # from the first purchase
    account.refresh_from_db()
    assert account.cash == D("5000") - 1000 + 750 - 800


def test_partial_replacement_disallows_that_fraction(world: World) -> None:
    account, xyz = _taxable(world), _xyz(world)
    _trade(account, "buy", date(2025, 1, 6), xyz, "100", "-1000")
    sale = _trade(account, "sell", date(2025, 3, 3), xyz, "100", "750")
    _trade(account, "buy", date(2025, 3, 10), xyz, "30", "-240")
    sale.refresh_from_db()
    assert sale.wash_disallowed == D("75.00")  # 30 of 100 shares: 30% of $250
    [lot] = Lot.objects.filter(account=account, security=xyz)
    assert lot.cost_basis == D("315.00")


def test_repurchase_in_the_ira_loses_the_loss_and_keeps_the_basis(world: World) -> None:
    xyz = _xyz(world)
    _trade(_taxable(world), "buy", date(2025, 1, 6), xyz, "100", "-1000")
    sale = _trade(_taxable(world), "sell", date(2025, 3, 3), xyz, "100", "750")
    _trade(_ira(world), "buy", date(2025, 3, 4), xyz, "100", "-800")
    sale.refresh_from_db()
    assert sale.wash_disallowed == D("250.00")
    [lot] = Lot.objects.filter(account=_ira(world), security=xyz)
    assert (lot.cost_basis, lot.wash_adjustment, lot.holding_from) == (D("800.00"), 0, None)


def test_replacement_bought_before_the_sale_counts_and_a_gain_is_never_washed(world: World) -> None:
    account, xyz = _taxable(world), _xyz(world)
    _trade(account, "buy", date(2025, 1, 6), xyz, "10", "-1000")
    _trade(account, "buy", date(2025, 2, 20), xyz, "10", "-700")
    sale = _trade(account, "sell", date(2025, 3, 3), xyz, "10", "600")  # FIFO: the $1,000 lot
    sale.refresh_from_db()
    assert (sale.realized_gain, sale.wash_disallowed) == (D("-400.00"), D("400.00"))
    [lot] = Lot.objects.filter(account=account, security=xyz)
    assert (lot.cost_basis, lot.holding_start) == (D("1100.00"), date(2025, 1, 6))


def test_sell_by_specific_lot_and_fifo_split_the_proceeds_and_terms(world: World) -> None:
    account, xyz = _taxable(world), _xyz(world)
    _trade(account, "buy", date(2023, 1, 6), xyz, "10", "-100")
    second = _trade(account, "buy", date(2025, 1, 6), xyz, "10", "-150")
    lot = Lot.objects.get(account=account, security=xyz, acquired_on=second.trade_date)
    sale = transaction_record(
        account=account,
        kind="sell",
        trade_date=date(2025, 6, 2),
        security=xyz,
        quantity=D(4),
        amount=D("80"),
        apply=True,
        lots={lot.pk: D(4)},
    )
    [line] = SaleLot.objects.filter(transaction=sale)
    assert (line.cost_basis, line.proceeds, line.term) == (D("60.00"), D("80.00"), "short")
    fifo = _trade(account, "sell", date(2025, 6, 3), xyz, "12", "240")
    lines = list(SaleLot.objects.filter(transaction=fifo).order_by("acquired_on"))
    assert [(x.quantity, x.cost_basis, x.proceeds, x.term) for x in lines] == [
        (D(10), D("100.00"), D("200.00"), "long"),
        (D(2), D("30.00"), D("40.00"), "short"),
    ]


def test_cash_moves_and_is_never_overdrawn_nor_oversold(world: World) -> None:
    account, xyz = _taxable(world), _xyz(world)
    for kind, amount in (
        ("deposit", "100"),
        ("withdrawal", "-40"),
        ("dividend", "5"),
        ("fee", "-2"),
    ):
        transaction_record(
            account=account, kind=kind, trade_date=date(2025, 1, 2), amount=D(amount), apply=True
        )
    account.refresh_from_db()
    assert account.cash == D("5063.00")
    with pytest.raises(TransactionRefused):
        transaction_record(
            account=account,
            kind="withdrawal",
            trade_date=date(2025, 1, 2),
            amount=D("-9999"),
            apply=True,
        )
    with pytest.raises(TransactionRefused):
        _trade(account, "sell", date(2025, 1, 3), xyz, "1", "10")
    with pytest.raises(TransactionRefused):
        transaction_record(
            account=account, kind="deposit", trade_date=date(2025, 1, 2), amount=D("-5")
        )


def test_applying_twice_is_refused(world: World) -> None:
    record = transaction_record(
        account=_taxable(world), kind="deposit", trade_date=date(2025, 1, 2), amount=D("10")
    )
    transaction_apply(transaction=record)
    with pytest.raises(TransactionRefused):
        transaction_apply(transaction=record)

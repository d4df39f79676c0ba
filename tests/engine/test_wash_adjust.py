"""Wash sales already in the book: Pub. 550, a partial replacement, an IRA repurchase."""

from datetime import date
from decimal import Decimal as D

from advisory.engine.wash_adjust import LossSale, Purchase, match_wash_sales, within_window


def sale(**kw: object) -> LossSale:
    base = {
        "id": 1,
        "group": "us-total",
        "sold_on": date(2025, 3, 10),
        "quantity": D(100),
        "loss": D("250.00"),
        "acquired_on": date(2024, 11, 1),
        "lot_id": 1,
    }
    base.update(kw)
    return LossSale(**base)  # type: ignore[arg-type]


def test_pub_550_example_full_replacement_in_taxable() -> None:
    # Bought 100 for $1,000, sold for $750 (a $250 loss), rebought 100 for $800 within 30 days.
    [m] = match_wash_sales([sale()], [Purchase(2, "us-total", date(2025, 3, 20), D(100), True)])
    assert m.disallowed == D("250.00")
    assert m.basis_added == D("250.00")  # new basis 800 + 250 = 1,050
    assert m.holding_from == date(2024, 11, 1)  # held since the first purchase
    assert not m.loss_lost


def test_partial_replacement_disallows_that_fraction() -> None:
    # 40 of the 100 loss shares replaced: 40% of $250 = $100 disallowed.
    [m] = match_wash_sales([sale()], [Purchase(2, "us-total", date(2025, 3, 1), D(40), True)])
    assert (m.quantity, m.disallowed, m.basis_added) == (D(40), D("100.00"), D("100.00"))


def test_ira_repurchase_loses_the_loss_and_keeps_basis() -> None:
    [m] = match_wash_sales([sale()], [Purchase(3, "us-total", date(2025, 3, 11), D(100), False)])
    assert m.disallowed == D("250.00")
    assert m.basis_added == 0
    assert m.holding_from is None
    assert m.loss_lost


def test_replacements_in_order_of_acquisition_share_for_share() -> None:
    purchases = [
        Purchase(5, "us-total", date(2025, 3, 25), D(70), True),
        Purchase(4, "us-total", date(2025, 2, 20), D(50), True),
    ]
    first, second = match_wash_sales([sale()], purchases)
    # The earlier purchase (lot 4, 50 sh) first, then 50 of lot 5's 70: $125 each.
    assert (first.lot_id, first.quantity, first.disallowed) == (4, D(50), D("125.00"))
    assert (second.lot_id, second.quantity, second.disallowed) == (5, D(50), D("125.00"))


def test_outside_window_other_group_and_the_sold_lot_itself_do_not_replace() -> None:
    purchases = [
        Purchase(1, "us-total", date(2025, 3, 10), D(100), True),  # the lot sold
        Purchase(6, "us-total", date(2025, 4, 10), D(100), True),  # 31 days after
        Purchase(7, "intl", date(2025, 3, 12), D(100), True),  # another group
    ]
    assert match_wash_sales([sale()], purchases) == ()


def test_a_share_replaces_only_once_and_gains_are_never_washed() -> None:
    sales = [sale(), sale(id=2, lot_id=9, sold_on=date(2025, 3, 12), loss=D("100.00"))]
    [m] = match_wash_sales(sales, [Purchase(2, "us-total", date(2025, 3, 20), D(100), True)])
    assert m.sale_id == 1
    assert (
        match_wash_sales(
            [sale(loss=D("-5"))], [Purchase(2, "us-total", date(2025, 3, 20), D(1), True)]
        )
        == ()
    )


def test_rounding_remainder_goes_to_the_last_piece() -> None:
    purchases = [Purchase(n, "g", date(2025, 3, 10), D(1), True) for n in (2, 3, 4)]
    matches = match_wash_sales([sale(group="g", quantity=D(3), loss=D("1.00"))], purchases)
    assert [m.disallowed for m in matches] == [D("0.33"), D("0.33"), D("0.34")]


def test_window_is_thirty_days_both_sides() -> None:
    assert within_window(date(2025, 3, 31), date(2025, 3, 1))
    assert not within_window(date(2025, 3, 31), date(2025, 2, 28))

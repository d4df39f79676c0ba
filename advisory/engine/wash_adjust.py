"""Wash sales that already happened: which replacement shares absorb which loss (pure).

The book shows a loss sale in a taxable account and purchases of the same
substitute group within 30 days before or after it, in any account of the
household (docs/DOMAIN.md, "Wash sales"). ``match_wash_sales`` pairs them:

- Sales are taken in order of sale date (ties by id); for each, the purchases
  of its group inside the window are taken in order of acquisition (ties by
  lot id), share for share, until the sold shares are matched. A purchase's
  shares absorb at most one sale's shares each (a share replaces once).
- The lot that was sold never replaces itself.
- The disallowed loss is the sale's loss times ``matched / sold`` (a partial
  replacement disallows that fraction), in cents; the last match of a sale
  takes the rounding remainder so the parts add up to the whole.
- A replacement in a taxable account gets the disallowed loss added to its
  basis and its holding period starts on the sold shares' acquisition date
  (Pub. 550: buy 100 sh for $1,000, sell for $750, rebuy for $800 within 30
  days -> $250 disallowed, new basis $1,050, held since the first purchase).
- A replacement in an IRA, Roth, 401(k) or HSA destroys the loss: it is still
  disallowed on the sale, but no basis changes (Rev. Rul. 2008-5).

Money in dollars (``Decimal``, cents), quantities in shares; losses positive.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from advisory.engine.money import CENT, ZERO

WASH_WINDOW_DAYS = 30


@dataclass(frozen=True)
class LossSale:
    """Shares sold at a loss in a taxable account. ``loss`` is positive dollars."""

    id: int
    group: str
    sold_on: date
    quantity: Decimal
    loss: Decimal
    acquired_on: date  # when the sold shares were acquired (their holding period's start)
    lot_id: int | None = None  # the lot sold, which never replaces itself


@dataclass(frozen=True)
class Purchase:
    """A lot acquired in the household (bought, reinvested, imported or typed in)."""

    lot_id: int
    group: str
    acquired_on: date
    quantity: Decimal
    taxable: bool


@dataclass(frozen=True)
class WashMatch:
    """``quantity`` shares of lot ``lot_id`` replace shares of sale ``sale_id``.

    ``disallowed`` is the loss the sale may not claim for those shares;
    ``basis_added`` what the replacement lot's basis grows by (0 when the loss
    is lost in a tax-advantaged account); ``holding_from`` the replacement's new
    holding-period start, or None when it keeps its own.
    """

    sale_id: int
    lot_id: int
    quantity: Decimal
    disallowed: Decimal
    basis_added: Decimal
    holding_from: date | None

    @property
    def loss_lost(self) -> bool:
        return self.disallowed > 0 and self.basis_added == 0


def within_window(sold_on: date, acquired_on: date) -> bool:
    """A purchase within 30 days before or after the sale (both ends included)."""
    return abs((acquired_on - sold_on).days) <= WASH_WINDOW_DAYS


def match_wash_sales(
    sales: Iterable[LossSale], purchases: Iterable[Purchase]
) -> tuple[WashMatch, ...]:
    """The replacement matches of every loss sale (see the module docstring)."""
    ordered_purchases = sorted(purchases, key=lambda p: (p.acquired_on, p.lot_id))
    left = {p.lot_id: p.quantity for p in ordered_purchases}
    matches: list[WashMatch] = []
    for sale in sorted(sales, key=lambda s: (s.sold_on, s.id)):
        if sale.loss <= 0 or sale.quantity <= 0:
            continue
        matches.extend(_match_one(sale, ordered_purchases, left))
    return tuple(matches)


def _match_one(
    sale: LossSale, purchases: list[Purchase], left: dict[int, Decimal]
) -> list[WashMatch]:
    pieces: list[tuple[Purchase, Decimal]] = []
    wanted = sale.quantity
    for purchase in purchases:
        if wanted <= 0:
            break
        if (
            purchase.group != sale.group
            or purchase.lot_id == sale.lot_id
            or not within_window(sale.sold_on, purchase.acquired_on)
            or left[purchase.lot_id] <= 0
        ):
            continue
        take = min(wanted, left[purchase.lot_id])
        left[purchase.lot_id] -= take
        wanted -= take
        pieces.append((purchase, take))
    matched = sum((q for _, q in pieces), ZERO)
    if not pieces:
        return []
    total = (sale.loss * matched / sale.quantity).quantize(CENT)
    result: list[WashMatch] = []
    given = ZERO
    for index, (purchase, take) in enumerate(pieces):
        last = index == len(pieces) - 1
        part = total - given if last else (sale.loss * take / sale.quantity).quantize(CENT)
        given += part
        result.append(
            WashMatch(
                sale_id=sale.id,
                lot_id=purchase.lot_id,
                quantity=take,
                disallowed=part,
                basis_added=part if purchase.taxable else ZERO,
                holding_from=sale.acquired_on if purchase.taxable else None,
            )
        )
    return result

"""The household's standing restrictions as pages: list, add, remove; held-away accounts.

Who may change them is who may change the household (advisors on it, admins,
operations); a client of the household is refused (403) and sees none of it,
anyone outside the household or the firm gets 404.
"""

from __future__ import annotations

from typing import Any

import pytest

from policies.proposals.request import ProposalRequest
from policies.proposals.services import proposal_create
from portfolios.models import Account, Restriction, RestrictionKind
from tests.conftest import World
from tests.factories import SecurityFactory
from tests.policies.conftest import make_policy

pytestmark = pytest.mark.django_db


def _new_url(world: World) -> str:
    return f"/households/{world.household.pk}/restrictions/new/"


def _taxable(world: World) -> Account:
    return Account.objects.get(household=world.household, name="Joint brokerage")


def _restriction(world: World, **fields: Any) -> Restriction:
    values: dict[str, Any] = {
        "household": world.household,
        "security": world.securities["VTI"],
        "kind": RestrictionKind.DO_NOT_TRADE,
        "reason": "Concentrated employer stock",
        "created_by": world.user("owner"),
    }
    values.update(fields)
    return Restriction.objects.create(**values)


@pytest.mark.parametrize("persona", ["owner", "teammate", "admin", "operations"])
def test_who_may_edit_the_household_adds_a_security_restriction(
    world: World, client_as: Any, persona: str
) -> None:
    vti = world.securities["VTI"]
    data = {"kind": "do_not_buy", "security": vti.pk, "account": "", "reason": "  ESG screen "}

    response = client_as(persona).post(_new_url(world), data)

    assert response.status_code == 302
    assert response["Location"] == f"/households/{world.household.pk}/"
    kept = Restriction.objects.get(household=world.household)
    assert (kept.kind, kept.security, kept.account, kept.reason) == (
        RestrictionKind.DO_NOT_BUY,
        vti,
        None,
        "ESG screen",
    )
    assert kept.created_by == world.user(persona)


def test_an_account_restriction_is_do_not_trade(world: World, client_as: Any) -> None:
    account = _taxable(world)
    data = {"kind": "do_not_trade", "security": "", "account": account.pk, "reason": "Estate"}

    assert client_as("owner").post(_new_url(world), data).status_code == 302

    kept = Restriction.objects.get(household=world.household)
    assert (kept.account, kept.security) == (account, None)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"security": "", "account": ""}, "security", "Choose a security or an account"),
        ({"account": "ACCOUNT"}, "security", "Choose a security or an account"),
        ({"security": "", "account": "ACCOUNT", "kind": "do_not_buy"}, "kind", "only be"),
        ({"reason": "   "}, "reason", "Say why"),
        ({"kind": "sell_everything"}, "kind", "Select a valid choice"),
        ({"security": "987654321"}, "security", "Select a valid choice"),
        ({"security": "FOREIGN"}, "security", "Select a valid choice"),
        ({"security": "", "account": "OTHER_ACCOUNT"}, "account", "Select a valid choice"),
        ({"reason": "x" * 301}, "reason", "at most 300 characters"),
    ],
)
def test_bad_input_is_a_form_error_and_nothing_is_kept(
    world: World, client_as: Any, change: dict[str, str], field: str, message: str
) -> None:
    stand_ins = {
        "ACCOUNT": str(_taxable(world).pk),
        "OTHER_ACCOUNT": str(Account.objects.get(name="Jones brokerage").pk),
        "FOREIGN": str(SecurityFactory(firm=world.other_firm, symbol="ZZZ").pk),
    }
    data = {"kind": "do_not_trade", "security": world.securities["VTI"].pk, "account": ""}
    data["reason"] = "Because"
    data.update({key: stand_ins.get(value, value) for key, value in change.items()})

    response = client_as("owner").post(_new_url(world), data)

    assert response.status_code == 400
    assert message in str(response.context["form"].errors[field])
    assert not Restriction.objects.exists()


def test_the_same_restriction_twice_is_refused(world: World, client_as: Any) -> None:
    _restriction(world)
    data = {"kind": "do_not_trade", "security": world.securities["VTI"].pk, "reason": "Again"}

    response = client_as("owner").post(_new_url(world), data)

    assert response.status_code == 400
    assert "already has this restriction" in response.text
    assert Restriction.objects.count() == 1


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("client", 403),
        ("other_client", 404),
        ("other_advisor", 404),
        ("foreign_advisor", 404),
    ],
)
def test_others_may_neither_add_nor_remove(
    world: World, client_as: Any, persona: str, status: int
) -> None:
    restriction = _restriction(world)
    client = client_as(persona)
    data = {"kind": "do_not_buy", "security": world.securities["BND"].pk, "reason": "No"}

    assert client.get(_new_url(world)).status_code == status
    assert client.post(_new_url(world), data).status_code == status
    assert client.get(f"/restrictions/{restriction.pk}/remove/").status_code == status
    assert client.post(f"/restrictions/{restriction.pk}/remove/").status_code == status
    assert list(Restriction.objects.all()) == [restriction]


def test_another_firms_household_is_404(world: World, client_as: Any) -> None:
    url = f"/households/{world.foreign_household.pk}/restrictions/new/"
    assert client_as("owner").get(url).status_code == 404


def test_removal_asks_first_and_only_a_post_removes(world: World, client_as: Any) -> None:
    restriction = _restriction(world)
    client = client_as("owner")
    url = f"/restrictions/{restriction.pk}/remove/"

    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "Do not trade VTI" in confirm.text
    assert Restriction.objects.filter(pk=restriction.pk).exists()

    removed = client.post(url)
    assert removed.status_code == 302
    assert removed["Location"] == f"/households/{world.household.pk}/"
    assert not Restriction.objects.exists()
    assert client.post(url).status_code == 404


def test_the_household_page_lists_restrictions_for_staff_only(world: World, client_as: Any) -> None:
    _restriction(world)
    _restriction(world, security=None, account=_taxable(world), reason="Trust in probate")
    page = f"/households/{world.household.pk}/"

    html = client_as("owner").get(page).text
    assert 'id="restrictions-heading">Restrictions</h2>' in html
    assert "Concentrated employer stock" in html
    assert "Account: Joint brokerage" in html
    assert "Trust in probate" in html
    assert html.count(">Remove<") == 2
    assert _new_url(world) in html

    assert "Restrictions</h2>" in client_as("operations").get(page).text
    client_html = client_as("client").get(page).text
    assert "Restrictions</h2>" not in client_html
    assert "Concentrated employer stock" not in client_html


def test_held_away_is_set_on_the_account_form_and_marked(world: World, client_as: Any) -> None:
    account = _taxable(world)
    client = client_as("owner")
    assert 'name="held_away"' in client.get(f"/accounts/{account.pk}/edit/").text
    data = {
        "name": account.name,
        "account_type": account.account_type,
        "owner": account.owner_id,
        "cash": "5000",
        "cash_reserve": "0",
        "held_away": "on",
        "version": account.version,
    }

    assert client.post(f"/accounts/{account.pk}/edit/", data).status_code == 302

    account.refresh_from_db()
    assert account.held_away is True
    page = f"/households/{world.household.pk}/"
    assert ">Held away</span>" in client.get(page).text
    assert ">Held away</span>" not in client_as("client").get(page).text


def test_the_proposal_page_lists_the_restrictions_applied(world: World, client_as: Any) -> None:
    make_policy(world)
    _restriction(world, kind=RestrictionKind.DO_NOT_BUY, reason="ESG screen")
    ira = Account.objects.get(household=world.household, name="Ann IRA")
    Account.objects.filter(pk=ira.pk).update(held_away=True)
    proposal = proposal_create(
        household=world.household,
        user=world.user("owner"),
        request=ProposalRequest(do_not_trade=frozenset({world.securities["VXUS"].pk})),
    )

    html = client_as("owner").get(f"/proposals/{proposal.pk}/").text

    section = html.split('id="restrictions-applied-heading"')[1].split("</section>")[0]
    assert "Standing restriction: do not buy VTI (ESG screen)." in section
    assert "Ann IRA is held away: valued and counted, never traded." in section
    assert "For this proposal: do not trade VXUS." in section


def test_the_card_names_the_restricted_group_by_its_symbols(world: World, client_as: Any) -> None:
    # VTI and ITOT share the substitute group "us_total_market" (tests/conftest.py).
    _restriction(world)

    html = client_as("owner").get(f"/households/{world.household.pk}/").text

    assert "group ITOT/VTI" in html
    assert "us_total_market" not in html

"""The access matrix over every URL the project serves, generated from the URL conf.

Every URL pattern (except Django admin's and allauth's own, which have their own
sign-in rules, tested in test_sign_in) must be declared in ``DECLARED`` below, by its
URL name: who may reach it (``audience``), the method that exercises it, and which row
of the test world fills its ``<pk>``. A new page or endpoint that is not declared
fails ``test_every_url_is_declared`` with the line to add. Then, for every URL:

- anonymous visitors are sent to sign in (pages) or refused 401/403 (API), unless public;
- an advisor of another firm gets 404 for every URL naming a row of this firm;
- a client gets no staff-only page (403 or 404);
- every HTML answer carries the Content-Security-Policy header, and none is a 5xx.

The finer matrices (each persona x create/read/update/delete) stay in
tests/api/test_access_matrix.py, tests/policies/test_access_matrix.py and
tests/portfolios/test_pages_access.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from advisory.tokens import api_token_create
from portfolios.models import Restriction, RestrictionKind
from tests.conftest import World
from tests.factories import TransactionFactory
from tests.policies.conftest import make_policy
from tests.policies.modelportfolios.conftest import make_model

pytestmark = pytest.mark.django_db

THIRD_PARTY = ("allauth.", "django.contrib.admin.", "django.contrib.admindocs.")
PUBLIC = "public"  # anyone, signed in or not
LINK = "link"  # anyone holding a valid emailed link (invitations)
SIGNED_IN = "signed_in"  # any signed-in user; nobody else's rows
STAFF = "staff"  # firm staff only (admin, advisor, operations)
ADMIN = "admin"  # firm admins only; others are refused on their role (403) before any row
VIEWERS = "viewers"  # those who see the household, clients included (maybe a filtered list)
MISSING = 987_654_321  # a pk no row has: the URL is exercised for refusals only


@dataclass(frozen=True)
class Declared:
    audience: str
    method: str = "get"
    target: str | None = None  # which world row fills <pk>: see ROWS below
    kind: str | None = None  # the <kind> argument of import URLs


G, P = "get", "post"
DECLARED: dict[str, Declared] = {
    "healthz": Declared(PUBLIC),
    "api-schema": Declared(PUBLIC),
    "api-docs": Declared(PUBLIC),
    "invitation_accept": Declared(LINK),
    # API: firm-level rows
    "api-asset-class-list": Declared(SIGNED_IN),
    "api-asset-class-detail": Declared(VIEWERS, G, "asset_class"),
    "api-security-list": Declared(SIGNED_IN),
    "api-security-detail": Declared(VIEWERS, G, "security"),
    "api-security-prices": Declared(VIEWERS, G, "security"),
    "api-token-list": Declared(SIGNED_IN),
    "api-token-detail": Declared(SIGNED_IN, G, "token"),
    "api-import": Declared(STAFF, P, None, "lots"),
    "api-risk-questionnaire": Declared(SIGNED_IN),
    "api-policy-diff": Declared(SIGNED_IN),
    "api-proposal-list": Declared(SIGNED_IN),
    # API: the book of record
    "api-household-list": Declared(SIGNED_IN),
    "api-household-detail": Declared(VIEWERS, G, "household"),
    "api-person-list": Declared(SIGNED_IN),
    "api-person-detail": Declared(VIEWERS, G, "person"),
    "api-account-list": Declared(SIGNED_IN),
    "api-account-detail": Declared(VIEWERS, G, "account"),
    "api-lot-list": Declared(SIGNED_IN),
    "api-lot-detail": Declared(VIEWERS, G, "lot"),
    "api-transaction-list": Declared(SIGNED_IN),
    "api-transaction-detail": Declared(VIEWERS, G, "transaction"),
    # API: policies, drift, location, proposals
    "api-policy": Declared(VIEWERS, G, "household"),
    "api-policy-list": Declared(VIEWERS, G, "household"),
    "api-drift": Declared(VIEWERS, G, "household"),
    "api-risk-profile": Declared(STAFF, P, "household"),
    "api-policy-detail": Declared(VIEWERS, G, "policy"),
    "api-policy-activate": Declared(STAFF, P, "policy"),
    "api-policy-acknowledge": Declared(VIEWERS, P, "policy"),
    "api-policy-document": Declared(VIEWERS, G, "policy"),
    "api-asset-location": Declared(VIEWERS, G, "household"),
    "api-household-proposals": Declared(VIEWERS, G, "household"),
    "api-proposal-detail": Declared(VIEWERS, G, "proposal"),
    "api-proposal-approve": Declared(STAFF, P, "proposal"),
    "api-proposal-reject": Declared(STAFF, P, "proposal"),
    "api-proposal-execute": Declared(STAFF, P, "proposal"),
    "api-proposal-orders": Declared(STAFF, G, "proposal"),
    "api-implementation-plans": Declared(VIEWERS, G, "household"),
    "api-implementation-plan-detail": Declared(STAFF, G, "plan"),
    # Pages: firm administration and settings
    "firm_users": Declared(ADMIN),
    "firm_history": Declared(ADMIN),
    "firm_user_active": Declared(ADMIN, P, "user"),
    "firm_user_resend": Declared(ADMIN, P, "user"),
    "api_tokens": Declared(SIGNED_IN),
    "api_token_revoke": Declared(SIGNED_IN, P, "token"),
    # Pages: the book of record
    "home": Declared(SIGNED_IN),
    "client_portal": Declared(SIGNED_IN),
    "household_create": Declared(STAFF),
    "household_detail": Declared(VIEWERS, G, "household"),
    "household_edit": Declared(STAFF, G, "household"),
    "household_delete": Declared(STAFF, P, "household"),
    "transaction_delete": Declared(STAFF, P, "transaction"),
    "archive": Declared(ADMIN),
    "archive_restore": Declared(ADMIN, P, "household", "households"),
    "api-archive": Declared(ADMIN),
    "api-archive-restore": Declared(ADMIN, P, "household", "households"),
    "person_create": Declared(STAFF, G, "household"),
    "person_edit": Declared(STAFF, G, "person"),
    "person_delete": Declared(STAFF, P, "person"),
    "account_create": Declared(STAFF, G, "household"),
    "account_detail": Declared(VIEWERS, G, "account"),
    "account_edit": Declared(STAFF, G, "account"),
    "account_delete": Declared(STAFF, P, "account"),
    "lot_create": Declared(STAFF, G, "account"),
    "lot_detail": Declared(VIEWERS, G, "lot"),
    "lot_edit": Declared(STAFF, G, "lot"),
    "lot_delete": Declared(STAFF, P, "lot"),
    "book_import": Declared(STAFF),
    "import_template": Declared(STAFF, G, None, "lots"),
    # Pages: policies, drift, location, proposals
    "policy_detail": Declared(VIEWERS, G, "household"),
    "policy_new": Declared(STAFF, G, "household"),
    "policy_validate": Declared(STAFF, P, "household"),
    "policy_history": Declared(VIEWERS, G, "household"),
    "policy_diff": Declared(VIEWERS, G, "household"),
    "risk_questionnaire": Declared(STAFF, G, "household"),
    "household_drift": Declared(VIEWERS, G, "household"),
    "household_panels": Declared(VIEWERS, G, "household"),
    "policy_acknowledge": Declared(VIEWERS, P, "policy"),
    "policy_activate": Declared(STAFF, P, "policy"),
    "policy_discard": Declared(STAFF, P, "policy"),
    "policy_document": Declared(VIEWERS, G, "policy"),
    "household_location": Declared(VIEWERS, G, "household"),
    "household_location_save": Declared(STAFF, P, "household"),
    "household_proposals": Declared(VIEWERS, G, "household"),
    "proposal_new": Declared(STAFF, G, "household"),
    "proposal_harvest_new": Declared(STAFF, G, "household"),
    "implementation_plan_new": Declared(STAFF, G, "household"),
    "implementation_plan_detail": Declared(STAFF, G, "plan"),
    "proposal_queue": Declared(STAFF),
    "proposal_detail": Declared(VIEWERS, G, "proposal"),
    "proposal_approve": Declared(STAFF, P, "proposal"),
    "proposal_rerun": Declared(STAFF, P, "proposal"),
    "proposal_reject": Declared(STAFF, P, "proposal"),
    "proposal_execute": Declared(STAFF, P, "proposal"),
    "proposal_orders": Declared(STAFF, G, "proposal"),
    "proposal_document": Declared(VIEWERS, G, "proposal"),
    # The reviews (issue 10)
    "api-review-list": Declared(SIGNED_IN),
    "api-review-detail": Declared(VIEWERS, G, "review"),
    "api-review-start": Declared(STAFF, P, "review"),
    "api-review-complete": Declared(STAFF, P, "review"),
    "api-review-skip": Declared(STAFF, P, "review"),
    "api-review-acknowledge": Declared(VIEWERS, P, "review"),
    "api-review-packet-pdf": Declared(VIEWERS, G, "review"),
    "api-review-packet": Declared(VIEWERS, G, "household"),
    "api-rmds": Declared(VIEWERS, G, "household"),
    "api-contribution-room": Declared(VIEWERS, G, "household"),
    "api-stress": Declared(VIEWERS, P, "household"),
    "api-correlations": Declared(VIEWERS, G, "household"),
    "api-returns": Declared(VIEWERS, G, "household"),
    "review_dashboard": Declared(SIGNED_IN),  # staff; a client is sent to the portal
    "review_calendar": Declared(SIGNED_IN),  # staff; a client is sent to the portal
    "household_reviews": Declared(VIEWERS, G, "household"),
    "review_detail": Declared(VIEWERS, G, "review"),
    "review_start": Declared(STAFF, P, "review"),
    "review_checklist": Declared(STAFF, P, "review"),
    "review_skip": Declared(STAFF, P, "review"),
    "review_acknowledge": Declared(VIEWERS, P, "review"),
    "review_questionnaire": Declared(STAFF, G, "review"),
    "review_targets": Declared(STAFF, G, "review"),
    "review_packet": Declared(VIEWERS, G, "review"),
    "review_packet_pdf": Declared(VIEWERS, G, "review"),
    "review_report": Declared(VIEWERS, G, "review"),
    # The client portal (issue 14)
    "portal_reviews": Declared(SIGNED_IN),
    "portal_plan": Declared(SIGNED_IN),  # a client's own plan; staff are sent to the dashboard
    "portal_documents": Declared(SIGNED_IN),
    "portal_waiting": Declared(SIGNED_IN),
    "portal_notifications": Declared(SIGNED_IN),
    "portal_acknowledge_ips": Declared(VIEWERS, P, "policy"),
    "portal_acknowledge_review": Declared(VIEWERS, P, "review"),
    # The whole book (issue 11)
    "api-firm-settings": Declared(STAFF),
    "firm_settings": Declared(ADMIN),
    "security_list": Declared(ADMIN),  # admins and operations: others refused on role
    "security_edit": Declared(ADMIN, G, "security"),  # refused on role before any row
    "holdings_search": Declared(STAFF),
    "api-restriction-list": Declared(SIGNED_IN),
    "api-restriction-detail": Declared(VIEWERS, G, "restriction"),
    "restriction_create": Declared(STAFF, G, "household"),
    "restriction_remove": Declared(STAFF, G, "restriction"),
    "api-orders": Declared(STAFF),
    "api-orders-release": Declared(STAFF, P),
    "api-order-cancel": Declared(STAFF, P, "order"),
    "api-proposal-fills": Declared(STAFF, P, "proposal"),
    "api-model-list": Declared(STAFF),
    "api-model-detail": Declared(STAFF, G, "model"),
    "model_list": Declared(STAFF),
    "model_new": Declared(STAFF),
    "model_detail": Declared(STAFF, G, "model"),
    "model_edit": Declared(STAFF, G, "model"),
    "api-rebalance-runs": Declared(STAFF),
    "api-rebalance-run-detail": Declared(STAFF, G, "run"),
    "api-rebalance-run-approve": Declared(STAFF, P, "run"),
    "order_desk": Declared(STAFF),
    "order_release": Declared(STAFF, P),
    "order_fills": Declared(STAFF, P, "proposal"),
    "rebalance_runs": Declared(STAFF),
    "rebalance_run_detail": Declared(STAFF, G, "run"),
    "rebalance_run_progress": Declared(STAFF, G, "run"),
    "rebalance_run_approve": Declared(STAFF, P, "run"),
    # Data in and out (issue 12)
    "api-import-list": Declared(STAFF),
    "api-import-detail": Declared(STAFF, G, "import"),
    "api-import-mapping-list": Declared(STAFF),
    "api-import-mapping-detail": Declared(STAFF, G, "mapping"),
    "api-prices-bulk": Declared(STAFF, P),
    "api-export": Declared(SIGNED_IN, G, None, "lots"),
    "api-export-proposals": Declared(SIGNED_IN),
    "api-household-realized-gains": Declared(VIEWERS, G, "household"),
    "transaction_create": Declared(STAFF, G, "account"),
    "import_history": Declared(STAFF),
    "import_mappings": Declared(STAFF),
    "import_progress": Declared(STAFF, G, "import"),
    "exports": Declared(SIGNED_IN),  # each reader exports what they may see
    "realized_gains": Declared(VIEWERS, G, "household"),
    "realized_gains_pdf": Declared(VIEWERS, G, "household"),
}


def project_routes() -> Iterator[tuple[str, URLPattern]]:
    """(URL name or pattern, pattern) for every URL of the project's own code."""

    def walk(patterns: Any, prefix: str) -> Iterator[tuple[str, URLPattern]]:
        for entry in patterns:
            if (prefix + str(entry.pattern)).startswith("admin/"):
                continue  # the Django admin: superusers only, through allauth's sign-in
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, prefix + str(entry.pattern))
            elif not entry.callback.__module__.startswith(THIRD_PARTY):
                yield entry.name or prefix + str(entry.pattern), entry

    yield from walk(get_resolver().url_patterns, "")


def test_every_url_is_declared() -> None:
    names = [name for name, _ in project_routes()]
    undeclared = sorted(set(names) - set(DECLARED))
    assert not undeclared, (
        "Declare these URLs in tests/security/test_url_matrix.py DECLARED: who may reach "
        "them (PUBLIC, LINK, SIGNED_IN, STAFF, ADMIN, VIEWERS), the method and the row filling "
        f"<pk> (see ROWS): {undeclared}"
    )
    stale = sorted(set(DECLARED) - set(names))
    assert not stale, f"DECLARED names URLs that no longer exist: {stale}"
    assert len(names) == len(set(names)), "two URL patterns share a name"


def rows(world: World) -> dict[str, int]:
    """The firm's rows each kind of <pk> points at (all in world.household)."""
    policy = make_policy(world)
    account = world.household.accounts.order_by("pk").first()
    assert account is not None
    lot = account.lots.order_by("pk").first()
    assert lot is not None
    transaction = TransactionFactory(account=account, security=world.securities["VTI"])
    token, _ = api_token_create(user=world.users["owner"], name="matrix")
    restriction = Restriction.objects.create(
        household=world.household,
        security=world.securities["VTI"],
        kind=RestrictionKind.DO_NOT_BUY,
        reason="Matrix",
    )
    return {
        "household": world.household.pk,
        "person": world.household.people.order_by("pk").first().pk,  # type: ignore[union-attr]
        "account": account.pk,
        "lot": lot.pk,
        "transaction": transaction.pk,
        "security": world.securities["VTI"].pk,
        "asset_class": world.classes["us_equity"].pk,
        "policy": policy.pk,
        "token": token.pk,
        "user": world.users["teammate"].pk,
        "restriction": restriction.pk,
        "model": make_model(world).pk,
        # No proposal, plan, review, run, order, import or mapping in the
        # world yet: refusals are still exercised.
        "proposal": MISSING,
        "plan": MISSING,
        "review": MISSING,
        "run": MISSING,
        "order": MISSING,
        "import": MISSING,
        "mapping": MISSING,
    }


def url_for(pattern: URLPattern, declared: Declared, ids: dict[str, int]) -> str:
    from django.urls import reverse

    kwargs: dict[str, Any] = {}
    for name in pattern.pattern.regex.groupindex:
        if name == "pk":
            assert declared.target, f"{pattern.name} has a <pk>: declare its target"
            kwargs["pk"] = ids[declared.target]
        elif name == "kind":
            kwargs["kind"] = declared.kind
        elif name in {"uidb64", "token"}:
            kwargs[name] = "x"
    return reverse(pattern.name, kwargs=kwargs) if pattern.name else "/" + str(pattern.pattern)


def answer(client: Client, method: str, path: str) -> Any:
    return client.post(path, {}) if method == P else client.get(path)


def check_csp(response: Any, path: str) -> None:
    if response.get("Content-Type", "").startswith("text/html"):
        assert "Content-Security-Policy" in response, path


def test_anonymous_visitors_reach_only_public_urls(world: World) -> None:
    ids = rows(world)
    for name, pattern in project_routes():
        declared = DECLARED[name]
        path = url_for(pattern, declared, ids)
        response = answer(APIClient(), declared.method, path)
        assert response.status_code < 500, path
        check_csp(response, path)
        if declared.audience == PUBLIC:
            assert response.status_code == 200, path
        elif declared.audience == LINK:
            assert response.status_code in {200, 302}, path
            assert b"Smith" not in response.content, path
        elif path.startswith("/api/"):
            assert response.status_code in {401, 403}, path
        else:
            assert response.status_code == 302, path
            assert response["Location"].startswith("/accounts/login/"), path


def test_another_firms_advisor_gets_404_for_every_row_of_this_firm(world: World) -> None:
    ids = rows(world)
    client = APIClient()
    client.force_login(world.users["foreign_advisor"])
    for name, pattern in project_routes():
        declared = DECLARED[name]
        if declared.target is None or declared.audience == PUBLIC:
            continue
        path = url_for(pattern, declared, ids)
        response = answer(client, declared.method, path)
        check_csp(response, path)
        expected = {403, 404} if declared.audience == ADMIN else {404}
        assert response.status_code in expected, f"{declared.method.upper()} {path}"


def test_clients_get_no_staff_url(world: World) -> None:
    ids = rows(world)
    client = APIClient()
    client.force_login(world.users["client"])
    for name, pattern in project_routes():
        declared = DECLARED[name]
        if declared.audience not in {STAFF, ADMIN}:
            continue
        path = url_for(pattern, declared, ids)
        response = answer(client, declared.method, path)
        check_csp(response, path)
        assert response.status_code in {403, 404}, f"{declared.method.upper()} {path}"


def test_every_page_of_the_owner_answers_with_csp(world: World) -> None:
    ids = rows(world)
    client = Client()
    client.force_login(world.users["owner"])
    for name, pattern in project_routes():
        declared = DECLARED[name]
        if declared.method != G:
            continue
        path = url_for(pattern, declared, ids)
        response = client.get(path)
        assert response.status_code < 500, path
        check_csp(response, path)

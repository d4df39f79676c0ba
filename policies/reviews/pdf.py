"""The review packet and the client's quarterly report as PDFs (WeasyPrint), and the page context.

Plain HTML and CSS (``templates/policies/reviews/packet_document.html`` and
``client_report.html``) with the charts as inline SVG, so page and PDF show the
same picture. WeasyPrint takes a second or more for a packet, so the rendered
file is kept with the review under a hash of everything it shows: it is
rendered again only when the figures, the review's text or its status change.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any

from django.core.files.base import ContentFile
from django.template.loader import render_to_string

from advisory.engine.drift import class_name
from policies.reviews.charts import line_chart, series_of
from policies.reviews.models import Review
from portfolios.selectors import firm_class_names

US_EQUITY = "us_equity"


def _pairs(rows: list[Any]) -> list[tuple[date, float]]:
    """``[[day, value], ...]`` (the engine's tuples, as plain JSON) as chart points."""
    return series_of(
        [{"day": row[0], "value": row[1]} for row in rows if isinstance(row, list | tuple)]
    )


def _correlation_series(row: dict[str, Any]) -> list[tuple[date, float]]:
    for key in ("series", "rolling", "history"):
        if isinstance(row.get(key), list):
            if row[key] and isinstance(row[key][0], list | tuple):
                return _pairs(row[key])
            for value_key in ("correlation", "value"):
                found = series_of(row[key], y=value_key)
                if found:
                    return found
    return []


def _named_rows(rows: Any, names: dict[str, str]) -> list[dict[str, Any]]:
    """Rows (dicts with ``asset_class``) with the class's name added; not a list: none."""
    if not isinstance(rows, list):
        return []
    named = []
    for row in rows:
        if isinstance(row, dict):
            code = str(row.get("asset_class") or row.get("code") or "")
            named.append({**row, "asset_class": code, "name": names.get(code) or class_name(code)})
    return named


def _scenarios(stress: Any, names: dict[str, str]) -> list[dict[str, Any]]:
    scenarios = stress.get("scenarios") if isinstance(stress, dict) else stress
    found = []
    for scenario in scenarios if isinstance(scenarios, list) else []:
        by_class = scenario.get("by_class") or []
        if isinstance(by_class, dict):
            by_class = [
                {"asset_class": code, "impact": impact} for code, impact in by_class.items()
            ]
        found.append({**scenario, "by_class": _named_rows(by_class, names)})
    return found


def _rows(section: Any, key: str) -> list[Any]:
    if isinstance(section, list):
        return section
    if isinstance(section, dict) and isinstance(section.get(key), list):
        return list(section[key])
    return []


def packet_context(packet: dict[str, Any], *, firm_id: int) -> dict[str, Any]:
    """What the packet page, its PDF and the client report show besides the packet itself."""
    names = firm_class_names(firm_id)
    growth = [("Portfolio", series_of(packet.get("growth") or []))]
    if packet.get("benchmark_growth"):
        growth.append(("IPS benchmark", series_of(packet.get("benchmark_growth") or [])))
    rows = _named_rows(_rows(packet.get("correlations"), "rows"), names)
    correlation_lines = [(row["name"], _correlation_series(row)) for row in rows]
    return {
        "packet": packet,
        "class_names": names,
        "us_equity_name": names.get(US_EQUITY, "US equity"),
        "growth_chart": line_chart(growth, reference=1.0),
        "correlation_chart": line_chart(
            correlation_lines, reference=0.0, y_range=(-1.0, 1.0), y_format="{:+.1f}"
        ),
        "drift_rows": _named_rows(packet.get("drift", {}).get("rows"), names),
        "out_of_band": any(
            isinstance(row, dict) and not row.get("in_band", True)
            for row in packet.get("drift", {}).get("rows") or []
        ),
        "drift_last_rows": _named_rows(
            (packet.get("drift_at_last_review") or {}).get("rows"), names
        ),
        "correlation_rows": rows,
        "stress_scenarios": _scenarios(packet.get("stress"), names),
        "rmd_rows": _rows(packet.get("rmds"), "rows"),
        "room_rows": _rows(packet.get("contribution_room"), "rows"),
        "unavailable": {
            key: packet[key]["unavailable"]
            for key in ("rmds", "contribution_room", "stress", "correlations")
            if isinstance(packet.get(key), dict) and "unavailable" in packet[key]
        },
    }


def _key(kind: str, review: Review, packet: dict[str, Any]) -> str:
    shown = {
        "kind": kind,
        "packet": packet,
        "status": review.status,
        "summary": review.summary,
        "checklist": review.checklist,
        "acknowledged_at": review.acknowledged_at.isoformat() if review.acknowledged_at else None,
    }
    return hashlib.sha256(json.dumps(shown, sort_keys=True, default=str).encode()).hexdigest()


def render_html(review: Review, packet: dict[str, Any], *, client: bool, produced_on: date) -> str:
    context = packet_context(packet, firm_id=review.household.firm_id)
    context.update(
        review=review,
        household=review.household,
        firm=review.household.firm,
        checklist=review.checklist_rows(),
        produced_on=produced_on,
    )
    template = "client_report.html" if client else "packet_document.html"
    return render_to_string(f"policies/reviews/{template}", context)


def review_pdf(review: Review, packet: dict[str, Any], *, client: bool, produced_on: date) -> bytes:
    """The PDF, from the kept file when nothing it shows has changed; else rendered and kept."""
    kind = "report" if client else "packet"
    stored = review.report_pdf if client else review.packet_pdf
    key = _key(kind, review, packet)
    if stored and (review.report_key if client else review.packet_key) == key:
        try:
            with stored.open("rb") as kept:
                return kept.read()
        except FileNotFoundError:
            pass
    from weasyprint import HTML  # heavy import; only when a document is rendered

    pdf: bytes = HTML(
        string=render_html(review, packet, client=client, produced_on=produced_on)
    ).write_pdf()
    old = stored.name if stored else ""
    stored.save(f"review-{review.pk}-{kind}.pdf", ContentFile(pdf), save=False)
    Review.objects.filter(pk=review.pk).update(**{f"{kind}_pdf": stored.name, f"{kind}_key": key})
    if old and old != stored.name:
        stored.storage.delete(old)
    return pdf

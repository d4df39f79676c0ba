"""The project explains itself: its docs link to files and headings that exist, and
nothing in the repository points to documents outside it."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to '-'."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors_of(document: Path) -> set[str]:
    headings = re.findall(r"^#+\s+(.*)$", document.read_text(encoding="utf-8"), re.MULTILINE)
    return {github_anchor(heading) for heading in headings}


def test_github_anchor_follows_githubs_rule() -> None:
    assert github_anchor("The cost `T`") == "the-cost-t"
    assert github_anchor("Reviews, RMDs, stress, returns (planned: issue 10)") == (
        "reviews-rmds-stress-returns-planned-issue-10"
    )


@pytest.mark.parametrize("document", DOCS, ids=lambda path: path.name)
def test_relative_links_reach_a_file_and_heading(document: Path) -> None:
    broken = []
    for target in LINK.findall(document.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target):
            continue
        file_part, _, anchor = target.partition("#")
        linked = (document.parent / file_part).resolve() if file_part else document
        if not linked.exists() or (anchor and anchor not in anchors_of(linked)):
            broken.append(target)
    assert broken == []


SKIPPED_DIRS = {".git", ".venv", "node_modules", "staticfiles", "media", "__pycache__"}
SOURCE_SUFFIXES = {".py", ".md", ".html", ".txt", ".toml", ".cfg", ".yml", ".yaml"}


def project_files() -> list[Path]:
    files = []
    for folder, subfolders, names in os.walk(ROOT):
        subfolders[:] = [name for name in subfolders if name not in SKIPPED_DIRS]
        files += [Path(folder, name) for name in names if Path(name).suffix in SOURCE_SUFFIXES]
    return files


def test_nothing_points_outside_the_repository() -> None:
    files = project_files()
    assert ROOT / "README.md" in files
    pointing_out = [
        str(path.relative_to(ROOT))
        for path in files
        if path != Path(__file__).resolve()
        and "../shared/" in path.read_text(encoding="utf-8", errors="replace")
    ]
    assert pointing_out == []

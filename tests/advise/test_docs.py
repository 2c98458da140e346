"""docs/benchmark.md and docs/advise.md are made from the shipped evidence, and are current."""

from __future__ import annotations

from pathlib import Path

from actlab.advise.evidence import load_evidence
from actlab.advise.markdown import benchmark_page
from actlab.advise.pages import advise_page
from actlab.advise.rules import RULES

DOCS = Path(__file__).resolve().parents[2] / "docs"
REGENERATE = "regenerate with: python -c \"from actlab.advise.pages import write_pages; write_pages('docs')\""


def test_benchmark_page_is_current():
    assert (DOCS / "benchmark.md").read_text(encoding="utf-8") == benchmark_page(load_evidence()), (
        REGENERATE
    )


def test_advise_page_is_current_and_has_every_rule():
    text = (DOCS / "advise.md").read_text(encoding="utf-8")
    assert text == advise_page(load_evidence()), REGENERATE
    for rule in RULES:
        assert f"`{rule.id}`" in text
    assert "| **hit rate** |" in text


def test_benchmark_page_has_a_leaderboard_per_setting_and_the_overall_table():
    evidence = load_evidence()
    text = benchmark_page(evidence)
    assert "## Overall ranks" in text
    for s in evidence.settings:
        assert f"## {s.name}" in text
        for c in s.cells:
            assert f"| {c.activation} |" in text or f"| **{c.activation}** |" in text

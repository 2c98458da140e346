"""The generated catalogue page: current, deterministic, complete, and its corrections correct."""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import numpy as np
import pytest
from scipy import special

import actlab
import actlab.report.catalogue.docs as docs_module
from actlab.catalog import INF, SMOOTH, ActivationSpec, Interval, Properties
from actlab.report.catalogue.catalogue_text import catalogue_records, fmt, plain_formula
from actlab.report.catalogue.docs import catalogue_markdown, entry_markdown, write_catalogue
from actlab.report.catalogue.misstatements import (
    gelu,
    leaky_vs_prelu,
    misstatements,
    selu,
    softplus,
)

COMMITTED = Path(__file__).resolve().parents[1] / "docs" / "catalogue.md"


def test_committed_catalogue_is_current():
    expected = catalogue_markdown()
    actual = COMMITTED.read_text(encoding="utf-8") if COMMITTED.exists() else ""
    if actual != expected:
        diff = difflib.unified_diff(
            actual.splitlines(),
            expected.splitlines(),
            "docs/catalogue.md (committed)",
            "generated",
            lineterm="",
            n=1,
        )
        pytest.fail(
            "docs/catalogue.md is out of date with the spec table: run make docs\n"
            + "\n".join(list(diff)[:30]),
            pytrace=False,
        )


def test_markdown_is_deterministic():
    assert catalogue_markdown() == catalogue_markdown()


def test_every_entry_has_a_section_with_its_formulas():
    page = catalogue_markdown()
    for spec in actlab.specs():
        section = "\n".join(entry_markdown(spec))
        assert section in page
        assert f"### {spec.name}\n" in section and f"](#{spec.name})" in page
        assert f"f(x) = {spec.formula}\n" in section
        assert spec.formula_d1 in section
        for p in spec.params:
            assert f"| `{p.name}` |" in section
        if spec.elementwise:
            assert f"(img/{spec.name}.png)" in section
            assert f"| Range | {spec.output_range} |" in section


def test_write_catalogue_writes_page_and_one_png_per_elementwise_entry(tmp_path, monkeypatch):
    # A few entries (two elementwise, one multi-input if any) keep this fast; `make docs` and
    # the committed-page test cover the whole table.
    table = actlab.specs()
    few = [s for s in table if s.elementwise][:2] + [s for s in table if not s.elementwise][:1]
    monkeypatch.setattr(docs_module, "specs", lambda: few)
    page = write_catalogue(tmp_path)
    assert page.read_text(encoding="utf-8") == catalogue_markdown()
    assert all(f"### {s.name}\n" in page.read_text(encoding="utf-8") for s in few)
    expected = {f"{s.name}.png" for s in few if s.elementwise}
    assert {p.name for p in (tmp_path / "img").iterdir()} == expected
    assert all(p.read_bytes()[:4] == b"\x89PNG" for p in (tmp_path / "img").iterdir())


def test_records_are_strict_json():
    text = json.dumps(catalogue_records(), allow_nan=False)
    assert len(json.loads(text)) == len(actlab.names())
    with pytest.raises(ValueError, match="valid families"):
        catalogue_records("relu_like")


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        (r"\frac{1}{1 + e^{-x}}", "1/(1 + e^(-x))"),
        (r"\max(0, x)^2", "max(0, x)²"),
        (r"\begin{cases} x & x > 0 \\ \alpha x & x \le 0 \end{cases}", "x if x > 0; α x if x ≤ 0"),
        (r"\tfrac{x}{2}\left(1 + \operatorname{erf}(x/\sqrt{2})\right)", "(x/2)(1 + erf(x/√2))"),
        (
            r"\begin{cases} 1 & 0 < x < 6 \\ 0 & \text{otherwise} \end{cases}",
            "1 if 0 < x < 6; 0 otherwise",
        ),
    ],
)
def test_plain_formula(latex, text):
    assert plain_formula(latex) == text


# -- the corrections, on unregistered stand-in specs with the true math --------------------
SELU_ALPHA, SELU_SCALE = 1.6732632423543772, 1.0507009873554805


def _spec(name, ref, ref_d1, rng, limits, smooth=SMOOTH, **params):
    return ActivationSpec(
        name=name,
        family="exponential",
        summary=name,
        fn=lambda x: x,
        ref=ref,
        ref_d1=ref_d1,
        formula="f",
        formula_d1="f'",
        output_range=rng,
        limits=limits,
        properties=Properties(monotonic=True, smoothness=smooth, zero_centred=False),
        year=2000,  # every spec has one; these stand-ins cite no paper
        **params,
    )


STAND_INS = {
    "softplus": _spec(
        "softplus",
        lambda x: np.logaddexp(0, x),
        special.expit,
        Interval(0, INF, low_open=True),
        (0.0, INF),
    ),
    "selu": _spec(
        "selu",
        lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(np.minimum(x, 0))),
        lambda x: x,
        Interval(-SELU_SCALE * SELU_ALPHA, INF, low_open=True),
        (-SELU_SCALE * SELU_ALPHA, INF),
        smooth=0,
    ),
    "gelu": _spec(
        "gelu",
        lambda x: x * special.ndtr(x),
        lambda x: x,
        Interval(-0.16997120747990, INF),
        (0.0, INF),
    ),
}


def test_softplus_correction_quotes_the_table():
    text = softplus(STAND_INS.get)
    assert f"softplus(−30) = {fmt(np.logaddexp(0, -30))} > 0" in text
    assert f"softplus(5) = {fmt(np.logaddexp(0, 5))} > 1" in text
    assert "(0, ∞)" in text


def test_selu_correction_recovers_the_constants():
    text = selu(STAND_INS.get)
    assert f"selu(1) = {fmt(SELU_SCALE)} = λ" in text
    assert f"selu(2) = {fmt(2 * SELU_SCALE)} = 2λ" in text
    assert f"α = {fmt(SELU_ALPHA)}" in text and "selu(0) = 0" in text


def test_gelu_correction_quotes_phi():
    text = gelu(STAND_INS.get)
    assert f"gelu(1) = Φ(1) = {fmt(special.ndtr(1.0))}" in text
    assert f"gelu(−3) = {fmt(-3 * special.ndtr(-3.0))}" in text


def test_leaky_and_prelu_share_a_formula():
    text = leaky_vs_prelu(actlab.get)
    assert "differ by at most 0 on" in text
    assert "`negative_slope` is fixed" in text and "`weight` is learned" in text


def test_corrections_skip_missing_entries():
    assert misstatements(lambda name: None) == []
    assert len(misstatements(STAND_INS.get)) == 3


def test_page_carries_the_corrections_of_registered_entries():
    page = catalogue_markdown()
    for text in misstatements():
        assert text in page

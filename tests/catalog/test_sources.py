"""Every entry's source, and the names issue 16 asks the catalogue to answer to.

A spec's `paper` is written once in the house style and read as structured citations
(actlab.catalog.citation); here every entry's must read, and give the entry's year.
"""

from __future__ import annotations

import pytest

import actlab
from actlab.catalog.citation import Citation, parse_citation, parse_citations

# Named in issue 16 (the survey's names, Kunc & Kléma 2024): each must resolve, by name or alias.
REQUIRED = (
    "penalized_tanh soft_clipping bipolar_sigmoid hard_elish srelu aria2 erf_act pflu gish golu "
    "phish sqnl isigmoid swish_t dsilu rsigelu mexican_hat sinc soft_exponential sqrt_relu relun "
    "trec loglog complementary_loglog probit shifted_softplus soft_root_sign abrelu pdelu fts"
).split()


def test_the_catalogue_has_at_least_200_entries():
    assert len(actlab.specs()) >= 200


@pytest.mark.parametrize("name", REQUIRED)
def test_every_required_name_resolves(name):
    spec = actlab.get(name)
    assert name == spec.name or name in spec.aliases


def test_the_survey_spellings_point_at_the_right_functions():
    # an alias must name the same function, not a neighbour: spot-check the renamed ones
    assert actlab.get("relun").name == "brelu"  # min(max(0, x), n)
    assert actlab.get("trec").name == "threshold"  # x above t, else 0
    assert actlab.get("complementary_loglog").name == "cloglog"
    assert actlab.get("mexican_hat").name == "pmaf"


def test_the_adaptive_family_has_learnable_parameters():
    adaptive = actlab.specs("adaptive")
    assert len(adaptive) >= 40
    assert all(spec.learnable for spec in adaptive), [s.name for s in adaptive if not s.learnable]


@pytest.mark.parametrize("spec", actlab.specs(), ids=lambda s: s.name)
def test_every_entry_cites_authors_title_venue_and_year(spec):
    cites = parse_citations(spec.paper)
    assert cites and all(c.authors and c.title and c.venue for c in cites)
    assert min(c.year for c in cites) == spec.year  # the year is the first publication's


def test_citations_read_titles_notes_and_several_works():
    (c,) = parse_citations(
        "Patwardhan & Walambe, 'ARiA: Utilizing Richard's Curve', arXiv:1805.08878, 2018 "
        "(ARiA2: alpha = 1.5; beta = 2)"
    )
    assert c == Citation(
        "Patwardhan & Walambe",
        "ARiA: Utilizing Richard's Curve",
        "arXiv:1805.08878",
        2018,
        "ARiA2: alpha = 1.5; beta = 2",
    )
    first, second = parse_citations("A & B, 'T1', ICML 2010; C et al., 'T2', Nature 1:2-3, 2011")
    assert (first.venue, first.year, second.authors, second.venue) == (
        "ICML 2010",
        2010,
        "C et al.",
        "Nature 1:2-3",
    )


@pytest.mark.parametrize(
    "text",
    [
        "Hendrycks & Gimpel 2016 (SiLU)",  # no title
        "Xu, Wang & Li, 'Empirical Evaluation', 2015",  # no venue
        "Xu, Wang & Li, 'Empirical Evaluation', ICML",  # no year
    ],
)
def test_a_citation_outside_the_house_style_is_named(text):
    with pytest.raises(ValueError, match="citation"):
        parse_citation(text)


@pytest.mark.parametrize("spec", actlab.specs(), ids=lambda s: s.name)
def test_every_entry_says_where_its_formula_was_checked(spec):
    # a sentence naming what was read (an equation, a section, an abstract, code, a page)
    sources = ("eq", "§", "abstract", "code", "paper", "page", "survey", "doc", "text", "defin")
    assert len(spec.checked) > 40, spec.checked
    assert any(word in spec.checked.lower() for word in sources), spec.checked

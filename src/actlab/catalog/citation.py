"""A spec's `paper` text read as structured sources: authors, title, venue, year.

Entries cite in one house style, so the text stays the one place to write a source and the
structure is read from it rather than typed twice:

    Authors, 'Title', Venue [volume:pages], Year (note)   [; next citation ...]

`Authors` is "A", "A & B", "A, B & C" or "A et al."; the title is in single quotes (it may hold
an apostrophe, as in "Richard's Curve"); a parenthetical after the venue is a note (an arXiv
preprint with its year, or which member of a family the entry is). Several citations are
separated by "; " outside parentheses, first the one that named the function.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

# Authors, then the title in quotes: the title ends at the last quote that is followed by a
# comma, a parenthesis or the end, so an apostrophe inside the title is kept.
_CITATION = re.compile(
    r"^(?P<authors>[^',]+(?:, [^',]+)*), '(?P<title>.+?)'(?=,|\s*\(|$)(?P<rest>.*)$"
)
_YEAR = re.compile(r"(?<![\w.:/-])(?:19|20)\d{2}(?![\w.])")


@dataclass(frozen=True)
class Citation:
    """One cited work: who, what, where and when (as written in the spec's `paper`)."""

    authors: str
    title: str
    venue: str
    year: int
    note: str = ""

    def record(self) -> dict[str, Any]:
        return asdict(self)


def _split_outside_parentheses(text: str, separator: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0 and text.startswith(separator, i):
            parts.append(text[start:i])
            start = i + len(separator)
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def _note_and_venue(rest: str) -> tuple[str, str]:
    """The venue text and the trailing parenthetical note of what follows the title."""
    rest = rest.strip().lstrip(",").strip()
    note = ""
    if rest.endswith(")"):
        depth = 0
        for i in range(len(rest) - 1, -1, -1):
            depth += rest[i] == ")"
            depth -= rest[i] == "("
            if depth == 0:
                note, rest = rest[i + 1 : -1].strip(), rest[:i].strip()
                break
    rest = rest.rstrip(",").strip()
    if _YEAR.fullmatch(rest):
        return "", note
    # A year standing as its own element ("arXiv:1606.08415, 2016") is the `year` field;
    # one inside the venue's name ("ICML 2010") stays part of it.
    return re.sub(r",\s*(?:19|20)\d{2}$", "", rest).strip(), note


def parse_citation(text: str) -> Citation:
    """One citation in the house style (ValueError that quotes it, if it is not)."""
    match = _CITATION.match(text.strip())
    if match is None:
        raise ValueError(f"not a citation of the form Authors, 'Title', Venue, Year: {text!r}")
    years = [int(y) for y in _YEAR.findall(match["rest"])]
    venue, note = _note_and_venue(match["rest"])
    if not venue or not years:
        raise ValueError(f"citation without its venue and year: {text!r}")
    return Citation(match["authors"].strip(), match["title"].strip(), venue, min(years), note)


def parse_citations(paper: str) -> tuple[Citation, ...]:
    """Every citation in a spec's `paper`, in order (ValueError naming the one that fails)."""
    return tuple(parse_citation(part) for part in _split_outside_parentheses(paper, "; "))

"""Name matching shared by the registry and the spec's parameter checks: the lookup key and the
close matches an error message suggests."""

from __future__ import annotations

import difflib


def key(name: str) -> str:
    """The lookup key of a name: case, surrounding spaces and hyphens do not matter."""
    return name.strip().lower().replace("-", "_")


def _prefix(a: str, b: str) -> int:
    return next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )


def close_matches(name: str, candidates: list[str], n: int = 3) -> list[str]:
    """The `n` candidates most like `name` (difflib's ratio, at least 0.5). With 200+ names
    many tie on the ratio (relu7 is as like relu6 as vrelu and srelu), so a shared beginning
    breaks the tie: a typo is likelier at the end of a name than a whole new prefix."""
    matcher = difflib.SequenceMatcher(b=name)
    scored = []
    for candidate in candidates:
        matcher.set_seq1(candidate)
        if matcher.real_quick_ratio() >= 0.5 and matcher.quick_ratio() >= 0.5:
            ratio = matcher.ratio()
            if ratio >= 0.5:
                scored.append((ratio + 0.01 * _prefix(name, candidate), candidate))
    return [c for _, c in sorted(scored, key=lambda sc: -sc[0])[:n]]

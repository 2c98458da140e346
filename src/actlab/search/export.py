"""`actlab search export RUN --top 5`: catalogue-ready entries for the best candidates of a
finished search, as text to paste into a file of `src/actlab/catalog/entries/`.

Each entry is one `register(ActivationSpec(...))` with everything the spec table needs: `fn`
(torch, the safe forms, self-contained), `ref` (NumPy float64, the same safe forms), `ref_d1`
(the analytic derivative by SymPy, NumPy/SciPy code), parameters (each β fixed at the mean
value the finalists learned, or 1), LaTeX of f and f′, and the range, properties and limits
measured numerically (`actlab.expr.facts`). The generated catalogue tests then check every
claim; a kink's convention (`kinks`, `kink_derivative`) and the family are for the author to
confirm, and a comment above each entry says how it ranked.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

from actlab.expr import canonical_tree, show
from actlab.expr.code import source
from actlab.expr.facts import measure
from actlab.expr.symbolic import latex, numpy_code

HEADER = """# Catalogue-ready entries from actlab search ({run}); in an entries file these names come from:
#   import math
#   import numpy, numpy as np, scipy.special, torch
#   from actlab.catalog.registry import register
#   from actlab.catalog.spec import INF, REALS, SMOOTH, ActivationSpec, Interval, Param, Properties
"""
_FAMILY = {"relu-like": "relu-like", "swish-like": "smooth-gated", "tanh-like": "saturating",
           "sigmoid-like": "saturating", "periodic": "periodic", "linear": "linear"}  # fmt: skip


class ExportError(ValueError):
    """The folder holds no finished search (no ranking.json) or the request cannot be met."""


def load_ranking(run: str | Path) -> dict[str, Any]:
    path = Path(run)
    path = path / "ranking.json" if path.is_dir() else path
    if not path.is_file():
        raise ExportError(
            f"no ranking.json in {run}: give the --out folder of a finished `actlab search`"
        )
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise ExportError(f"{path} is not a search ranking ({error})") from None


def entry_name(expression: str) -> str:
    """A snake_case registry name from the expression: ``search_x_sigmoid_beta_x``."""
    spelled = expression.lower()
    for sign, word in (("-", " minus "), ("+", " plus "), ("/", " over "), ("^", " pow ")):
        spelled = spelled.replace(sign, word)
    words = re.findall(r"[a-z]+|\d+", spelled)
    return ("search_" + "_".join(words))[:60].rstrip("_")


def _number(v: float) -> str:
    if math.isinf(v):
        return "INF" if v > 0 else "-INF"
    return repr(round(v, 6) + 0.0)


def entry(row: dict[str, Any], total: int, setting: str) -> str:
    """The text of one entry for a ranking row."""
    tree, _ = canonical_tree(row["expression"].removeprefix("expr:"))
    text = show(tree)
    names = sorted({n for n in re.findall(r"\bbeta\d*\b", text)}, key=lambda n: int(n[4:] or 1))
    values = {n: float(row.get("learned", {}).get(n, 1.0)) for n in names}
    facts = measure(tree, values)
    formula, formula_d1 = latex(tree)
    args = "".join(f", {n}" for n in names)
    final = row.get("final") or {}
    lines = [f"# rank {row['rank']} of {total:,} ({setting}); fitness {100 * row['fitness']:.2f}% "
             f"({row['fitness_stage']}, validation)"]  # fmt: skip
    if final:
        lines.append(
            f"# final stage: test {100 * final['test_acc_mean']:.2f}% over {final['n_seeds']} "
            f"seeds, Δ vs baseline {100 * final['diff_vs_baseline']:+.2f} pp, p (Holm) "
            f"{final['p_value_holm']:.3g}" if final.get("p_value_holm") is not None else
            f"# final stage: test {100 * final['test_acc_mean']:.2f}%"
        )  # fmt: skip
    if row.get("members"):
        lines.append(f"# equal on the fingerprint grid: {', '.join(row['members'][:4])}")
    learned = row.get("learned", {})
    params = ", ".join(
        f'Param("{n}", {values[n]!r}, REALS, doc="'
        + ("Mean value the finalists learned (over layers and seeds)" if n in learned
           else "Initialised to 1 and learned in the search; no learned value was stored")
        + '")'
        for n in names
    )  # fmt: skip
    props = (
        f"Properties(monotonic={facts.monotonic}, smoothness="
        f"{'SMOOTH' if facts.smoothness == 'C^∞' else 0}, zero_centred={facts.zero_centred})"
    )
    limits = (facts.limit_low, facts.limit_high)
    shown_limits = "None" if None in limits else f"({_number(limits[0])}, {_number(limits[1])})"
    lines += [
        "register(",
        "    ActivationSpec(",
        f'        name="{entry_name(text)}",',
        f'        family="{_family(row.get("family", ""), facts.smoothness)}",  # from the shape: check',
        f'        summary="{text}: found by actlab search ({setting}).",',
        f"        fn=lambda x{args}: {source(tree, 'torch')},",
        f"        ref=lambda x{args}: {source(tree, 'numpy')},",
        f"        ref_d1=lambda x{args}: {numpy_code(tree, derivative=True)},",
        f"        params=({params},)," if names else "        params=(),",
        f'        formula=r"{formula}",',
        f'        formula_d1=r"{formula_d1}",',
        f"        output_range=Interval({_number(facts.low)}, {_number(facts.high)}),",
        f"        properties={props},",
        f"        limits={shown_limits},",
        "        paper=\"Search space of Ramachandran, Zoph & Le, 'Searching for Activation "
        "Functions', arXiv:1710.05941, 2017; found by actlab search\",",
        "    )",
        ")",
    ]
    return "\n".join(lines)


def _family(shape: str, smoothness: str) -> str:
    return _FAMILY.get(shape, "smooth-gated" if smoothness == "C^∞" else "relu-like")


def export(run: str | Path, top: int = 5) -> str:
    """Entries for the `top` best candidates of the search in `run` (its --out folder)."""
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise ExportError(f"--top must be an integer >= 1, got {top!r}")
    data = load_ranking(run)
    rows = data.get("ranking") or []
    if not rows:
        raise ExportError(f"the search in {run} ranked no candidate")
    config = data.get("config", {})
    setting = f"{config.get('space', '?')}, {config.get('dataset', '?')}/{config.get('model', '?')}"
    blocks = [entry(row, data.get("n_candidates", len(rows)), setting) for row in rows[:top]]
    return HEADER.format(run=run) + "\n\n" + "\n\n".join(blocks) + "\n"

"""Search for activation functions, as Ramachandran, Zoph & Le (2017) found Swish.

>>> from actlab.search import from_dict, run_search
>>> config = from_dict({"unary": "x,sigmoid,relu", "binary": "mul,max", "out": "runs/tiny"})
>>> result = run_search(config)                  # doctest: +SKIP
>>> result.ranking[0]["expression"]              # doctest: +SKIP

- `space`: core units over the paper's operations (`core1`, `core2`, restricted sets);
- `fingerprint`: values and derivatives on a grid drop non-finite, constant, equal candidates;
- `strategies`: exhaustive, random, regularized evolution (mutation, crossover);
- `stages` / `run`: successive halving as experiments over one store, then the finalists
  against the baseline and on transfer settings;
- `result` / `outputs`: the ranking (JSON, CSV), figures, families and report.html;
- `export`: catalogue-ready entries for the best.
"""

from actlab.search.config import SearchConfig, SearchConfigError, from_dict
from actlab.search.result import SearchResult
from actlab.search.run import SearchError, plan_search, run_search

__all__ = [
    "SearchConfig",
    "SearchConfigError",
    "SearchError",
    "SearchResult",
    "from_dict",
    "plan_search",
    "run_search",
]

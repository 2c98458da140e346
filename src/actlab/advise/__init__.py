"""Which activation should I use? Rules with their sources, measured evidence, a check.

- `advise(setting)` / ``actlab advise``: a ranked shortlist with reasons (`rules.RULES`, each
  with its source), the evidence-base cells nearest the setting, cautions, and the
  `actlab compare` command that verifies it; `--verify` trains the shortlist on your model.
- The evidence base: `suite.SETTINGS` run by ``actlab bench suite`` (`run_suite`), shipped as
  ``evidence/suite-v1.json`` (`load_evidence`); docs/benchmark.md is made from it.
- `evaluate.leave_one_out`: the honest evaluation in docs/advise.md.

>>> from actlab.advise import advise
>>> advise(arch="mlp", depth=20, norm="none").recommendations[0].activation  # doctest: +SKIP
"""

from __future__ import annotations

from actlab.advise.advisor import Advice, Recommendation, advise
from actlab.advise.evidence import Evidence, load_evidence
from actlab.advise.rules import RULES, Rule
from actlab.advise.setting import Setting

__all__ = [
    "RULES",
    "Advice",
    "Evidence",
    "Recommendation",
    "Rule",
    "Setting",
    "advise",
    "load_evidence",
]

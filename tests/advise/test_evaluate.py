"""Leave-one-setting-out on small constructed evidence tables with known answers."""

from __future__ import annotations

from actlab.advise.evaluate import leave_one_out, mean_rank_order, rates, table
from tests.advise._evidence import evidence, setting


def _table():
    # Three shallow MLP settings where gelu wins, and one deep plain MLP where selu wins
    # clearly; sigmoid is last everywhere.
    shallow = {"gelu": 0.80, "relu": 0.76, "selu": 0.70, "tanh": 0.72, "sigmoid": 0.50}
    deep = {"gelu": 0.60, "relu": 0.55, "selu": 0.75, "tanh": 0.40, "sigmoid": 0.10}
    return evidence(
        setting("a", shallow),
        setting("b", {**shallow, "relu": 0.81}),
        setting("c", shallow, data="image"),
        setting("deep", deep, depth=12),
    )


def test_good_set_is_what_lies_in_the_best_interval():
    s = setting("x", {"gelu": 0.80, "relu": 0.795, "tanh": 0.70}, spread=0.01)
    # 3 seeds at ±0.01: the best's 95% interval is 0.80 ± 4.303 * 0.01 / sqrt(3) = ±0.0248
    assert s.good_set() == {"gelu", "relu"}
    assert s.best.activation == "gelu"


def test_each_fold_uses_only_the_other_settings():
    folds = {f.setting: f for f in leave_one_out(_table())}
    # Leaving "b" out: relu wins "b" but gelu wins the others, so the overall ranking
    # (built without "b") starts with gelu; gelu is within b's best interval, so a hit.
    assert folds["b"].best == "relu"
    assert folds["b"].overall[0] == "gelu"
    assert folds["b"].overall_hit and folds["b"].overall_top1
    # Leaving "deep" out: no other deep setting, so the overall ranking says gelu, relu,
    # tanh/selu; selu (0.75) is alone within its interval, so top-1 misses.
    assert folds["deep"].good == ("selu",)
    assert not folds["deep"].overall_top1
    # The advisor's rules (selu-self-normalising +1.5, dying-relu-deep −0.5 for relu) apply to
    # the deep description although no deep evidence is left, and the shallow settings'
    # evidence is shrunk towards the median as it comes from far away: selu climbs to second.
    assert folds["deep"].advisor == ("gelu", "selu", "relu") and folds["deep"].advisor_hit
    assert folds["deep"].overall == ("gelu", "relu", "tanh") and not folds["deep"].overall_hit
    assert not folds["deep"].relu_hit


def test_rates_and_table():
    folds = leave_one_out(_table())
    r = rates(folds)
    assert r["settings"] == 4
    assert r["advisor_top3"] == sum(f.advisor_hit for f in folds) / 4
    assert r["relu"] == sum(f.relu_hit for f in folds) / 4 == 0.25  # relu wins only "b"
    lines = table(folds)
    assert lines[0].startswith("| left-out setting") and len(lines) == 2 + 4 + 1
    assert "25% (1/4)" in lines[-1]


def test_mean_rank_order_puts_unmeasured_last():
    ev = _table()
    assert mean_rank_order(ev, ["sigmoid", "swiglu", "gelu"]) == ["gelu", "sigmoid", "swiglu"]


def test_no_fold_sees_its_own_setting():
    # If the held-out setting leaked into its fold, "b"'s relu win would put relu first in the
    # overall ranking of that fold; it does not.
    ev = _table()
    fold = next(f for f in leave_one_out(ev) if f.setting == "b")
    assert fold.overall[0] != "relu"

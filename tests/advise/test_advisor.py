"""The advisor on the shipped evidence: the issue's done-when checks, the output's shape,
settings by flags and by a real model, and its errors."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from actlab.advise import advise
from actlab.advise.advisor import distance, evidence_scores
from actlab.advise.evidence import load_evidence
from actlab.advise.setting import Setting, describe_setting
from actlab.cli import main
from tests.advise._evidence import evidence, setting

EVIDENCE = load_evidence()


@pytest.mark.parametrize("depth", [10, 20, 50])
def test_deep_plain_mlp_never_ranks_sigmoid_or_tanh_in_its_top_3_and_says_why(depth):
    advice = advise(arch="mlp", depth=depth, norm="none", evidence=EVIDENCE)
    top3 = [r.activation for r in advice.recommendations[:3]]
    assert "sigmoid" not in top3 and "tanh" not in top3
    avoided = {a["activation"]: a for a in advice.avoid}
    for name in ("sigmoid", "tanh"):
        rules = {r["rule"]: r for r in avoided[name]["reasons"]}
        why = rules["vanishing-saturating-deep"]
        assert "Glorot & Bengio" in why["source"] and "Hochreiter" in why["source"]
        assert "vanish" in why["finding"]


def test_the_cli_explains_it_too():
    result = CliRunner().invoke(
        main, ["advise", "--arch", "mlp", "--depth", "20", "--norm", "none"]
    )
    assert result.exit_code == 0, result.output
    head = result.output.split("Counted against here")[0]
    assert "\n1. " in head and "\n3. " in head
    for name in ("sigmoid", "tanh"):
        assert f". {name} " not in head
    tail = result.output.split("Counted against here")[1]
    assert "sigmoid" in tail and "tanh" in tail and "Glorot & Bengio" in tail


def test_transformer_puts_a_gelu_or_gated_form_first():
    for depth in (2, 6, 24):
        first = advise(arch="transformer", depth=depth, evidence=EVIDENCE).recommendations[0]
        assert first.activation in ("gelu", "gelu_tanh", "swiglu", "geglu", "reglu")
        sources = " ".join(r.source for r in first.reasons)
        assert "Shazeer" in sources or "Hendrycks & Gimpel" in sources


def test_an_architecture_brings_its_usual_norm_residual_and_data():
    assert describe_setting(arch="transformer") == Setting(
        "transformer", norm="layer", residual=True, data="sequence"
    )
    assert describe_setting(arch="resnet", depth=9) == Setting("resnet", 9, "batch", True, "image")
    assert describe_setting() == Setting() and describe_setting(arch="mlp") == Setting()
    # What is given wins over the architecture's defaults.
    assert describe_setting(arch="transformer", norm="none", residual=False) == Setting(
        "transformer", norm="none", residual=False, data="sequence"
    )
    assert advise(arch="resnet", evidence=EVIDENCE).setting.norm == "batch"
    with pytest.raises(ValueError, match="arch must be one of .*did you mean 'mlp'"):
        describe_setting(arch="mpl")
    out = CliRunner().invoke(main, ["advise", "--arch", "transformer", "--no-residual", "--json"])
    assert out.exit_code == 0, out.output
    setting_out = json.loads(out.output)["setting"]
    assert setting_out["norm"] == "layer" and setting_out["residual"] is False


def test_gated_forms_only_where_a_feed_forward_block_can_widen():
    assert not {"swiglu", "geglu"} & set(advise(arch="mlp", evidence=EVIDENCE).ranking)
    assert {"swiglu", "geglu"} <= set(advise(arch="transformer", evidence=EVIDENCE).ranking)


def test_json_has_the_shape_the_issue_names():
    result = CliRunner().invoke(main, ["advise", "--arch", "cnn", "--target", "mobile", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["setting"]["arch"] == "cnn" and data["setting"]["target"] == "mobile"
    recs = data["recommendations"]
    assert [r["rank"] for r in recs] == list(range(1, len(recs) + 1))
    for r in recs:
        assert set(r) >= {"activation", "rank", "reasons", "evidence", "cautions"}
        assert all(set(reason) >= {"rule", "source"} for reason in r["reasons"])
        for cell in r["evidence"]:
            assert cell["n"] >= 2 and cell["ci95"][0] <= cell["mean"] <= cell["ci95"][1]
    # mobile: the cheap piecewise-linear units lead, with MobileNet as the source
    assert recs[0]["activation"] in ("hardswish", "relu", "relu6", "leaky_relu")
    assert any("MobileNetV3" in reason["source"] for reason in recs[0]["reasons"])
    assert data["compare_command"].startswith("actlab compare --model cnn")


def test_cautions_come_with_their_source():
    advice = advise(arch="mlp", depth=20, norm="none", evidence=EVIDENCE, top=30)
    by_name = {r.activation: r for r in advice.recommendations}
    assert any("LeCun-normal" in c and "Klambauer" in c for c in by_name["selu"].cautions)
    assert any("dead units" in c for c in by_name["relu"].cautions)
    mobile = advise(target="mobile", evidence=EVIDENCE, top=30)
    gelu = next(r for r in mobile.recommendations if r.activation == "gelu")
    assert any("transcendental" in c for c in gelu.cautions)
    memory = advise(priority="memory", evidence=EVIDENCE, top=30)
    silu = next(r for r in memory.recommendations if r.activation == "silu")
    assert any("impl='lean'" in c for c in silu.cautions)


def test_the_compare_command_parses_and_plans():
    advice = advise(arch="mlp", depth=12, norm="batch", evidence=EVIDENCE)
    args = advice.compare_command.split()[1:] + ["--dry-run", "--epochs", "1"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output


def test_evidence_weighs_near_settings_more():
    deep = setting("deep", {"selu": 0.9, "relu": 0.5}, depth=12)
    shallow = setting("shallow", {"selu": 0.5, "relu": 0.9})
    ev = evidence(deep, shallow)
    near_deep = evidence_scores(ev, Setting("mlp", 16))
    near_shallow = evidence_scores(ev, Setting("mlp", 1))
    assert near_deep["selu"] > near_deep["relu"] and near_shallow["relu"] > near_shallow["selu"]
    assert distance(Setting(), Setting()) == 0
    assert distance(Setting("cnn"), Setting("resnet")) < distance(Setting("cnn"), Setting("mlp"))


def test_bad_settings_are_named():
    with pytest.raises(ValueError, match="arch must be one of .*'cnn'"):
        Setting(arch="cnnn")
    with pytest.raises(ValueError, match="depth must be an integer >= 1"):
        Setting(depth=0)
    with pytest.raises(ValueError, match="top must be an integer"):
        advise(top=0, evidence=EVIDENCE)
    result = CliRunner().invoke(main, ["advise", "--budget", "10m"])
    assert result.exit_code == 2 and "--budget applies with --verify only" in result.output
    result = CliRunner().invoke(main, ["advise", "--verify"])
    assert result.exit_code == 2 and "--verify needs your model" in result.output


def test_rnn_and_generation_say_the_evidence_has_no_such_setting():
    assert "no recurrent setting" in advise(arch="rnn", evidence=EVIDENCE).notes[0]
    assert "tanh" in [
        r.activation for r in advise(arch="rnn", evidence=EVIDENCE).recommendations[:3]
    ]
    assert any(
        "generative" in n
        for n in advise(arch="transformer", task="generation", evidence=EVIDENCE).notes
    )

"""The kernel benchmark's measurements (tiny sizes: what it reports, not how fast)."""

import json

import pytest
from click.testing import CliRunner

from actlab.cli import main
from actlab.kernels import bench, compiled

OPS = (("relu", ("native", "lean")), ("serf", ("native", "lean", "fewbit")))


@pytest.fixture(scope="module")
def rows():
    return bench.measure_kernels(
        sizes=(4096,), threads=(1,), repeats=1, ops=OPS, with_compiled_naive=False
    )


def _row(rows, activation, impl):
    (row,) = [r for r in rows if r["activation"] == activation and r["impl"] == impl]
    return row


def test_rows_cover_every_variant_with_bytes_kept(rows):
    assert _row(rows, "relu", "native")["kept_bytes_per_element"] == 4.0
    assert _row(rows, "relu", "lean")["kept_bytes_per_element"] == 0.125
    assert _row(rows, "serf", "lean")["kept_bytes_per_element"] == 4.0
    assert _row(rows, "serf", "naive")["kept_bytes_per_element"] == 12.0
    assert _row(rows, "serf", "fewbit")["kept_bytes_per_element"] == pytest.approx(0.375, abs=0.01)
    assert _row(rows, "relu", "native")["fwd_bwd_speedup_vs_native"] == 1.0
    assert _row(rows, "serf", "naive")["fwd_bwd_speedup_vs_naive"] == 1.0
    assert _row(rows, "relu", "lean")["fwd_bwd_speedup_vs_naive"] is None  # relu has no naive
    if compiled.backend().name == "compiled":
        assert _row(rows, "serf", "fewbit-torch")["kept_bytes_per_element"] > 0
    for r in rows:
        assert r["fwd_ms"] > 0 and r["fwd_bwd_ms"] > 0 and r["copy_gbps"] > 0
        assert r["fwd_bwd_vs_copy"] == pytest.approx(r["fwd_bwd_gbps"] / r["copy_gbps"])


def test_targets_summarise_the_lean_rows(rows):
    targets = {t["activation"]: t for t in bench.lean_targets(rows)}
    lean = _row(rows, "serf", "lean")
    assert targets["serf"]["vs_native_min"] == lean["fwd_bwd_speedup_vs_native"]
    assert targets["serf"]["naive_target_met"] == (lean["fwd_bwd_speedup_vs_naive"] >= 2.0)
    assert targets["relu"]["vs_naive_min"] is None  # PyTorch has relu: no naive target


def test_cli_prints_the_table_and_json(rows, monkeypatch, tmp_path):
    mlp = [
        {"activation": "relu", "impl": "lean", "depth": 8, "width": 64, "batch": 4,
         "step_s": 0.01, "kept_mib": 1.0, "kept_reduction_vs_native": 0.1},
    ]  # fmt: skip
    monkeypatch.setattr(bench, "run_benchmark", lambda quick, progress=None: (rows, mlp))
    out = CliRunner().invoke(main, ["bench", "kernels", "--quick", "--out", str(tmp_path)])
    assert out.exit_code == 0, out.output
    assert "serf" in out.output and "vs native" in out.output
    assert "(met)" in out.output or "(MISSED)" in out.output
    assert (tmp_path / "kernels_targets.csv").read_text().startswith("activation,")
    out = CliRunner().invoke(main, ["bench", "kernels", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert set(data) == {"ops", "mlp", "targets"} and len(data["ops"]) == len(rows)

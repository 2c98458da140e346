"""`actlab list` reads the catalogue's records without torch, and they are never stale."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from actlab import listing


def test_the_packaged_records_are_those_of_the_sources():
    data = listing._read(listing.PACKAGED, listing.source_key())
    assert data is not None, "listing.json is stale: run `make docs`"
    assert data == json.loads(json.dumps(listing.build(), ensure_ascii=False))


def test_list_imports_no_torch_and_prints_the_table():
    code = (
        "import sys\nfrom actlab.cli import main\n"
        "try:\n    main(['list', '--family', 'relu-like'])\nexcept SystemExit:\n    pass\n"
        "print('TORCH' if 'torch' in sys.modules else 'NO-TORCH')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().endswith("NO-TORCH")
    assert "relu" in out.stdout and "leaky_relu" in out.stdout and "sigmoid" not in out.stdout


def test_records_of_other_sources_are_never_used(tmp_path):
    key = listing.source_key()
    stale = {"key": "0" * 16, "families": ["x"], "records": []}
    path = tmp_path / "listing" / f"listing-{key}.json"
    path.parent.mkdir()
    path.write_text(json.dumps(stale))
    assert listing._read(path, key) is None  # another key: ignored
    fresh = subprocess.run(
        [sys.executable, "-c", "from actlab import listing; print(listing._cache_path('k'))"],
        capture_output=True, text=True, check=True, env={**os.environ, "ACTLAB_CACHE": str(tmp_path)},
    )  # fmt: skip
    assert fresh.stdout.strip() == str(tmp_path / "listing" / "listing-k.json")


def test_an_unknown_family_is_named():
    try:
        listing.records("relu-lik")
    except ValueError as error:
        assert "unknown family 'relu-lik'" in str(error) and "relu-like" in str(error)
    else:
        raise AssertionError("no error")


def test_a_surprising_claim_carries_its_reason_in_the_list():
    from click.testing import CliRunner

    from actlab.cli import main

    result = CliRunner().invoke(main, ["list", "--family", "relu-like"], terminal_width=200)
    assert result.exit_code == 0
    row = next(line for line in result.output.splitlines() if "softplus" in line)
    assert "softplus †" in row and "discontinuous" in row
    assert "† softplus: PyTorch's kernel returns x above β x = threshold (20)" in result.output
    assert "relu †" not in result.output  # only entries with a caveat are marked

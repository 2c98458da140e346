"""The backend keys (--backend, the Ray flags): checked before anything runs, never ignored;
and actlab without Ray: `import actlab` and the local backend never import it."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from actlab.cli import main
from actlab.experiments.config import ConfigError, from_dict


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("ray_address", "auto"),
        ("cpus_per_run", 2),
        ("gpus_per_run", 1),
        ("max_retries", 0),
        ("ray_runtime_env", {"working_dir": "."}),
    ],
)
def test_a_ray_key_with_the_local_backend_is_an_error_not_ignored(key, value):
    with pytest.raises(
        ConfigError, match=rf"{key}: option\(s\) of the Ray backend; add --backend ray"
    ):
        from_dict({key: value})


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (
            {"backend": "rey"},
            "backend: unknown value 'rey' (did you mean 'ray'?). Valid: local, ray",
        ),
        (
            {"ray_address": "local"},
            "ray_address must be 'auto', HOST:PORT or ray://HOST:PORT, got 'local'",
        ),
        (
            {"ray_address": "http://head:8265"},
            "ray_address must be 'auto', HOST:PORT or ray://HOST:PORT",
        ),
        ({"ray_address": "head"}, "ray_address must be 'auto', HOST:PORT or ray://HOST:PORT"),
        ({"cpus_per_run": 0}, "cpus_per_run must be a number in (0, inf), got 0"),
        ({"cpus_per_run": "many"}, "cpus_per_run must hold numbers, got 'many'"),
        ({"gpus_per_run": -0.5}, "gpus_per_run must be a number in [0, inf), got -0.5"),
        ({"max_retries": -1}, "max_retries must be an integer >= 0, got -1"),
        ({"max_retries": 1.5}, "max_retries must be an integer >= 0, got 1.5"),
        ({"ray_runtime_env": "[1, 2]"}, "ray_runtime_env: expected a mapping such as"),
        ({"ray_runtime_env": "{a: [}"}, "ray_runtime_env: not a YAML/JSON mapping"),
        ({"ray_runtime_env": {1: "x"}}, "ray_runtime_env must map Ray runtime-environment fields"),
        ({"device": "cuda"}, "device 'cuda' on Ray needs gpus_per_run > 0 (--gpus-per-run 1)"),
        ({"workers": 0}, "workers must be an integer >= 1, got 0"),
    ],
)
def test_bad_backend_values_name_the_key_and_what_is_valid(values, expected):
    pytest.importorskip("ray")  # with Ray missing, the install hint comes first
    backend = {} if "backend" in values else {"backend": "ray"}
    with pytest.raises(ConfigError) as error:
        from_dict({**backend, **values})
    assert expected in str(error.value)


def test_good_backend_values_are_kept():
    pytest.importorskip("ray")
    config = from_dict(
        {"backend": "ray", "ray_address": "ray://head:10001", "cpus_per_run": "0.5",
         "gpus_per_run": 0.25, "max_retries": 0, "device": "cuda",
         "ray_runtime_env": "{working_dir: ., excludes: [runs]}"}
    )  # fmt: skip
    assert (config.cpus_per_run, config.gpus_per_run, config.max_retries) == (0.5, 0.25, 0)
    assert config.ray_runtime_env == {"working_dir": ".", "excludes": ["runs"]}
    for address in ("auto", "10.0.0.5:6379", "head-node.example:6379", "[::1]:6379"):
        assert from_dict({"backend": "ray", "ray_address": address}).ray_address == address


def test_the_ray_backend_without_ray_installed_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # Python's way to make a module absent
    with pytest.raises(ConfigError, match=r"backend 'ray' needs Ray.*pip install 'actlab\[ray\]'"):
        from_dict({"backend": "ray"})


@pytest.mark.parametrize("command", ["compare", "depth-study"])
def test_the_ray_flags_without_backend_ray_stop_the_command(command, tmp_path):
    result = CliRunner().invoke(
        main, [command, "--cpus-per-run", "2", "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 2
    assert "cpus_per_run: option(s) of the Ray backend; add --backend ray" in result.output
    assert not (tmp_path / "out").exists()


def test_the_config_file_takes_the_backend_keys(tmp_path):
    pytest.importorskip("ray")
    path = tmp_path / "exp.yaml"
    path.write_text(
        "backend: ray\nray_address: auto\ncpus_per_run: 2\n"
        "ray_runtime_env:\n  working_dir: .\n  env_vars: {OMP_NUM_THREADS: '2'}\n"
        "datasets: [digits]\nactivations: [relu]\n"
    )
    result = CliRunner().invoke(main, ["compare", "--config", str(path), "--dry-run", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["runs"] == 3  # planned; Ray is not contacted by a dry run


_NO_RAY = """
import sys
import actlab, actlab.experiments, actlab.cli, actlab.comparison
import actlab.cli.compare, actlab.cli.depth_study
from actlab.comparison import run_and_report
from actlab.experiments import from_dict
assert "ray" not in sys.modules, "importing actlab imported Ray"
result = run_and_report(from_dict({"dataset": "digits", "activations": "relu", "seeds": 1,
    "epochs": 1, "hidden": 8, "workers": 1, "out": sys.argv[1]}), progress=False)
assert "ray" not in sys.modules, "the local backend imported Ray"
assert result.backend == {"backend": "local"}, result.backend
report = open(result.files["report"], encoding="utf-8").read()
assert '<td class="l">backend</td><td class="w">local (this machine&#x27;s processes)</td>' in report
print("ok")
"""


def test_actlab_and_the_local_backend_never_import_ray(tmp_path):
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(_NO_RAY), str(tmp_path)],
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr


def test_the_cluster_configs_of_the_readme_are_valid():
    """docs/ray/cluster-aws.yaml passes Ray's own cluster-config schema (what `ray up` checks);
    docs/ray/raycluster.yaml is a KubeRay RayCluster with a head and a GPU worker group."""
    ray = pytest.importorskip("ray")
    jsonschema = pytest.importorskip("jsonschema")  # a dependency of Ray
    import yaml

    docs = Path(__file__).resolve().parents[2] / "docs" / "ray"
    schema = json.loads((Path(ray.__file__).parent / "autoscaler" / "ray-schema.json").read_text())
    aws = yaml.safe_load((docs / "cluster-aws.yaml").read_text())
    jsonschema.validate(aws, schema)
    assert aws["available_node_types"]["gpu"]["resources"]["GPU"] == 1
    kube = yaml.safe_load((docs / "raycluster.yaml").read_text())
    assert (kube["apiVersion"], kube["kind"]) == ("ray.io/v1", "RayCluster")
    assert f"ray[default]=={kube['spec']['rayVersion']}" in aws["setup_commands"][0]  # one Ray
    worker = kube["spec"]["workerGroupSpecs"][0]["template"]["spec"]["containers"][0]
    assert worker["resources"]["limits"]["nvidia.com/gpu"] == "1"


def test_the_modules_of_the_users_code_are_shipped_once_and_nothing_else(tmp_path, monkeypatch):
    from torch import nn

    from actlab.experiments.ray_env import runtime_env, user_modules
    from actlab.experiments.sources import load_factory, register_object

    (tmp_path / "ship_single.py").write_text(
        "from torch import nn\n\nclass Net(nn.Module):\n    pass\n\n"
        "def build(act):\n    return nn.Sequential(nn.Linear(2, 2), act())\n"
    )
    package = tmp_path / "ship_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "models.py").write_text("def make(act):\n    return act()\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    for spec in ("ship_single:build", "ship_pkg.models:make"):
        load_factory(spec, "model factory")  # as planning imports them in the driver
    import ship_single

    net = register_object("ship_net", nn.Sequential(nn.Linear(2, 2), ship_single.Net()))
    plain = register_object("plain_net", nn.Sequential(nn.Linear(2, 2), nn.Tanh()))
    sources = ["ship_pkg.models:make", "mlp", "digits", net, plain, "actlab.models:build_model"]
    modules = user_modules(sources)
    assert [m.__name__ for m in modules] == ["ship_pkg", "ship_single"]  # not torch, not actlab

    shipped = runtime_env(None, modules)
    assert shipped == {
        "py_modules": [str(package.resolve()), str(tmp_path.resolve() / "ship_single.py")]
    }
    # A working_dir holding both ships them; what the user lists stays and is not repeated.
    assert runtime_env({"working_dir": str(tmp_path)}, modules) == {"working_dir": str(tmp_path)}
    given = {"py_modules": [str(package)], "env_vars": {"A": "1"}}
    assert runtime_env(given, modules) == {
        "py_modules": [str(package), str(tmp_path.resolve() / "ship_single.py")],
        "env_vars": {"A": "1"},
    }
    assert runtime_env(None, []) == {} and user_modules(["mlp", plain]) == []

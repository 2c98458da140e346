"""Every entry and impl survives what users do with a model: pickle, copy.deepcopy,
torch.save/torch.load (whole model, and state_dict with weights_only=True), torch.jit.trace,
torch.export and ONNX (run in onnxruntime). One test per entry and impl.

The expensive round trips (trace, export, ONNX: ~1 s each) run once per impl and family on one
model holding those entries; each entry's test then checks its own output. A batch that fails
is redone entry by entry, so a failure names its entry. The tests of one batch share an xdist
group, so one worker builds each batch, and the batches spread over the workers (one batch of
all 200+ entries took one worker minutes while the other sat idle).
"""

from __future__ import annotations

import copy
import io
import pickle
import warnings

import numpy as np
import pytest
import torch

import actlab
from actlab.kernels import IMPLS, available

CHANNELS = 12  # the learnable entries also run with one set of parameters per channel
CASES = [(s.name, impl, None) for s in actlab.specs() for impl in available(s.name)]
CASES += [(s.name, "native", CHANNELS) for s in actlab.specs() if s.learnable]
IDS = [f"{name}-{impl}" + (f"-c{c}" if c else "") for name, impl, c in CASES]


def _module(name: str, impl: str, channels: int | None = None) -> torch.nn.Module:
    """The entry at its defaults, learnable values moved off their init (so a round trip that
    dropped them would show), in evaluation mode (rrelu's random slopes are for training)."""
    module = actlab.make(name, num_parameters=channels, impl=impl).eval()
    g = torch.Generator().manual_seed(7)
    with torch.no_grad():
        for p in module.parameters():
            p.add_(0.05 * torch.rand(p.shape, generator=g))
    return module


def _input(seed: int = 0) -> torch.Tensor:
    """(4, 12): even sizes for the gated entries, divisible by maxout's pieces."""
    return torch.randn(4, 12, generator=torch.Generator().manual_seed(seed))


# -- per entry: pickle, deepcopy, state_dict ----------------------------------------------
@pytest.mark.parametrize(("name", "impl", "channels"), CASES, ids=IDS)
def test_pickle_deepcopy_and_state_dict_round_trip(name, impl, channels):
    module, x = _module(name, impl, channels), _input()
    want = module(x)
    for copied in (pickle.loads(pickle.dumps(module)), copy.deepcopy(module)):
        assert type(copied) is type(module) and repr(copied) == repr(module)
        assert torch.equal(copied(x), want)
    buffer = io.BytesIO()
    torch.save(module.state_dict(), buffer)
    buffer.seek(0)
    fresh = actlab.make(name, num_parameters=channels, impl=impl).eval()
    fresh.load_state_dict(torch.load(buffer, weights_only=True))
    assert torch.equal(fresh(x), want)


# -- batched: whole-model save, trace, export, ONNX -----------------------------------------
class Many(torch.nn.Module):
    """Every entry of one impl side by side, each applied to the same input."""

    def __init__(self, modules: dict) -> None:
        super().__init__()
        self.acts = torch.nn.ModuleList(modules.values())

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return tuple(act(x) for act in self.acts)


def _saved(model, x):
    buffer = io.BytesIO()
    torch.save(model, buffer)
    buffer.seek(0)
    return torch.load(buffer, weights_only=False)(x)


def _traced(model, x):
    traced = torch.jit.trace(model, (x,), check_trace=False)
    buffer = io.BytesIO()
    torch.jit.save(traced, buffer)
    buffer.seek(0)
    return torch.jit.load(buffer)(x)


def _exported(model, x):
    buffer = io.BytesIO()
    torch.export.save(torch.export.export(model, (x,)), buffer)
    buffer.seek(0)
    return torch.export.load(buffer).module()(x)


def _onnx(model, x):
    import onnxruntime

    program = torch.onnx.export(model, (x,), dynamo=True, verbose=False)
    session = onnxruntime.InferenceSession(
        program.model_proto.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    outputs = session.run(None, {session.get_inputs()[0].name: x.numpy()})
    return tuple(torch.from_numpy(np.asarray(o)) for o in outputs)


ROUND_TRIPS = {"save": _saved, "trace": _traced, "export": _exported, "onnx": _onnx}


FAMILY = {s.name: s.family for s in actlab.specs()}


def _batch(impl: str, how: str, family: str) -> dict[tuple, torch.Tensor | Exception]:
    """(name, channels) -> output after the round trip `how`, or the exception it raised."""
    modules = {(n, c): _module(n, i, c) for n, i, c in CASES if i == impl and FAMILY[n] == family}
    x = _input()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer and exporter chatter
        try:
            return dict(zip(modules, ROUND_TRIPS[how](Many(modules), x), strict=True))
        except Exception:  # find which entries fail, one by one
            out: dict[str, torch.Tensor | Exception] = {}
            for name, module in modules.items():
                try:
                    (out[name],) = ROUND_TRIPS[how](Many({name: module}), x)
                except Exception as err:
                    out[name] = err
            return out


@pytest.fixture(scope="module")
def batches():
    cache: dict[tuple[str, str], dict] = {}

    def get(impl: str, how: str, family: str) -> dict:
        if (impl, how, family) not in cache:
            cache[impl, how, family] = _batch(impl, how, family)
        return cache[impl, how, family]

    return get


BATCHED = [
    pytest.param(name, impl, channels, how, marks=pytest.mark.xdist_group(f"{how}-{FAMILY[name]}"))
    for how in ROUND_TRIPS
    for name, impl, channels in CASES
]
BATCHED_IDS = [f"{case}-{how}" for how in ROUND_TRIPS for case in IDS]


@pytest.mark.parametrize(("name", "impl", "channels", "how"), BATCHED, ids=BATCHED_IDS)
def test_round_trip_gives_the_same_outputs(name, impl, channels, how, batches):
    got = batches(impl, how, FAMILY[name])[name, channels]
    if isinstance(got, Exception):
        raise AssertionError(f"{name} (impl={impl!r}) fails {how}: {got}") from got
    want = _module(name, impl, channels)(_input())
    if how == "onnx":  # float32 through onnxruntime's own kernels
        torch.testing.assert_close(got, want.detach(), rtol=1e-5, atol=1e-5)
    else:
        torch.testing.assert_close(got, want.detach(), rtol=1e-6, atol=1e-7)


def test_every_impl_is_covered():
    assert {impl for _, impl, _ in CASES} == set(IMPLS)


def test_kernel_modules_export_their_exact_forward_not_the_kernel():
    module = actlab.make("mish", impl="lean")
    graph = torch.export.export(module, (_input(),)).graph_module.code
    assert "actlab" not in graph and "mish" in graph  # PyTorch's own op, no custom op


def test_rrelu_in_training_mode_refuses_onnx_with_the_reason():
    module = actlab.make("rrelu").train()
    with pytest.raises(Exception, match="rrelu cannot be exported to ONNX in training mode"):
        _onnx(Many({("rrelu", None): module}), _input())


def test_a_saved_model_loads_in_a_fresh_process(tmp_path):
    """The issue's own failure: torch.load in a new interpreter must import the classes."""
    import subprocess
    import sys

    model = torch.nn.Sequential(
        torch.nn.Linear(12, 12),
        actlab.make("gelu"),
        actlab.make("prelu", num_parameters=12),
        actlab.make("mish", impl="lean"),
        actlab.make("silu", impl="fewbit", bits=2),
    ).eval()
    x = _input()
    torch.save({"model": model, "x": x, "y": model(x)}, tmp_path / "model.pt")
    code = (
        "import torch\n"
        f"saved = torch.load({str(tmp_path / 'model.pt')!r}, weights_only=False)\n"
        "assert torch.equal(saved['model'](saved['x']), saved['y'])\n"
        "print(type(saved['model'][3]).__module__, type(saved['model'][3]).__name__)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["actlab.modules", "LeanMish"]


def test_an_exported_program_with_rrelu_converts_to_onnx_later():
    program = torch.export.export(actlab.make("rrelu").eval(), (_input(),))
    assert "leaky_relu" in program.graph_module.code  # its exact evaluation form
    onnx_program = torch.onnx.export(program, dynamo=True, verbose=False)
    assert [node.op_type for node in onnx_program.model_proto.graph.node] == ["LeakyRelu"]


def test_exported_hypot_matches_torch_hypot_in_float64():
    """isrlu, squareplus and bent_identity export sqrt(x^2 + c^2) as max/min/sqrt (ONNX has
    no hypot): a few ulps of torch.hypot, no overflow for huge |x|, the exact slope at |x| = c."""
    from actlab.catalog.entries._torch import hypot

    class Hypot(torch.nn.Module):
        def forward(self, x):
            return hypot(x, 2.0)

    x = torch.tensor([0.0, -2.0, 2.0, 1e-300, -3.5, 1e150, -1e300, 7.0], dtype=torch.float64)
    exported = torch.export.export(Hypot(), (x,)).module()
    x.requires_grad_()
    got, want = exported(x), torch.hypot(x, torch.tensor(2.0, dtype=torch.float64))
    torch.testing.assert_close(got, want, rtol=4 * 2.0**-52, atol=0)
    (grad_got,) = torch.autograd.grad(got.sum(), x)
    (grad_want,) = torch.autograd.grad(want.sum(), x)
    torch.testing.assert_close(grad_got, grad_want, rtol=4 * 2.0**-52, atol=0)
    assert abs(grad_got[2].item() - 2.0**-0.5) < 1e-15  # the tie |x| = c: x / sqrt(x^2 + c^2)

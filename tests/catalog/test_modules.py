"""The module classes in `actlab.modules`: names, signatures, docstrings, reprs, attributes."""

from __future__ import annotations

import doctest
import inspect

import pytest
import torch

import actlab
import actlab.modules
from actlab.catalog import Activation, class_name
from actlab.catalog import make as make_native
from actlab.factory import module_for
from actlab.kernels import available
from actlab.kernels.modules import KernelActivation, kernel_class

SPECS = actlab.specs()
NATIVE = [actlab.catalog.module_class(s.name) for s in SPECS]
KERNEL = [kernel_class(s.name, impl) for s in SPECS for impl in available(s.name)[1:]]
ALL_CLASSES = NATIVE + KERNEL


def _ids(classes):
    return [c.__name__ for c in classes]


# -- names ----------------------------------------------------------------------------------
def test_pytorch_spellings_where_torch_has_the_activation():
    torch_names = set(torch.nn.modules.activation.__all__) | {"Identity"}
    for spec, cls in zip(SPECS, NATIVE, strict=True):
        matches = [n for n in torch_names if n.lower() == spec.name.replace("_", "")]
        if matches:
            assert cls.__name__ == matches[0], f"{spec.name}: torch spells it {matches[0]}"
            assert hasattr(torch.nn, cls.__name__)
        elif not spec.class_name:
            assert cls.__name__ == "".join(p.capitalize() for p in spec.name.split("_"))
    for wanted in ("GELU", "LeakyReLU", "ReLU6", "PReLU", "SiLU", "ELU", "SELU", "CELU", "Mish"):
        assert wanted in actlab.modules.__all__


def test_class_name_field_covers_acronyms():
    assert class_name(actlab.get("gelu_tanh")) == "GELUTanh"
    assert type(actlab.make("swiglu")).__name__ == "SwiGLU"
    assert type(actlab.make("serf")).__name__ == "Serf"


def test_every_class_is_published_under_its_own_name_once():
    names = _ids(ALL_CLASSES)
    assert len(set(names)) == len(names), "two classes share a name"
    for cls in ALL_CLASSES:
        assert cls.__module__ == "actlab.modules" and cls.__qualname__ == cls.__name__
        assert getattr(actlab.modules, cls.__name__) is cls
    from actlab.modules import GELU, Serf  # the issue's own example

    assert GELU is type(actlab.make("gelu")) and Serf is type(actlab.make("serf"))


@pytest.mark.parametrize("cls", KERNEL, ids=_ids(KERNEL))
def test_kernel_classes_subclass_the_native_class(cls):
    native = actlab.catalog.module_class(cls.spec.name)
    assert issubclass(cls, native) and issubclass(cls, KernelActivation)
    assert module_for(cls.spec.name, cls.impl_name) is cls
    assert cls.__name__ == {"lean": "Lean", "fewbit": "FewBit"}[cls.impl_name] + native.__name__


# -- constructors ---------------------------------------------------------------------------
@pytest.mark.parametrize("cls", ALL_CLASSES, ids=_ids(ALL_CLASSES))
def test_signature_is_the_specs(cls):
    spec = cls.spec
    got = [(p.name, p.default) for p in inspect.signature(cls).parameters.values()]
    want = [("num_parameters", 1)] if spec.learnable else []
    want += [(p.name, p.default) for p in spec.params]
    want += [("bits", 3)] if getattr(cls, "impl_name", None) == "fewbit" else []
    assert got == want
    init = list(inspect.signature(cls.__init__).parameters)
    assert init == ["self", *(name for name, _ in want)]


def test_positional_and_keyword_arguments_like_torch():
    from actlab.modules import FewBitGELU, Hardtanh, LeakyReLU, PReLU

    assert LeakyReLU(0.2).negative_slope == 0.2
    assert Hardtanh(0.0, 6.0).fixed == {"min_val": 0.0, "max_val": 6.0}
    assert PReLU(3, 0.1).weight.shape == (3,)
    assert FewBitGELU("tanh", 2).bits == 2
    with pytest.raises(TypeError, match="multiple values for argument 'negative_slope'"):
        LeakyReLU(0.2, negative_slope=0.3)
    with pytest.raises(TypeError, match="at most 1 positional"):
        LeakyReLU(0.2, 0.3)
    with pytest.raises(TypeError, match=r"'slope'.*Valid parameters: negative_slope"):
        LeakyReLU(slope=0.2)


def test_catalog_make_is_native_only_and_actlab_make_builds_kernels():
    assert type(make_native("relu")) is actlab.modules.ReLU
    with pytest.raises(TypeError, match="native form only; use actlab.make"):
        make_native("relu", impl="lean")
    assert type(actlab.make("relu", impl="lean")) is actlab.modules.LeanReLU
    with pytest.raises(TypeError, match="no learnable parameter"):
        actlab.make("relu", impl="lean", num_parameters=2)


# -- docstrings -----------------------------------------------------------------------------
@pytest.mark.parametrize("cls", ALL_CLASSES, ids=_ids(ALL_CLASSES))
def test_docstring_example_runs_as_a_doctest(cls):
    doc = cls.__doc__
    assert "Shape:" in doc and "Examples:" in doc
    if cls in NATIVE:
        assert cls.spec.formula in doc and cls.spec.formula_d1 in doc and ".. math::" in doc
        for p in cls.spec.params:
            assert p.describe_valid() in doc
    test = doctest.DocTestParser().get_doctest(doc, {}, cls.__name__, None, 0)
    assert len(test.examples) >= 5
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    result = runner.run(test, out=lambda text: None)
    assert result.failed == 0, f"{cls.__name__}'s example prints something else now"


def test_help_sees_the_signature_and_the_formula():
    text = inspect.getdoc(actlab.modules.GELU)
    assert "Phi(x)" in text and "approximate" in text
    assert str(inspect.signature(actlab.modules.GELU)) == "(approximate: str = 'none')"


# -- repr and attributes --------------------------------------------------------------------
def test_repr_shows_the_live_values():
    m = actlab.make("prelu", weight=0.1)
    assert repr(m) == "PReLU(num_parameters=1, weight=0.1)"
    with torch.no_grad():
        m.weight.fill_(0.35)
    assert repr(m) == "PReLU(num_parameters=1, weight=0.35)"
    many = actlab.make("prelu", num_parameters=8)
    assert repr(many) == "PReLU(num_parameters=8, weight=<8 values in [0.25, 0.25]>)"
    assert repr(actlab.make("hardtanh", min_val=0, max_val=6)) == (
        "Hardtanh(min_val=0.0, max_val=6.0)"
    )
    assert "impl='fewbit', bits=2" in repr(actlab.make("gelu", impl="fewbit", bits=2))


@pytest.mark.parametrize("impl", ["native", "lean"])
def test_fixed_parameters_read_and_write_as_attributes(impl):
    m = actlab.make("leaky_relu", impl=impl, negative_slope=0.2)
    x = torch.tensor([-1.0, 2.0])
    assert m.negative_slope == 0.2
    m.negative_slope = 0.5  # checked, and the forward (and the kernel) follow
    assert m.fixed["negative_slope"] == 0.5 and torch.equal(m(x), torch.tensor([-0.5, 2.0]))
    with pytest.raises(ValueError, match=r"\[0, ∞\)"):
        m.negative_slope = -1.0
    assert m.negative_slope == 0.5
    with pytest.raises(AttributeError):
        m.no_such_attribute  # noqa: B018


def test_constraints_hold_for_attribute_changes_and_learnables_are_parameters():
    m = actlab.make("hardtanh")
    with pytest.raises(ValueError, match="must be below max_val"):
        m.min_val = 2.0
    p = actlab.make("prelu")
    with pytest.raises(TypeError, match="learnable"):
        p.set_fixed(weight=0.3)
    with pytest.raises(AttributeError):
        actlab.make("gelu", impl="fewbit").bits = 4  # fixed at construction


@pytest.mark.parametrize("name", ["prelu", "star_relu", "sinlu", "snake"])
def test_per_channel_count_mismatch_is_a_clear_error(name):
    module = actlab.make(name, num_parameters=3)
    assert module(torch.randn(2, 3)).shape == (2, 3)
    with pytest.raises(ValueError, match=rf"{name}: 3 per-channel parameters, but the input has 4"):
        module(torch.randn(2, 4))


def test_activation_base_is_shared():
    assert all(issubclass(cls, Activation) for cls in ALL_CLASSES)
    assert "Activation" in actlab.modules.__all__


def test_the_stub_for_ides_is_current():
    """modules.pyi lets IDEs and type checkers see the generated classes; `make docs`
    rewrites it."""
    stub = actlab.modules.STUB.read_text(encoding="utf-8")
    assert stub == actlab.modules.stub_text(), "modules.pyi is out of date: run `make docs`"
    assert "class GELU(Activation):" in stub
    assert "def __init__(self, approximate: str = 'none') -> None: ..." in stub
    assert "class FewBitGELU(KernelActivation, GELU):" in stub
    compile(stub, "modules.pyi", "exec")  # valid Python syntax


def test_module_level_lookup_finds_classes_by_name_and_refuses_others():
    # The fallback pickle meets for an entry registered after import: by class name, native or
    # kernel, the same classes as published.
    assert actlab.modules.__getattr__("GELU") is actlab.modules.GELU
    assert actlab.modules.__getattr__("LeanMish") is actlab.modules.LeanMish
    with pytest.raises(AttributeError, match="no attribute 'Gelu'"):
        actlab.modules.__getattr__("Gelu")

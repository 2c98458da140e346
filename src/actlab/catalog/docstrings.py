"""Docstrings of the generated functional and module forms, from one template.

Summary, `.. math::` for f and f', the arguments with defaults and valid ranges, Shape, an
example, the paper and the notes. The module form's example is run when the docstring is first
read, so its printed output is real (and `tests/catalog/test_modules.py` runs it as a doctest).
"""

from __future__ import annotations

import torch

from actlab.catalog.spec import ActivationSpec

# Inputs of the examples: elementwise entries get a short ramp; the others a row of even
# length (GLU-style halving) that maxout's default pieces divide.
ELEMENTWISE_EXAMPLE = "torch.linspace(-2, 2, 5)"
MULTI_INPUT_EXAMPLE = "torch.tensor([[-2.0, -1.0, -0.5, 0.5, 1.0, 3.0]])"
_EXAMPLE_INPUTS = {
    ELEMENTWISE_EXAMPLE: lambda: torch.linspace(-2, 2, 5),
    MULTI_INPUT_EXAMPLE: lambda: torch.tensor([[-2.0, -1.0, -0.5, 0.5, 1.0, 3.0]]),
}
_DEFAULT_PRINT = {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80}


def _math(spec: ActivationSpec) -> list[str]:
    return [
        ".. math::",
        "",
        f"    f(x) = {spec.formula}",
        "",
        ".. math::",
        "",
        f"    f'(x) = {spec.formula_d1}",
        "",
    ]


def _param_lines(spec: ActivationSpec, module: bool) -> list[str]:
    lines = []
    for p in spec.params:
        if module and p.learnable:
            learn = " Learnable: an ``nn.Parameter`` (its initial value)."
        else:
            learn = " Learnable in the module form." if p.learnable else ""
        lines.append(
            f"    {p.name}: {p.doc or p.name} Default {p.default!r}; {p.describe_valid()}.{learn}"
        )
    return lines


def _shape(spec: ActivationSpec, module: bool) -> list[str]:
    if spec.elementwise:
        return ["Shape:", "    - Input: (*), any shape.", "    - Output: (*), the same shape.", ""]
    return [
        "Shape:",
        "    - Input: (*), with the size of ``dim`` as the formula needs.",
        "    - Output: see the formula: the size of ``dim`` may change.",
        "",
    ]


def _tail(spec: ActivationSpec) -> list[str]:
    lines = []
    if spec.paper:
        lines += ["", f"Paper: {spec.paper}"]
    if spec.notes:
        lines += ["", spec.notes]
    return lines


def functional_doc(spec: ActivationSpec) -> str:
    """The docstring of `actlab.functional.<name>`."""
    lines = [spec.summary, "", *_math(spec), "Args:", "    x: input tensor."]
    lines += _param_lines(spec, module=False)
    if spec.stochastic:
        lines.append(
            "    training: sample random slopes (True) or use their mean (False). Default False."
        )
    args = ", ".join(f"{k}={v!r}" for k, v in spec.defaults.items())
    example = ELEMENTWISE_EXAMPLE if spec.elementwise else MULTI_INPUT_EXAMPLE
    lines += ["", *_shape(spec, module=False)]
    lines += [
        "Example:",
        f"    >>> actlab.functional.{spec.name}({example}{', ' + args if args else ''})",
    ]
    return "\n".join(lines + _tail(spec))


def module_doc(cls: type) -> str:
    """The docstring of the module class `cls`: the template plus an Examples block whose
    output comes from running it."""
    spec: ActivationSpec = cls.spec  # type: ignore[attr-defined]
    lines = [spec.summary, "", *_math(spec)]
    args = []
    if spec.learnable:
        along = "``dim``" if any(p.name == "dim" for p in spec.params) else "dim 1"
        args.append(
            "    num_parameters: 1 shares one value of each learnable parameter; C learns one per "
            f"channel along {along} (as ``nn.PReLU``). Default 1."
        )
    args += _param_lines(spec, module=True)
    if args:
        lines += ["Args:", *args, ""]
    if spec.stochastic:
        lines += [
            "In training mode the slopes are random; ``.eval()`` uses their mean.",
            "",
        ]
    lines += _shape(spec, module=True)
    lines += ["Examples:", *("    " + line for line in _example(cls, spec))]
    return "\n".join(lines + _tail(spec))


def kernel_doc(cls: type, description: str) -> str:
    """The docstring of a kernel variant's class: what it keeps, how it exports, an example."""
    spec: ActivationSpec = cls.spec  # type: ignore[attr-defined]
    native = cls.__mro__[2].__name__  # (cls, KernelActivation, the native class, ...)
    lines = [
        f"{native} with impl={cls.impl_name!r}: {description}.",  # type: ignore[attr-defined]
        "",
        f"Same forward, arguments and parameters as ``{native}`` (see it for the math); under "
        "torch.export, the ONNX exporter and torch.jit.trace it records that exact forward.",
        "",
    ]
    if cls.impl_name == "fewbit":  # type: ignore[attr-defined]
        lines += ["Args:", "    bits: bits of the code kept per element, 1 to 8. Default 3.", ""]
    lines += _shape(spec, module=True)
    lines += ["Examples:", *("    " + line for line in _example(cls, spec))]
    return "\n".join(lines)


def _example(cls: type, spec: ActivationSpec) -> list[str]:
    """Doctest lines with their real output, printed with torch's default print options."""
    example = ELEMENTWISE_EXAMPLE if spec.elementwise else MULTI_INPUT_EXAMPLE
    make = f"{cls.__name__}().eval()" if spec.stochastic else f"{cls.__name__}()"
    call = f"m({example})" + (".detach()" if spec.learnable else "")
    saved = dict(vars(torch._tensor_str.PRINT_OPTS))
    torch.set_printoptions(**_DEFAULT_PRINT, sci_mode=None)
    try:
        module = cls()
        if spec.stochastic:
            module.eval()
        with torch.no_grad():
            out = module(_EXAMPLE_INPUTS[example]())
        shown, printed = repr(module), repr(out)
    finally:
        torch.set_printoptions(**saved)
    return [
        ">>> import torch",
        f">>> from {cls.__module__} import {cls.__name__}",
        f">>> m = {make}",
        ">>> m",
        *shown.splitlines(),
        f">>> {call}",
        *printed.splitlines(),
    ]

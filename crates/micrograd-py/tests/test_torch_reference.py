"""Every program of the engine's PyTorch reference file, run through the Python API, gives
PyTorch's data and gradients (relative 1e-9, absolute 1e-12 near zero; NaN and infinities
exactly). The programs are Python, but for their inputs, which are plain numbers there."""

import ast
import json
import math
from pathlib import Path

import pytest

from micrograd_rs.engine import Value

CASES = json.loads((Path(__file__).parent / "fixtures" / "torch_cases.json").read_text())

FUNCTIONS = {
    name: (lambda method: lambda v: getattr(v, method)())(name)
    for name in ["tanh", "exp", "log", "relu", "sigmoid", "sqrt", "sin", "cos"]
}


def number(x):
    return {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}.get(x, x)


def close(ours, torch):
    if math.isnan(torch):
        return math.isnan(ours)
    if math.isinf(torch):
        return ours == torch
    return abs(ours - torch) <= max(1e-12, 1e-9 * abs(torch))


def run(program):
    """Runs a program line by line: a number assigned to a name becomes an input Value."""
    names = dict(FUNCTIONS)
    for line in program.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        target, _, expression = line.partition("=")
        try:
            literal = ast.literal_eval(expression.strip())
        except ValueError:
            literal = None
        if isinstance(literal, (int, float)) and not target.endswith(("+", "-", "*", "/")):
            names[target.strip()] = Value(float(literal))
        else:
            exec(line, {}, names)
    return names


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_program_gives_pytorchs_numbers(case):
    names = run(case["program"])
    expected = case["expected"]
    names[expected["output"]].backward()
    for name, want in expected["values"].items():
        v = names[name]
        assert close(v.data, number(want["data"])), (name, "data", v.data, want["data"])
        assert close(v.grad, number(want["grad"])), (name, "grad", v.grad, want["grad"])

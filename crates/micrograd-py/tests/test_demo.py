"""Karpathy's demo, with only its import changed, gives micrograd's numbers at every step."""

import gc
import importlib.util
import json
from pathlib import Path

import pytest

from micrograd_rs.demo import numpy_moons, run_demo

MICROGRAD = json.loads((Path(__file__).parent / "fixtures" / "micrograd_demo.json").read_text())


def test_demo_matches_micrograd_at_all_100_steps():
    ours = run_demo("micrograd_rs", 100, moons=numpy_moons)
    theirs = MICROGRAD["steps"]
    assert len(ours) == len(theirs) == 100
    for (k, loss, acc), want in zip(ours, theirs):
        assert k == want["step"]
        assert acc == want["accuracy"], k
        assert abs(loss - want["loss"]) <= 1e-12 * abs(want["loss"]), k
    assert ours[-1][2] == 1.0


@pytest.mark.skipif(importlib.util.find_spec("micrograd") is None, reason="micrograd not installed")
def test_demo_matches_installed_micrograd():
    enabled = gc.isenabled()
    gc.disable()  # micrograd is slow with the collector on; its numbers do not depend on it
    try:
        theirs = run_demo("micrograd", 5, moons=numpy_moons)
    finally:
        if enabled:
            gc.enable()
    ours = run_demo("micrograd_rs", 5, moons=numpy_moons)
    for (k, loss, acc), (_, their_loss, their_acc) in zip(ours, theirs):
        assert acc == their_acc, k
        assert abs(loss - their_loss) <= 1e-12 * abs(their_loss), k


def test_the_demo_with_its_relu_written_in_python_gives_the_same_numbers():
    from micrograd_rs.demo import PYTHON_RELU_SETUP, Demo, numpy_moons

    plain, python = Demo("micrograd_rs", numpy_moons), Demo("micrograd_rs", numpy_moons, setup=PYTHON_RELU_SETUP)
    assert "_backward" in PYTHON_RELU_SETUP
    for k in range(5):
        assert python.step(k) == plain.step(k)

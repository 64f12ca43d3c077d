"""Memory stays flat over a long training loop (not timed)."""

import sys

import pytest

from micrograd_rs._micrograd_rs import tape_len
from micrograd_rs.demo import Demo, numpy_moons


def resident_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/statm")
def test_ten_thousand_demo_steps_stay_within_50_mb_of_step_100():
    demo = Demo("micrograd_rs", numpy_moons)
    for k in range(100):
        demo.step(k % 100)
    at_100 = resident_bytes()
    for k in range(100, 10_000):
        demo.step(k % 100)
    grown = resident_bytes() - at_100
    assert grown < 50e6, f"resident memory grew by {grown / 1e6:.1f} MB after step 100"
    # One step's graph is about 5,300 nodes; the tape holds a few steps at most.
    assert tape_len() < 200_000

"""Memory: the tape is compacted when it has doubled, so a long training loop stays flat (not
timed), and every Value Python still holds stays valid and the same object."""

import math
import sys

import pytest

import micrograd_rs
from micrograd_rs._micrograd_rs import tape_len
from micrograd_rs.demo import Demo, numpy_moons
from micrograd_rs.engine import Value


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


def test_values_stay_valid_and_the_same_across_compactions():
    a, b = Value(2.0, label="a"), Value(3.0)
    c = a**2 + b
    c.label = "c"
    prev = c._prev
    drawn = Value(1.0, (a, b), "my op")
    d = (c * 0.1).tanh()
    for _ in range(200_000):
        a * b  # garbage: the tape is compacted several times over
    assert tape_len() < 100_000
    assert (c.data, c.label, c._op) == (7.0, "c", "+")
    assert c._prev is prev
    (power,) = [v for v in prev if v is not b]
    assert power._op == "**2" and power._prev == {a}
    assert drawn._prev == {a, b} and drawn._op == "my op"
    d.backward()
    assert a.grad == pytest.approx(0.1 * (1 - math.tanh(0.7) ** 2) * 4)
    assert b.grad == pytest.approx(0.1 * (1 - math.tanh(0.7) ** 2))


def test_a_value_kept_only_through_prev_stays_valid():
    a = Value(1.5)
    out = (a * 2) + 1
    (inner,) = [v for v in out._prev if v._op == "*"]
    del inner
    for _ in range(100_000):
        a + a
    (inner,) = [v for v in out._prev if v._op == "*"]
    assert inner.data == 3.0
    out.backward()
    assert a.grad == 2.0


def test_scope_frees_what_no_value_needs_on_leaving():
    w = Value(0.5)
    micrograd_rs.compact()
    before = tape_len()
    with micrograd_rs.scope():
        loss = (w * 3 - 1) ** 2
        loss.backward()
        for _ in range(1000):
            w * w
    assert tape_len() <= before + 6  # the loss's own graph is still held
    del loss
    with micrograd_rs.scope():
        pass
    assert tape_len() <= before
    assert w.grad == 2 * (0.5 * 3 - 1) * 3

"""Operations written in Python, micrograd's way: ``Value(data, children, op)`` and a ``_backward``
closure, mixed freely with the engine's own operations. Numbers against the original micrograd
package (``pip install micrograd``) and against the engine's native ``tanh``."""

import gc
import math
import sys

import pytest

import micrograd_rs
from micrograd_rs._micrograd_rs import tape_len, tape_stats
from micrograd_rs.engine import Value
from micrograd_rs.nn import Layer

micrograd_engine = pytest.importorskip("micrograd.engine", reason="pip install micrograd")


def py_tanh(V, x):
    t = (math.exp(2 * x.data) - 1) / (math.exp(2 * x.data) + 1)
    out = V(t, (x,), "tanh")

    def _backward():
        x.grad += (1 - t**2) * out.grad

    out._backward = _backward
    return out


def py_exp(V, x):
    out = V(math.exp(x.data), (x,), "exp")

    def _backward():
        x.grad += out.data * out.grad

    out._backward = _backward
    return out


def py_mul(V, a, b):
    out = V(a.data * b.data, (a, b), "*")

    def _backward():
        a.grad += b.data * out.grad
        b.grad += a.data * out.grad

    out._backward = _backward
    return out


def mixed_graph(V):
    a, b, c = V(2.0), V(-3.0), V(10.0)
    d = a * b + c  # native
    e = py_tanh(V, d * 0.1)  # Python over native
    f = py_mul(V, e, a)  # Python over Python and an input
    g = (f + e**2).relu() * 3 + py_exp(V, f - 1) * b  # native over Python
    h = py_mul(V, g, g + a)  # Python at the top, over native
    h.backward()
    return [h.data, a.grad, b.grad, c.grad]


def test_mixed_graphs_give_micrograds_numbers():
    ours = mixed_graph(Value)
    theirs = mixed_graph(micrograd_engine.Value)
    for x, y in zip(ours, theirs):
        assert x == pytest.approx(y, rel=1e-12, abs=1e-12)
    assert ours[1] != 0.0 and ours[3] != 0.0


def neuron():
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    return [x1, x2, w1, w2, b], n


def test_the_notebooks_tanh_and_exp_built_tanh_match_native_tanh():
    leaves, n = neuron()
    n.tanh().backward()
    native = [v.grad for v in leaves]
    for build in (lambda n: py_tanh(Value, n), lambda n: (lambda e: (e - 1) / (e + 1))(py_exp(Value, 2 * n))):
        leaves, n = neuron()
        o = build(n)
        assert o.data == pytest.approx(math.sqrt(0.5), abs=1e-15)
        o.backward()
        for ours, theirs in zip((v.grad for v in leaves), native):
            assert abs(ours - theirs) <= 1e-15
    assert native[0] == pytest.approx(-1.5) and native[2] == pytest.approx(1.0)


def test_backward_reads_and_sets_the_closure():
    x = Value(0.5)
    o = py_tanh(Value, x)
    fn = o._backward
    assert callable(fn) and o._backward is fn
    assert o._op == "tanh" and o._prev == {x}
    # The notebook's manual step, on a Python-defined node and on a native one.
    o.grad = 1.0
    o._backward()
    assert x.grad == pytest.approx(1 - math.tanh(0.5) ** 2)
    y = x * 3
    y.grad = 2.0
    y._backward()
    assert x.grad == pytest.approx(1 - math.tanh(0.5) ** 2 + 6.0)


def test_a_node_without_closure_passes_nothing_back():
    x = Value(1.0)
    out = Value(5.0, (x,), "mine")
    (out * 2).backward()
    assert (out.grad, x.grad) == (2.0, 0.0)


def test_the_engines_own_nodes_keep_their_rules():
    x = Value(1.0)
    with pytest.raises(AttributeError, match="engine's operations"):
        (x * 2)._backward = lambda: None
    with pytest.raises(AttributeError, match="input"):
        x._backward = lambda: None
    with pytest.raises(TypeError):
        Value(1.0, (x,), "f")._backward = 3


def test_an_exception_in_a_closure_comes_out_of_backward_unchanged():
    x = Value(1.0)
    out = Value(2.0, (x,), "boom")
    raised = KeyError("inside _backward")

    def _backward():
        x.grad += 5.0
        raise raised

    out._backward = _backward
    y = out * 3 + x
    with pytest.raises(KeyError) as info:
        y.backward()
    assert info.value is raised
    assert (x.grad, out.grad, y.grad) == (0.0, 0.0, 0.0)  # the pass is abandoned whole
    out._backward = lambda: None
    y.backward()
    assert (x.grad, out.grad) == (1.0, 3.0)


def test_backward_inside_a_closure_is_a_runtime_error():
    x = Value(1.0)
    out = Value(2.0, (x,), "again")
    out._backward = lambda: out.backward()
    with pytest.raises(RuntimeError, match="inside a _backward closure"):
        out.backward()
    assert (x * 2).data == 2.0


def test_a_closure_may_build_values_while_the_pass_runs():
    x = Value(0.3)
    out = Value(math.tanh(0.3), (x,), "tanh")

    def _backward():
        for _ in range(40_000):  # enough nodes to make the tape due for compaction
            x * 2
        x.grad += ((1 - out**2) * out.grad).data

    out._backward = _backward
    out.backward()
    assert x.grad == pytest.approx(1 - math.tanh(0.3) ** 2)


def test_closures_survive_compaction():
    x = Value(0.7)
    o = py_tanh(Value, x * 2)
    for _ in range(200_000):
        Value(1.0) * 2
    assert tape_len() < 100_000
    (o * 1).backward()
    assert x.grad == pytest.approx(2 * (1 - math.tanh(1.4) ** 2))


def test_an_operation_and_its_closure_are_freed_together():
    gc.collect()
    micrograd_rs.compact()
    live = tape_stats()[1]
    for _ in range(1000):
        py_tanh(Value, Value(0.5) * 2)  # out -> closure -> out: a cycle only the collector frees
    gc.collect()
    micrograd_rs.compact()
    assert tape_stats()[1] <= live + 5


def resident_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/statm")
def test_training_with_a_python_defined_activation_stays_within_50_mb_over_10000_steps():
    import random

    random.seed(0)
    l1, l2 = Layer(2, 8, nonlin=False), Layer(8, 1, nonlin=False)
    params = l1.parameters() + l2.parameters()
    xs = [[random.uniform(-1, 1), random.uniform(-1, 1)] for _ in range(4)]
    ys = [1.0 if a * b > 0 else -1.0 for a, b in xs]

    def step():
        loss = sum((l2([py_tanh(Value, h) for h in l1(x)]) - y) ** 2 for x, y in zip(xs, ys))
        for p in params:
            p.grad = 0.0
        loss.backward()
        for p in params:
            p.data -= 0.05 * p.grad
        return loss.data

    first = [step() for _ in range(100)]
    at_100 = resident_bytes()
    for _ in range(9_900):
        last = step()
    grown = resident_bytes() - at_100
    assert grown < 50e6, f"resident memory grew by {grown / 1e6:.1f} MB over 9,900 steps"
    assert tape_len() < 300_000
    assert last < first[0]


def test_the_notebooks_accumulation_bug_and_its_fix_as_micrograd_shows_them():
    def add(V, self, other, accumulate):
        out = V(self.data + other.data, (self, other), "+")

        def _backward():
            if accumulate:
                self.grad += out.grad
                other.grad += out.grad
            else:
                self.grad = out.grad
                other.grad = out.grad

        out._backward = _backward
        return out

    for accumulate in (False, True):
        results = []
        for V in (Value, micrograd_engine.Value):
            a = V(3.0)
            b = add(V, a, a, accumulate)
            (b * 2).backward()
            results.append(a.grad)
        assert results[0] == results[1] == (4.0 if accumulate else 2.0)


def test_a_subclass_writes_its_operations_as_methods():
    class MyValue(Value):
        def tanh(self):
            return py_tanh(MyValue, self)

    x = MyValue(0.25)
    y = x.tanh()
    assert type(y) is MyValue and y._op == "tanh"
    (y * 3).backward()
    assert x.grad == pytest.approx(3 * (1 - math.tanh(0.25) ** 2), rel=1e-15)


def test_what_the_engine_computes_from_a_python_operation_keeps_it_for_the_collector():
    # Neither `out` (the operation's Value) nor the closure is held by anything but each other and
    # what was computed from them: the garbage collector must not free them while that lives.
    x = Value(0.4)
    layer = Layer(2, 3, nonlin=False)
    outs = layer(py_tanh(Value, x * k) for k in (1.0, 2.0))  # a generator, read once
    total = sum(outs)
    h = total * 1.0
    del outs, total
    gc.collect()
    h.backward()
    expected = sum(
        n.w[0].data * (1 - math.tanh(0.4) ** 2) + n.w[1].data * 2 * (1 - math.tanh(0.8) ** 2) for n in layer.neurons
    )
    assert x.grad == pytest.approx(expected, rel=1e-12)

"""Careless and hostile input: absurd sizes raise, user code that misbehaves inside a conversion
raises its own error, and no Rust panic (``PanicException``) ever reaches Python."""

import sys
import threading

import pytest

from micrograd_rs._micrograd_rs import tape_len
from micrograd_rs.engine import Value
from micrograd_rs.nn import MLP, Layer, Neuron

def no_panic(action):
    """Runs ``action``; returns the exception it raised (or None), failing on a Rust panic (PyO3's
    ``PanicException`` is a ``BaseException``, told by its name)."""
    try:
        action()
    except BaseException as e:  # noqa: BLE001
        assert type(e).__name__ != "PanicException", f"a Rust panic reached Python: {e}"
        return e
    return None


@pytest.mark.parametrize(
    "make",
    [
        lambda: Neuron(10**12),
        lambda: Layer(10**12, 2),
        lambda: Layer(2, 10**12),
        lambda: Neuron(2**62),
        lambda: Neuron(2**64),
        lambda: MLP(2, [10**12, 1]),
        lambda: Neuron(-1),
    ],
)
def test_absurd_sizes_raise_value_or_memory_error(make):
    e = no_panic(make)
    assert isinstance(e, (ValueError, MemoryError)), repr(e)
    assert (Value(1.0) * 2).data == 2.0  # the process is alive and well


def grow(n=40_000):
    """Builds more nodes than a compaction's threshold, so the tape is compacted in the middle."""
    x = Value(0.0)
    for _ in range(n):
        x = x + 1
    return x


class FloatBuildsNodes:
    def __float__(self):
        grow()
        return 5.0


class FloatRaises:
    def __float__(self):
        raise ZeroDivisionError("from __float__")


def test_setters_read_the_number_before_the_node():
    a = Value(1.0)
    b = a * 3  # a node that compaction moves
    b.data = FloatBuildsNodes()
    b.grad = FloatBuildsNodes()
    assert (b.data, b.grad) == (5.0, 5.0)
    with pytest.raises(ZeroDivisionError, match="from __float__"):
        b.data = FloatRaises()


def test_operators_with_a_hostile_float():
    a = Value(2.0)
    for action in (lambda: a * FloatBuildsNodes(), lambda: FloatBuildsNodes() + a, lambda: a ** FloatBuildsNodes()):
        e = no_panic(action)
        assert e is None
    assert (a * FloatBuildsNodes()).data == 10.0
    assert isinstance(no_panic(lambda: a * FloatRaises()), ZeroDivisionError)


def test_a_float_that_empties_the_list_being_read():
    items = []

    class Emptier:
        def __float__(self):
            items.clear()
            return 1.0

    items.extend([Emptier(), 2.0, 3.0])
    n = Neuron(3)
    e = no_panic(lambda: n(items))
    assert e is None or isinstance(e, (IndexError, TypeError))
    items.extend([Emptier(), Emptier()])
    e = no_panic(lambda: Layer(2, 2)(items))
    assert e is None or isinstance(e, (IndexError, TypeError))


def test_a_network_input_whose_float_builds_nodes():
    model = MLP(2, [3, 1])
    out = model([FloatBuildsNodes(), 1.0])
    out.backward()
    assert out.data == model([5.0, 1.0]).data


class IndexBuildsNodes:
    def __index__(self):
        grow()
        return 3


class IndexRaises:
    def __index__(self):
        raise KeyError("from __index__")


def test_hostile_index():
    assert len(Neuron(IndexBuildsNodes()).w) == 3
    assert isinstance(no_panic(lambda: Neuron(IndexRaises())), KeyError)
    assert isinstance(no_panic(lambda: MLP(2, [IndexRaises()])), KeyError)
    a = Value(2.0)
    assert (a ** IndexBuildsNodes()).data == 8.0


class HashBuildsNodes(Value):
    def __hash__(self):
        grow(5_000)
        return 1

    def __eq__(self, other):
        grow(5_000)
        return self is other


class HashRaises(Value):
    def __hash__(self):
        raise RuntimeError("from __hash__")


def test_hostile_hash_and_eq():
    a, b = HashBuildsNodes(1.0), HashBuildsNodes(2.0)
    out = a * b
    for _ in range(10):
        prev = out._prev
    assert {v.data for v in prev} == {1.0, 2.0}
    h = HashRaises(1.0)
    c = h + 1
    assert isinstance(no_panic(lambda: c._prev), RuntimeError)
    d = Value(3.0, (a, b), "op")
    assert len(d._prev) == 2


class IterBuildsNodes:
    def __init__(self, items):
        self.items = items

    def __iter__(self):
        for item in self.items:
            grow()
            yield item


class IterRaises:
    def __iter__(self):
        yield 1.0
        raise ValueError("from __iter__")


def test_hostile_iter():
    a, b = Value(1.0), Value(2.0)
    n = Neuron(2)
    assert n(IterBuildsNodes([a, b])).data == n([1.0, 2.0]).data
    assert MLP(2, [2, 1])(IterBuildsNodes([1.0, 2.0])) is not None
    d = Value(3.0, IterBuildsNodes([a, b]), "op")
    assert {v.data for v in d._prev} == {1.0, 2.0}
    for action in (lambda: n(IterRaises()), lambda: Value(1.0, IterRaises(), "op"), lambda: MLP(2, IterRaises())):
        assert isinstance(no_panic(action), (ValueError, TypeError))


def resident_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/statm")
def test_a_threads_graph_is_freed_when_the_thread_ends():
    def work():
        x = Value(0.5)
        y = x
        for _ in range(40_000):
            y = y * 1.0001 + 0.001
        y.backward()
        assert x.grad > 1.0

    def run(n):
        for _ in range(n):
            t = threading.Thread(target=work)
            t.start()
            t.join()

    run(5)  # the allocator's own pools settle
    before = resident_bytes()
    run(100)
    grown = resident_bytes() - before
    assert grown < 50e6, f"100 threads grew resident memory by {grown / 1e6:.0f} MB"


def test_a_value_outliving_its_thread_stays_safe():
    kept = []

    def work():
        a = Value(2.0)
        kept.append(a * 3)
        kept.append(Value(1.0, (a,), "mine"))

    t = threading.Thread(target=work)
    t.start()
    t.join()
    for action in (lambda: kept[0].data, lambda: Layer(1, 2)([kept[1]]), lambda: MLP(1, [1])([kept[0]]), lambda: Value(1.0) * kept[1]):
        e = no_panic(action)
        assert isinstance(e, RuntimeError) and "another thread" in str(e)
    kept.clear()  # freeing them frees the thread's graph: nothing to see but no crash
    assert tape_len() >= 0

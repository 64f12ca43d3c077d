"""numpy object arrays of Values behave as with micrograd: the same values and gradients."""

import pytest

np = pytest.importorskip("numpy", reason="pip install numpy")
micrograd_engine = pytest.importorskip("micrograd.engine", reason="pip install micrograd")

from micrograd_rs.engine import Value  # noqa: E402


def run(V):
    v = V(3.0)
    ws = np.array([0.5, -1.5, 2.0])
    xs = [V(1.0), V(-2.0), V(4.0)]
    left = np.array([1.0, 2.0]) * v
    dot = np.dot(ws, np.array(xs, dtype=object))
    total = np.array(xs, dtype=object).sum()
    scalar = np.float64(2.0) * v + v * np.float32(0.5) + np.int64(3) * v
    out = left.sum() + left[1] * dot + total * scalar
    out.backward()
    kinds = [type(left).__name__, left.dtype.kind, type(dot).__name__, type(scalar).__name__]
    values = [x.data for x in left] + [dot.data, total.data, scalar.data, out.data]
    grads = [v.grad] + [x.grad for x in xs]
    return kinds, values, grads


def test_object_arrays_of_values_behave_as_with_micrograd():
    ours, theirs = run(Value), run(micrograd_engine.Value)
    assert ours[0] == ["ndarray", "O", "Value", "Value"]
    assert ours[0] == theirs[0]
    assert ours[1] == pytest.approx(theirs[1], rel=1e-15)
    assert ours[2] == pytest.approx(theirs[2], rel=1e-15)
    assert ours[2][0] != 0.0


def test_a_value_times_an_array_is_an_object_array_too():
    # micrograd wraps the array itself in one Value here (Value(data=array([3., 6.]))); an
    # object array of Values, as on the other side, is what the engine can differentiate.
    v = Value(3.0)
    right = v * np.array([1.0, 2.0])
    assert right.dtype.kind == "O" and [x.data for x in right] == [3.0, 6.0]
    (right[0] + right[1] * 2).backward()
    assert v.grad == 5.0
    assert [x.data for x in (v + np.array([1.0, -1.0]))] == [4.0, 2.0]

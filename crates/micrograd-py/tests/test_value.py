"""micrograd's Value API: construction, attributes, operators, graph structure and backward."""

import math

import numpy as np
import pytest

from micrograd_rs.engine import Value


def test_karpathy_sanity_check_matches_pytorch_exactly():
    # micrograd's test_sanity_check, with PyTorch's numbers written in.
    x = Value(-4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    assert y.data == -20.0
    assert x.grad == 46.0


def test_karpathy_more_ops_match_pytorch():
    # micrograd's test_more_ops, with PyTorch's numbers written in.
    a = Value(-4.0)
    b = Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    assert abs(g.data - 24.70408163265306) < 1e-6
    assert abs(a.grad - 138.83381924198252) < 1e-6
    assert abs(b.grad - 645.5772594752186) < 1e-6


def test_constructor_takes_micrograd_and_notebook_arguments():
    a = Value(2.0, label="a")
    assert (a.data, a.grad, a.label, a._op, a._prev) == (2.0, 0.0, "a", "", set())
    assert Value(3).data == 3.0
    assert Value(np.float64(0.5)).data == 0.5
    assert Value(np.int64(7)).data == 7.0
    assert Value(True).data == 1.0


def test_constructor_children_and_op_are_kept_for_drawing():
    a, b = Value(1.0), Value(2.0)
    c = Value(3.0, (a, b), "+", label="c")
    assert c._prev == {a, b}
    assert c._op == "+"
    assert c.label == "c"


def test_data_grad_and_label_can_be_written():
    a = Value(1.0)
    a.data = 4
    a.grad = 0.25
    a.label = "w"
    assert (a.data, a.grad, a.label) == (4.0, 0.25, "w")
    a.data -= 0.5 * a.grad
    assert a.data == 3.875


def test_repr_is_micrographs():
    a = Value(2.0)
    b = a * 3
    b.backward()
    assert repr(b) == "Value(data=6.0, grad=1.0)"
    assert repr(Value(1e-05)) == "Value(data=1e-05, grad=0.0)"


def test_numbers_on_either_side():
    a = Value(3.0)
    cases = {
        "a + 1": (a + 1, 4.0),
        "1 + a": (1 + a, 4.0),
        "a * 2.0": (a * 2.0, 6.0),
        "2.0 * a": (2.0 * a, 6.0),
        "a - 1": (a - 1, 2.0),
        "1.0 - a": (1.0 - a, -2.0),
        "a / 2": (a / 2, 1.5),
        "6 / a": (6 / a, 2.0),
        "a ** 2": (a**2, 9.0),
        "-a": (-a, -3.0),
        "np.float64(2) * a": (np.float64(2) * a, 6.0),
        "a * np.float64(2)": (a * np.float64(2), 6.0),
        "np.int64(-1) * a": (np.int64(-1) * a, -3.0),
        "np.float32(0.5) + a": (np.float32(0.5) + a, 3.5),
        "a ** np.int64(2)": (a ** np.int64(2), 9.0),
    }
    for text, (value, expected) in cases.items():
        assert isinstance(value, Value), text
        assert value.data == expected, text


def test_ops_are_named_as_micrograd_names_them():
    a, b = Value(2.0), Value(3.0)
    assert (a + b)._op == "+"
    assert (a * b)._op == "*"
    assert (a**2)._op == "**2"
    assert (a**-1)._op == "**-1"
    assert (a**0.5)._op == "**0.5"
    assert (a**2.0)._op == "**2.0"
    assert a.relu()._op == "ReLU"
    assert a.tanh()._op == "tanh"
    assert a.exp()._op == "exp"


def test_minus_and_divide_are_built_as_micrograd_builds_them():
    a, b = Value(2.0), Value(3.0)
    d = a - b  # a + (-b), where -b is b * -1
    assert d._op == "+"
    (neg,) = d._prev - {a}
    assert neg._op == "*"
    assert {v.data for v in neg._prev} == {3.0, -1.0}
    q = a / b  # a * b**-1
    assert q._op == "*"
    (inv,) = q._prev - {a}
    assert inv._op == "**-1"
    assert inv._prev == {b}
    n = -a  # a * -1
    assert n._op == "*"
    assert {v.data for v in n._prev} == {2.0, -1.0}


def test_prev_holds_the_same_objects_every_time():
    a, b = Value(2.0), Value(3.0)
    c = (a * b + 1).tanh()
    first = c._prev
    assert c._prev is first
    (inner,) = first
    assert inner._op == "+"
    assert inner._prev is inner._prev
    (mul,) = [v for v in inner._prev if v._op == "*"]
    assert mul._prev == {a, b}
    assert [id(v) for v in inner._prev] == [id(v) for v in inner._prev]


def test_a_value_used_twice_gets_both_gradients():
    a = Value(3.0)
    b = a + a
    b.backward()
    assert a.grad == 2.0


def test_backward_step_by_step_as_the_notebook_does():
    x1, w1 = Value(2.0, label="x1"), Value(-3.0, label="w1")
    x1w1 = x1 * w1
    x1w1.grad = 0.5
    x1w1._backward()
    assert (x1.grad, w1.grad) == (-1.5, 1.0)
    leaf = Value(1.0)
    leaf._backward()  # a leaf's step does nothing
    assert leaf.grad == 0.0


def test_the_engines_functions():
    x = Value(0.5)
    assert x.log().data == math.log(0.5)
    assert x.sigmoid().data == pytest.approx(1 / (1 + math.exp(-0.5)))
    assert x.sin().data == math.sin(0.5)
    assert x.cos().data == math.cos(0.5)
    assert x.sqrt().data == math.sqrt(0.5)
    assert Value(-2.0).abs().data == 2.0
    assert abs(Value(-2.0)).data == 2.0
    assert Value(1000.0).tanh().data == 1.0


def test_value_exponent_gets_a_gradient():
    a, b = Value(2.5), Value(1.5)
    c = a**b
    c.backward()
    assert c._op == "**"
    assert c._prev == {a, b}
    assert b.grad == pytest.approx(2.5**1.5 * math.log(2.5))
    assert (2 ** Value(3.0)).data == 8.0


def test_values_hash_and_compare_by_identity():
    a, b = Value(1.0), Value(1.0)
    assert a != b
    assert len({a, b, a}) == 2

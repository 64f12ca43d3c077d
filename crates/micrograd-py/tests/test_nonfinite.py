"""NaN and the infinities go through the package's Values and networks as through PyTorch (numbers
from torch 2.15 in float64): a NaN input is never turned into a finite prediction."""

import math

from micrograd_rs.engine import Value
from micrograd_rs.nn import MLP


def test_relu_of_nan_is_nan_and_passes_the_gradient_on():
    # torch.relu(nan) is nan, and its backward passes the gradient on: x.grad == 1.
    x = Value(math.nan)
    y = x.relu()
    y.backward()
    assert math.isnan(y.data)
    assert x.grad == 1.0


def test_a_nan_made_inside_a_program_stays_nan():
    # torch: relu(sqrt(-1)) is nan, and so is the gradient of -1.
    x = Value(-1.0)
    y = x.sqrt().relu()
    y.backward()
    assert math.isnan(y.data)
    assert math.isnan(x.grad)


def test_a_nan_input_gives_a_nan_prediction():
    out = MLP(2, [4, 1])([math.nan, 1.0])
    assert math.isnan(out.data)


def test_square_roots_by_power_follow_pytorch_at_the_edges():
    # PyTorch computes x ** 0.5 as sqrt(x): -0.0 at -0.0, nan at -inf (Python's pow gives 0.0, inf).
    negative_zero = (Value(-0.0) ** 0.5).data
    assert negative_zero == 0.0 and math.copysign(1.0, negative_zero) == -1.0
    assert math.isnan((Value(-math.inf) ** 0.5).data)

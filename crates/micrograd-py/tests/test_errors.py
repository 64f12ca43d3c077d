"""Errors come as Python users expect them, never as a crash."""

import threading

import pytest

from micrograd_rs.engine import Value
from micrograd_rs.nn import MLP, Layer, Neuron


def test_a_string_is_not_a_value():
    with pytest.raises(TypeError, match="must be a number"):
        Value("a")
    with pytest.raises(TypeError):
        Value(None)


def test_operators_with_other_types_raise_type_error():
    a = Value(1.0)
    with pytest.raises(TypeError):
        a + "x"
    with pytest.raises(TypeError):
        "x" * a
    with pytest.raises(TypeError):
        a * None
    with pytest.raises(TypeError):
        a < a  # micrograd has no ordering either


def test_writing_a_non_number_raises_type_error():
    a = Value(1.0)
    with pytest.raises(TypeError):
        a.data = "3"
    with pytest.raises(TypeError):
        a.grad = [1.0]


def test_pow_with_a_modulo_is_refused():
    with pytest.raises(ValueError):
        pow(Value(2.0), 2, 5)


def test_a_network_input_that_is_not_a_number_raises_type_error():
    n = Neuron(2)
    with pytest.raises(TypeError, match="expected a Value or a number"):
        n([1.0, "two"])


def test_an_exception_in_a_python_neuron_reaches_the_caller():
    class Broken:
        def __call__(self, x):
            raise KeyError("inside the neuron")

    layer = Layer(2, 2)
    layer.neurons[1] = Broken()
    with pytest.raises(KeyError, match="inside the neuron"):
        layer([1.0, 2.0])


def test_a_value_used_in_another_thread_raises_runtime_error():
    a = Value(2.0)
    errors = []

    def use():
        for action in (lambda: a * 2, lambda: a.data, lambda: a.backward(), lambda: a._prev):
            try:
                action()
            except RuntimeError as e:
                errors.append(str(e))
        # Values made in this thread work as usual.
        b = Value(3.0) * 2
        b.backward()
        errors.append(b.data)

    t = threading.Thread(target=use)
    t.start()
    t.join()
    assert len(errors) == 5
    assert all("another thread" in e for e in errors[:4])
    assert errors[4] == 6.0
    assert (a * 2).data == 4.0  # still fine in its own thread


def test_a_model_used_in_another_thread_raises_runtime_error():
    model = MLP(2, [3, 1])
    errors = []

    def use():
        for action in (lambda: model([1.0, 2.0]), model.zero_grad):
            try:
                action()
            except RuntimeError as e:
                errors.append(str(e))

    t = threading.Thread(target=use)
    t.start()
    t.join()
    assert len(errors) == 2 and all("another thread" in e for e in errors)


def test_values_freed_in_another_thread_are_handled():
    values = [Value(float(i)) * 2 for i in range(100)]
    t = threading.Thread(target=values.clear)
    t.start()
    t.join()
    a = Value(1.0)
    assert (a + 1).data == 2.0

"""Subclasses of Value and of the nn classes, pickling and copying, as users of micrograd expect."""

import copy
import pickle
import subprocess
import sys

import pytest

from micrograd_rs.engine import Value
from micrograd_rs.nn import MLP, Layer, Module, Neuron


class MyValue(Value):
    def double(self):
        return self * 2

    def __repr__(self):
        return f"MyValue({self.data})"


def test_a_subclass_keeps_its_methods_and_attributes_and_operations_give_value():
    a = MyValue(3.0, label="a")
    a.note = "mine"
    assert isinstance(a, MyValue) and isinstance(a, Value)
    assert (a.data, a.label, a.note, repr(a)) == (3.0, "a", "mine", "MyValue(3.0)")
    b = a.double() + Value(1.0)
    assert type(b) is Value  # micrograd's operators make Value, whatever the operands' class
    b.backward()
    assert a.grad == 2.0
    assert any(a is v for c in b._prev for v in c._prev)


def test_a_subclass_with_its_own_init_and_arguments():
    class Named(Value):
        def __init__(self, data, name="x"):
            super().__init__(data)
            self.name = name

    n = Named(2.5, name="weight")
    assert (n.data, n.name) == (2.5, "weight")
    assert (n * n).data == 6.25


def test_a_subclass_survives_compaction_and_is_the_same_object_in_prev():
    a = MyValue(1.5)
    out = a * 2
    for _ in range(100_000):
        Value(1.0) * 2
    (child,) = [v for v in out._prev if isinstance(v, MyValue)]
    assert child is a and a.data == 1.5
    out.backward()
    assert a.grad == 2.0


def test_value_refuses_arguments_it_does_not_take():
    with pytest.raises(TypeError):
        Value(1.0, (), "", "", "extra")


def test_a_pickled_value_keeps_data_grad_and_label_and_comes_back_a_leaf():
    a = Value(2.0, label="a")
    b = a * 3
    b.label = "b"
    b.backward()
    c = pickle.loads(pickle.dumps(b))
    assert (c.data, c.grad, c.label, c._op, c._prev) == (6.0, 1.0, "b", "", set())
    d = copy.deepcopy(a)
    assert (d.data, d.grad, d.label) == (2.0, 3.0, "a") and d is not a
    e = copy.copy(a)
    assert (e.data, e.grad) == (2.0, 3.0)


def test_a_pickled_subclass_keeps_its_class_and_attributes():
    a = MyValue(4.0)
    a.note = "kept"
    b = pickle.loads(pickle.dumps(a))
    assert type(b) is MyValue and b.note == "kept" and b.data == 4.0


def test_models_pickle_and_deepcopy_with_their_parameters_and_nonlinearity():
    model = MLP(3, [4, 4, 1])
    tanh = MLP(3, [2, 1], activation="tanh")
    x = [1.0, -2.0, 0.5]
    for m in (model, tanh, Layer(3, 2), Neuron(3, nonlin=False)):
        for clone in (pickle.loads(pickle.dumps(m)), copy.deepcopy(m)):
            assert repr(clone) == repr(m)
            assert [p.data for p in clone.parameters()] == [p.data for p in m.parameters()]
            out, expected = clone(x), m(x)
            outs = out if isinstance(out, list) else [out]
            exp = expected if isinstance(expected, list) else [expected]
            assert [o.data for o in outs] == [e.data for e in exp]
            # The copy's parameters are its own.
            clone.parameters()[0].data += 1.0
            assert clone.parameters()[0].data != m.parameters()[0].data


class Net(Module):
    def __init__(self):
        self.l1 = Layer(2, 3)
        self.l2 = Layer(3, 1, nonlin=False)

    def __call__(self, x):
        return self.l2(self.l1(x))

    def parameters(self):
        return self.l1.parameters() + self.l2.parameters()


def test_a_module_subclass_pickles_with_its_attributes():
    net = Net()
    clone = pickle.loads(pickle.dumps(net))
    assert clone([1.0, 2.0]).data == net([1.0, 2.0]).data
    assert clone.l1.parameters()[0] is not net.l1.parameters()[0]


TRAIN_AND_PICKLE = """
import pickle, random, sys
from micrograd_rs.nn import MLP
random.seed(7)
model = MLP(2, [8, 1], activation=sys.argv[2] if sys.argv[2] != 'none' else None)
xs = [[random.uniform(-1, 1), random.uniform(-1, 1)] for _ in range(20)]
ys = [1.0 if a * b > 0 else -1.0 for a, b in xs]
for _ in range(20):
    loss = sum((model(x) - y) ** 2 for x, y in zip(xs, ys))
    model.zero_grad()
    loss.backward()
    for p in model.parameters():
        p.data -= 0.01 * p.grad
with open(sys.argv[1], 'wb') as f:
    pickle.dump((model, xs), f)
print(repr([model(x).data for x in xs]))
"""

PREDICT = """
import pickle, sys
with open(sys.argv[1], 'rb') as f:
    model, xs = pickle.load(f)
print(repr([model(x).data for x in xs]))
"""


@pytest.mark.parametrize("activation", ["none", "tanh"])
def test_a_model_trained_and_pickled_in_one_process_predicts_the_same_bits_in_another(tmp_path, activation):
    path = tmp_path / "model.pkl"
    trained = subprocess.run(
        [sys.executable, "-c", TRAIN_AND_PICKLE, str(path), activation], capture_output=True, text=True, check=True
    ).stdout
    loaded = subprocess.run([sys.executable, "-c", PREDICT, str(path)], capture_output=True, text=True, check=True).stdout
    assert trained == loaded and len(eval(trained)) == 20

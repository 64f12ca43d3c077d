"""micrograd's nn: classes, reprs, initialization, forward sums and parameters."""

import random

import pytest

from micrograd_rs.engine import Value
from micrograd_rs.nn import MLP, Layer, Module, Neuron


def micrograd_neuron(w, b, x, nonlin=True):
    """micrograd's Neuron.__call__ on plain floats: sum((wi*xi ...), b), then ReLU."""
    act = sum((wi * xi for wi, xi in zip(w, x)), b)
    return (0 if act < 0 else act) if nonlin else act


def test_reprs_are_micrographs():
    random.seed(0)
    model = MLP(2, [16, 16, 1])
    assert str(model).startswith("MLP of [Layer of [ReLUNeuron(2), ReLUNeuron(2), ")
    assert str(model).endswith("Layer of [LinearNeuron(16)]]")
    assert repr(Neuron(3, nonlin=False)) == "LinearNeuron(3)"
    assert repr(Layer(2, 2)) == "Layer of [ReLUNeuron(2), ReLUNeuron(2)]"


def test_the_same_seed_gives_micrographs_network():
    random.seed(1337)
    expected = []
    for nin, nout in [(2, 16), (16, 16), (16, 1)]:
        for _ in range(nout):
            expected += [random.uniform(-1, 1) for _ in range(nin)] + [0.0]
    random.seed(1337)
    model = MLP(2, [16, 16, 1])
    assert [p.data for p in model.parameters()] == expected
    assert len(model.parameters()) == 337


def test_attributes_are_micrographs():
    random.seed(1)
    n = Neuron(3)
    assert len(n.w) == 3 and all(isinstance(w, Value) for w in n.w)
    assert n.b.data == 0.0 and n.nonlin is True
    assert n.parameters() == n.w + [n.b]
    layer = Layer(3, 2, nonlin=False)
    assert [x.nonlin for x in layer.neurons] == [False, False]
    model = MLP(3, [4, 1])
    assert [type(x) for x in model.layers] == [Layer, Layer]
    assert [x.neurons[0].nonlin for x in model.layers] == [True, False]
    assert isinstance(model, Module) and isinstance(n, Module)


def test_a_neuron_sums_in_micrographs_order():
    random.seed(2)
    for nonlin in (True, False):
        n = Neuron(5, nonlin=nonlin)
        n.b.data = 0.3
        x = [random.uniform(-3, 3) for _ in range(5)]
        out = n([Value(v) for v in x])
        assert out.data == micrograd_neuron([w.data for w in n.w], 0.3, x, nonlin)


def test_an_mlp_gives_micrographs_numbers_and_gradients():
    random.seed(3)
    model = MLP(3, [4, 4, 1])
    x = [0.5, -1.25, 2.0]
    # micrograd's forward pass on floats, layer by layer.
    h = x
    for layer in model.layers:
        h = [
            micrograd_neuron([w.data for w in n.w], n.b.data, h, n.nonlin)
            for n in layer.neurons
        ]
    out = model([Value(v) for v in x])
    assert isinstance(out, Value)
    assert out.data == h[0]
    out.backward()
    assert any(p.grad != 0 for p in model.parameters())


def test_plain_numbers_are_accepted_as_inputs():
    random.seed(4)
    model = MLP(3, [4, 4, 1])
    assert model([2.0, 3.0, -1.0]).data == model([Value(2.0), Value(3.0), Value(-1.0)]).data


def test_a_layer_with_several_outputs_returns_a_list():
    random.seed(5)
    out = Layer(2, 3)([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 3
    assert isinstance(MLP(2, [3])([1.0, 2.0]), list)


def test_zero_grad_resets_every_parameter():
    random.seed(6)
    model = MLP(2, [3, 1])
    model([1.0, 2.0]).backward()
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_edited_weights_are_used():
    n = Neuron(2)
    n.w = [Value(1.0), Value(2.0)]
    n.b = Value(0.5)
    assert n([3.0, 4.0]).data == 11.5
    n.w[1] = Value(-10.0)
    n.nonlin = False
    assert n([3.0, 4.0]).data == 0.5 + 3.0 - 40.0


def test_zip_pairs_as_many_weights_and_inputs_as_both_have():
    n = Neuron(3, nonlin=False)
    for w in n.w:
        w.data = 1.0
    assert n([1.0, 2.0]).data == 3.0


def test_python_modules_mix_with_native_ones():
    class Doubler(Module):
        def __init__(self):
            self.scale = Value(2.0)

        def __call__(self, x):
            return [xi * self.scale for xi in x]

        def parameters(self):
            return [self.scale]

    model = MLP(2, [1])
    for w in model.parameters():
        w.data = 1.0
    model.layers.insert(0, Doubler())
    out = model([1.0, 3.0])
    assert out.data == 2.0 + 6.0 + 1.0
    out.backward()
    assert model.layers[0].scale.grad == 4.0
    assert len(model.parameters()) == 1 + 3
    model.zero_grad()
    assert model.layers[0].scale.grad == 0.0

    class Half(Module):
        def __call__(self, x):
            return sum(x) * 0.5

    layer = Layer(2, 2)
    layer.neurons[0] = Half()
    first, second = layer([Value(1.0), Value(3.0)])
    assert first.data == 2.0
    assert Module().parameters() == []


def test_a_subclass_of_module_gets_zero_grad():
    class Line(Module):
        def __init__(self):
            self.w, self.b = Value(2.0), Value(1.0)

        def parameters(self):
            return [self.w, self.b]

    line = Line()
    (line.w * 3 + line.b).backward()
    line.zero_grad()
    assert (line.w.grad, line.b.grad) == (0.0, 0.0)


def test_nonlin_takes_any_truth_value():
    assert repr(Neuron(1, nonlin=0)) == "LinearNeuron(1)"
    assert repr(Neuron(1, nonlin="yes")) == "ReLUNeuron(1)"
    with pytest.raises(ValueError, match="activation"):
        Neuron(2, activation="swish")

"""Karpathy's micrograd demo (``demo.ipynb``), runnable on any package with micrograd's API.

The demo's code is kept as text, word for word but for its import line and for ``print``, which
records each step's loss and accuracy instead. ``run_demo("micrograd")`` runs it on the original,
``run_demo("micrograd_rs")`` on this package: the same code, only the import changed.

The data is the demo's ``make_moons(n_samples=100, noise=0.1)``; scikit-learn's is used when it is
installed, else an equivalent drawn from numpy's global generator in the same way.
"""

import random
import time

import numpy as np

DEMO_SETUP = """
from {package}.engine import Value
from {package}.nn import Neuron, Layer, MLP

np.random.seed(1337)
random.seed(1337)

X, y = make_moons(n_samples=100, noise=0.1)

y = y*2 - 1 # make y be -1 or 1

# initialize a model
model = MLP(2, [16, 16, 1]) # 2-layer neural network

# loss function
def loss(batch_size=None):

    # inline DataLoader :)
    if batch_size is None:
        Xb, yb = X, y
    else:
        ri = np.random.permutation(X.shape[0])[:batch_size]
        Xb, yb = X[ri], y[ri]
    inputs = [list(map(Value, xrow)) for xrow in Xb]

    # forward the model to get scores
    scores = list(map(model, inputs))

    # svm "max-margin" loss
    losses = [(1 + -yi*scorei).relu() for yi, scorei in zip(yb, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    # L2 regularization
    alpha = 1e-4
    reg_loss = alpha * sum((p*p for p in model.parameters()))
    total_loss = data_loss + reg_loss

    # also get accuracy
    accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(yb, scores)]
    return total_loss, sum(accuracy) / len(accuracy)
"""

DEMO_STEP = """
# forward
total_loss, acc = loss()

# backward
model.zero_grad()
total_loss.backward()

# update (sgd)
learning_rate = 1.0 - 0.9*k/100
for p in model.parameters():
    p.data -= learning_rate * p.grad

if k % 1 == 0:
    print(f"step {k} loss {total_loss.data}, accuracy {acc*100}%")
"""


# The demo with its hinge's ReLU written in Python, as the lecture writes an operation: a value and
# a `_backward` closure (what `python -m micrograd_rs.bench` times beside the plain demo).
PYTHON_RELU_SETUP = DEMO_SETUP.replace(
    "from {package}.nn import Neuron, Layer, MLP",
    """from {package}.nn import Neuron, Layer, MLP

def relu(self):
    out = Value(0.0 if self.data < 0 else self.data, (self,), 'ReLU')
    def _backward():
        self.grad += (out.data > 0) * out.grad
    out._backward = _backward
    return out
""",
).replace("(1 + -yi*scorei).relu()", "relu(1 + -yi*scorei)")


def make_moons(n_samples=100, noise=None):
    """scikit-learn's ``make_moons`` (its own, if installed), drawing from numpy's global generator."""
    try:
        from sklearn.datasets import make_moons as sklearn_moons
    except ImportError:
        return numpy_moons(n_samples=n_samples, noise=noise)
    return sklearn_moons(n_samples=n_samples, noise=noise)


def numpy_moons(n_samples=100, noise=None):
    """Two interleaving half circles as scikit-learn draws them, with numpy alone."""
    n_out = n_samples // 2
    n_in = n_samples - n_out
    outer = np.linspace(0, np.pi, n_out)
    inner = np.linspace(0, np.pi, n_in)
    X = np.vstack(
        [
            np.append(np.cos(outer), 1 - np.cos(inner)),
            np.append(np.sin(outer), 1 - np.sin(inner) - 0.5),
        ]
    ).T
    y = np.hstack([np.zeros(n_out, dtype=np.intp), np.ones(n_in, dtype=np.intp)])
    order = np.random.permutation(n_samples)
    X, y = X[order], y[order]
    if noise is not None:
        X += np.random.normal(scale=noise, size=X.shape)
    return X, y


class Demo:
    """The demo set up on ``package``: its model and data made, ready to take steps."""

    def __init__(self, package, moons=make_moons, setup=None):
        self.records = []
        self.namespace = {
            "np": np,
            "random": random,
            "make_moons": moons,
            "print": self._record,
        }
        self._step = compile(DEMO_STEP, "<demo step>", "exec")
        exec((setup or DEMO_SETUP).format(package=package), self.namespace)
        self.model = self.namespace["model"]

    def _record(self, *args, **kwargs):
        ns = self.namespace
        self.records.append((ns["k"], ns["total_loss"].data, ns["acc"]))

    def step(self, k):
        """Runs step ``k`` of the training loop; returns its loss and accuracy."""
        self.namespace["k"] = k
        exec(self._step, self.namespace)
        return self.records[-1][1:]

    def time_steps(self, steps, start=0):
        """Runs ``steps`` steps from step ``start``; returns the seconds each took on average."""
        begin = time.perf_counter()
        for k in range(start, start + steps):
            self.step(k)
        return (time.perf_counter() - begin) / steps


def run_demo(package, steps=100, moons=make_moons):
    """The demo's ``(step, loss, accuracy)`` at each of ``steps`` steps on ``package``."""
    demo = Demo(package, moons)
    for k in range(steps):
        demo.step(k)
    return demo.records


if __name__ == "__main__":
    import sys

    package = sys.argv[1] if len(sys.argv) > 1 else "micrograd_rs"
    for k, loss, acc in run_demo(package):
        print(f"step {k} loss {loss}, accuracy {acc*100}%")

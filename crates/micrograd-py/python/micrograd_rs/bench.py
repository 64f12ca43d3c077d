"""``python -m micrograd_rs.bench``: this package beside Python micrograd and micrograd-rust.

Measures, in one run:

- Karpathy's demo step (MLP 2-16-16-1, 100 points, SVM hinge loss + L2, SGD), the demo's own code
  with only the import changed, on ``micrograd_rs`` and on ``micrograd`` (``pip install
  micrograd``, garbage collector on, as a notebook runs it);
- the same model and step on ``micrograd-rust`` (``pip install micrograd-rust``), whose API needs
  the loop adapted: no numbers beside Values, no ``relu`` (a hinge term is kept when positive,
  which is what ``relu`` does), and tanh neurons;
- ``a * b`` on each.

A baseline that is not installed is skipped, and the report says so.
"""

import os

# The demo does no linear algebra: keep numpy's BLAS from spinning threads beside the timed loop.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import gc  # noqa: E402
import importlib.util  # noqa: E402
import random  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import timeit  # noqa: E402
from functools import reduce  # noqa: E402

import numpy as np  # noqa: E402

from micrograd_rs.demo import PYTHON_RELU_SETUP, Demo, make_moons  # noqa: E402

TARGET_VS_MICROGRAD = 1000.0
TARGET_VS_MICROGRAD_RUST = 20.0
TARGET_MUL_NS = 250.0


def installed(name):
    return importlib.util.find_spec(name) is not None


def demo_step(package, steps, setup=None):
    """Seconds per step of the demo on ``package``: the mean over ``steps`` steps after one."""
    demo = Demo(package, setup=setup)
    demo.step(0)
    return demo.time_steps(steps, start=1)


def micrograd_rust_step(steps):
    """Seconds per step of the demo's model and loss on micrograd-rust, the loop adapted to its API."""
    import micrograd_rust as mr

    np.random.seed(1337)
    random.seed(1337)
    X, y = make_moons(n_samples=100, noise=0.1)
    y = y * 2 - 1
    model = mr.MLP(2, [16, 16, 1])

    def step(k):
        inputs = [[mr.Value(float(a)), mr.Value(float(b))] for a, b in X]
        scores = [model(x)[0] for x in inputs]
        margins = [mr.Value(1.0) + mr.Value(float(-yi)) * s for yi, s in zip(y, scores)]
        losses = [m for m in margins if m.data > 0] or [mr.Value(0.0)]
        data_loss = reduce(lambda a, b: a + b, losses) * mr.Value(1.0 / len(margins))
        params = model.parameters()
        reg_loss = mr.Value(1e-4) * reduce(lambda a, b: a + b, (p * p for p in params))
        total_loss = data_loss + reg_loss
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad

    step(0)
    begin = time.perf_counter()
    for k in range(1, steps + 1):
        step(k)
    return (time.perf_counter() - begin) / steps


def mul_ns(value_class, number=200_000, repeat=5):
    """Nanoseconds per ``a * b`` (best of ``repeat`` runs of ``number``), loop included."""
    a, b = value_class(1.5), value_class(-2.0)
    best = min(timeit.repeat("a * b", globals={"a": a, "b": b}, number=number, repeat=repeat))
    return best / number * 1e9


def verdict(ok):
    return "meets the target" if ok else "MISSES the target"


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m micrograd_rs.bench", description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=100, help="demo steps timed on micrograd_rs")
    parser.add_argument("--micrograd-steps", type=int, default=2, help="demo steps timed on micrograd")
    parser.add_argument("--rust-steps", type=int, default=10, help="demo steps timed on micrograd-rust")
    args = parser.parse_args(argv)

    print(f"Python {sys.version.split()[0]}; demo: MLP 2-16-16-1, 100 points, hinge + L2, SGD")
    ours = demo_step("micrograd_rs", args.steps)
    print(f"  micrograd_rs    demo step {ours * 1e3:10.3f} ms   ({args.steps} steps)")
    python_relu = demo_step("micrograd_rs", args.steps, setup=PYTHON_RELU_SETUP)
    print(
        f"  micrograd_rs    demo step {python_relu * 1e3:10.3f} ms   with the hinge's ReLU written in Python "
        f"(a _backward closure per sample): {python_relu / ours:.2f}x the plain step"
    )
    ok = True

    if installed("micrograd"):
        gc.enable()
        theirs = demo_step("micrograd", args.micrograd_steps)
        ratio = theirs / ours
        ok &= ratio >= TARGET_VS_MICROGRAD
        print(
            f"  micrograd       demo step {theirs * 1e3:10.1f} ms   ({args.micrograd_steps} steps, gc on)"
            f"  -> micrograd_rs is {ratio:,.0f}x faster (target >= {TARGET_VS_MICROGRAD:,.0f}x: {verdict(ratio >= TARGET_VS_MICROGRAD)})"
        )
    else:
        print("  micrograd       skipped: not installed (pip install micrograd)")

    if installed("micrograd_rust"):
        theirs = micrograd_rust_step(args.rust_steps)
        ratio = theirs / ours
        ok &= ratio >= TARGET_VS_MICROGRAD_RUST
        print(
            f"  micrograd-rust  demo step {theirs * 1e3:10.2f} ms   ({args.rust_steps} steps, loop adapted)"
            f"  -> micrograd_rs is {ratio:,.1f}x faster (target >= {TARGET_VS_MICROGRAD_RUST:,.0f}x: {verdict(ratio >= TARGET_VS_MICROGRAD_RUST)})"
        )
    else:
        print("  micrograd-rust  skipped: not installed (pip install micrograd-rust)")

    print("a * b, per operation (loop included):")
    from micrograd_rs.engine import Value

    ns = mul_ns(Value)
    ok &= ns <= TARGET_MUL_NS
    print(f"  micrograd_rs    {ns:8.0f} ns   (target <= {TARGET_MUL_NS:.0f} ns: {verdict(ns <= TARGET_MUL_NS)})")
    for name, module, cls in [("micrograd", "micrograd.engine", "Value"), ("micrograd-rust", "micrograd_rust", "Value")]:
        if installed(module.split(".")[0]):
            value_class = getattr(importlib.import_module(module), cls)
            print(f"  {name:<15} {mul_ns(value_class):8.0f} ns")
        else:
            print(f"  {name:<15} skipped: not installed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Python micrograd (the original, `pip install micrograd`) on the moons demo workload.

Same work as torch_moons.py, but only STEPS steps (default 3) because it is slow; prints
'micrograd_py_step_ms <median milliseconds per training step>'. Multiply by 100 for the full demo.
"""
import os, random, sys, time
import numpy as np
from micrograd.engine import Value
from micrograd.nn import MLP

steps = int(sys.argv[1]) if len(sys.argv) > 1 else 3
here = os.path.dirname(os.path.abspath(__file__))
d = np.loadtxt(os.path.join(here, '..', 'crates', 'micrograd', 'data', 'moons100.csv'), delimiter=',', skiprows=1)
X, y = d[:, :2], d[:, 2]
random.seed(1337)
model = MLP(2, [16, 16, 1])
times = []
for k in range(steps):
    t = time.perf_counter()
    inputs = [list(map(Value, row)) for row in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
    loss = sum(losses) * (1.0 / len(losses)) + 1e-4 * sum((p * p for p in model.parameters()))
    model.zero_grad()
    loss.backward()
    lr = 1.0 - 0.9 * k / 100
    for p in model.parameters():
        p.data -= lr * p.grad
    times.append(time.perf_counter() - t)
times.sort()
print(f"micrograd_py_step_ms {times[len(times) // 2] * 1000:.1f}")

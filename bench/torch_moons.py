"""PyTorch baseline for the moons demo workload (the same work as `micrograd train` with its defaults).

MLP 2-16-16-1 (ReLU hidden, linear out), 100 samples, full batch, SVM hinge loss + 1e-4 * L2,
SGD with learning rate 1.0 -> 0.1 linear decay, 100 steps, one thread.
Prints one line: 'torch_moons_ms <best of 5 runs, milliseconds for the 100 steps>'.
Needs: pip install torch numpy
"""
import os, sys, time
import numpy as np
import torch

torch.set_num_threads(1)
here = os.path.dirname(os.path.abspath(__file__))
d = np.loadtxt(os.path.join(here, '..', 'crates', 'micrograd', 'data', 'moons100.csv'), delimiter=',', skiprows=1)
dtype = torch.float64
X = torch.tensor(d[:, :2], dtype=dtype)
y = torch.tensor(d[:, 2], dtype=dtype)
torch.manual_seed(0)
m = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.ReLU(), torch.nn.Linear(16, 16), torch.nn.ReLU(),
                        torch.nn.Linear(16, 1)).to(dtype)

def step(k):
    s = m(X).squeeze(1)
    loss = torch.relu(1 - y * s).mean() + 1e-4 * sum((p * p).sum() for p in m.parameters())
    m.zero_grad()
    loss.backward()
    lr = 1.0 - 0.9 * k / 100
    with torch.no_grad():
        for p in m.parameters():
            p -= lr * p.grad
    return loss, ((s > 0) == (y > 0)).double().mean()

for k in range(5):
    step(k)
best = float('inf')
for rep in range(5):
    with torch.no_grad():
        for p in m.parameters():
            p.uniform_(-1, 1)
    t = time.perf_counter()
    for k in range(100):
        loss, acc = step(k)
    best = min(best, time.perf_counter() - t)
print(f"torch_moons_ms {best * 1000:.2f}  (final loss {loss.item():.4f}, accuracy {acc.item():.2f})")

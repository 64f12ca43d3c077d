"""PyTorch baseline for the digits workload: MLP 64-H-10 (ReLU), softmax cross-entropy, Adam lr 1e-2,
minibatch 32, 20 epochs, pixels scaled to [0, 1], a seeded 80/20 split of data/digits.csv, float64, one thread.
Usage: python torch_digits.py [H] [--epochs N] [--seed S]   (H, the hidden width, defaults to 32)
Prints 'torch_digits_s <seconds for training>  test_accuracy <fraction>'. Needs: pip install torch numpy
"""
import argparse, os, time
import numpy as np
import torch

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument('hidden', nargs='?', type=int, default=32, help='hidden width H (default 32)')
parser.add_argument('--epochs', type=int, default=20)
parser.add_argument('--seed', type=int, default=0)
args = parser.parse_args()

torch.set_num_threads(1)
here = os.path.dirname(os.path.abspath(__file__))
d = np.loadtxt(os.path.join(here, '..', 'crates', 'micrograd', 'data', 'digits.csv'), delimiter=',', skiprows=1)
X = d[:, :64] / 16.0
y = d[:, 64].astype(int)
idx = np.random.default_rng(args.seed).permutation(len(X))
tr, te = idx[:1437], idx[1437:]
Xtr, ytr, Xte, yte = torch.tensor(X[tr]), torch.tensor(y[tr]), torch.tensor(X[te]), torch.tensor(y[te])
torch.manual_seed(args.seed)
m = torch.nn.Sequential(torch.nn.Linear(64, args.hidden), torch.nn.ReLU(), torch.nn.Linear(args.hidden, 10)).double()
opt = torch.optim.Adam(m.parameters(), lr=1e-2)
t = time.perf_counter()
for ep in range(args.epochs):
    perm = torch.randperm(len(Xtr))
    for i in range(0, len(Xtr), 32):
        b = perm[i:i + 32]
        loss = torch.nn.functional.cross_entropy(m(Xtr[b]), ytr[b])
        opt.zero_grad()
        loss.backward()
        opt.step()
dt = time.perf_counter() - t
with torch.no_grad():
    acc = (m(Xte).argmax(1) == yte).double().mean().item()
print(f"torch_digits_s {dt:.3f}  test_accuracy {acc:.4f}")

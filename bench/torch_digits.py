"""PyTorch baseline for the digits workload, the recipe of `micrograd train --dataset digits`: MLP 64-H-10
(ReLU), softmax cross-entropy with label smoothing 0.1 + 1e-3 L2 (sum of every parameter squared), Adam with
its rate falling linearly from 1e-2 to 1e-3 over the run, minibatch 32, 20 epochs, pixels centered with the
training part's means and divided by one pooled standard deviation (the root mean square of the pixels'),
the same seeded 80/20 split of data/digits.csv as micrograd's, float64, one thread unless --threads says more.
Usage: python torch_digits.py [H] [--epochs N] [--seed S] [--threads T]   (H, the hidden width, defaults to 32)
Prints 'torch_digits_s <seconds for training>  test_accuracy <fraction>'. Needs: pip install torch numpy
"""
import argparse, math, os, time
import numpy as np
import torch

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument('hidden', nargs='?', type=int, default=32, help='hidden width H (default 32)')
parser.add_argument('--epochs', type=int, default=20)
parser.add_argument('--seed', type=int, default=0)
parser.add_argument('--threads', type=int, default=1, help="PyTorch's intra-op threads (default 1)")
args = parser.parse_args()

MASK = (1 << 64) - 1


class Rng:
    """micrograd's generator (xoshiro256** seeded through SplitMix64), so the split is micrograd's."""

    def __init__(self, seed):
        self.s = []
        for _ in range(4):
            seed = (seed + 0x9E3779B97F4A7C15) & MASK
            z = seed
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
            self.s.append(z ^ (z >> 31))

    def next_u64(self):
        s = self.s
        rotl = lambda x, k: ((x << k) | (x >> (64 - k))) & MASK
        result = (rotl((s[1] * 5) & MASK, 7) * 9) & MASK
        t = (s[1] << 17) & MASK
        s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t
        s[3] = rotl(s[3], 45)
        return result

    def below(self, n):
        zone = MASK - (MASK - n + 1) % n
        while True:
            x = self.next_u64()
            if x <= zone:
                return x % n

    def shuffle(self, items):
        for i in range(len(items) - 1, 0, -1):
            j = self.below(i + 1)
            items[i], items[j] = items[j], items[i]


torch.set_num_threads(args.threads)
here = os.path.dirname(os.path.abspath(__file__))
d = np.loadtxt(os.path.join(here, '..', 'crates', 'micrograd', 'data', 'digits.csv'), delimiter=',', skiprows=1)
X = d[:, :64]
y = d[:, 64].astype(int)
order = list(range(len(X)))
Rng(args.seed).shuffle(order)
n_test = math.ceil(len(X) * 0.2)
te, tr = np.array(order[:n_test]), np.array(order[n_test:])
mean = X[tr].mean(0)
pooled = np.sqrt(X[tr].var(0).mean()) or 1.0
X = (X - mean) / pooled
Xtr, ytr, Xte, yte = torch.tensor(X[tr]), torch.tensor(y[tr]), torch.tensor(X[te]), torch.tensor(y[te])
torch.manual_seed(args.seed)
m = torch.nn.Sequential(torch.nn.Linear(64, args.hidden), torch.nn.ReLU(), torch.nn.Linear(args.hidden, 10)).double()
opt = torch.optim.Adam(m.parameters(), lr=1e-2)
total = args.epochs * math.ceil(len(Xtr) / 32)
step = 0
t = time.perf_counter()
for ep in range(args.epochs):
    perm = torch.randperm(len(Xtr))
    for i in range(0, len(Xtr), 32):
        for group in opt.param_groups:
            group['lr'] = 1e-2 - (1e-2 - 1e-3) * step / total
        b = perm[i:i + 32]
        loss = torch.nn.functional.cross_entropy(m(Xtr[b]), ytr[b], label_smoothing=0.1)
        loss = loss + 1e-3 * sum((p * p).sum() for p in m.parameters())
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
dt = time.perf_counter() - t
with torch.no_grad():
    acc = (m(Xte).argmax(1) == yte).double().mean().item()
print(f"torch_digits_s {dt:.3f}  test_accuracy {acc:.4f}")

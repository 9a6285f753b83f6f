"""The PyTorch baseline for `make bench`: the lecture's own code, timed the same way
as benches/speed.rs (median of several runs after a warm-up), one JSON object per line.
Needs the full torch install (it imports torch)."""
import json
import os
import statistics
import subprocess
import sys
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(2)
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEED = 2147483647


def timed(case, runs, f):
    f()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    print(json.dumps({"case": case, "seconds": statistics.median(times), "runs": runs}), flush=True)


words = open(os.path.join(ROOT, "data", "names.txt"), encoding="utf-8").read().splitlines()
chars = sorted(set("".join(words)))
stoi = {s: i + 1 for i, s in enumerate(chars)}
stoi["."] = 0
itos = {i: s for s, i in stoi.items()}


def count_loop():
    N = torch.zeros((27, 27), dtype=torch.int32)
    for w in words:
        chs = ["."] + list(w) + ["."]
        for ch1, ch2 in zip(chs, chs[1:]):
            N[stoi[ch1], stoi[ch2]] += 1
    return N


def count_dict():
    b = {}
    for w in words:
        chs = ["<S>"] + list(w) + ["<E>"]
        for bigram in zip(chs, chs[1:]):
            b[bigram] = b.get(bigram, 0) + 1
    return b


timed("count: lecture loop, N[ix1, ix2] += 1", 3, count_loop)
timed("count: Python dict", 10, count_dict)

xs, ys = [], []
for w in words:
    chs = ["."] + list(w) + ["."]
    for ch1, ch2 in zip(chs, chs[1:]):
        xs.append(stoi[ch1])
        ys.append(stoi[ch2])
xs, ys = torch.tensor(xs), torch.tensor(ys)
num = xs.nelement()
g = torch.Generator().manual_seed(SEED)
W = torch.randn((27, 27), generator=g, requires_grad=True)


def step():
    xenc = F.one_hot(xs, num_classes=27).float()
    logits = xenc @ W
    counts = logits.exp()
    probs = counts / counts.sum(1, keepdims=True)
    loss = -probs[torch.arange(num), ys].log().mean() + 0.01 * (W**2).mean()
    W.grad = None
    loss.backward()
    W.data += -50 * W.grad


timed("one step: lecture one-hot", 10, step)
timed("100 steps: one-hot", 3, lambda: [step() for _ in range(100)])

N = count_loop()
P = (N + 1).float()
P /= P.sum(1, keepdims=True)


def sample(n):
    g = torch.Generator().manual_seed(SEED)
    out = []
    for _ in range(n):
        o, ix = [], 0
        while True:
            ix = torch.multinomial(P[ix], num_samples=1, replacement=True, generator=g).item()
            if ix == 0:
                break
            o.append(itos[ix])
        out.append("".join(o))
    return out


timed("sample 1000: lecture loop", 3, lambda: sample(1000))
timed("sample 10000: lecture loop", 3, lambda: sample(10000))
timed(
    "start-up: process start to first tensor op",
    5,
    lambda: subprocess.run([sys.executable, "-c", "import torch; torch.zeros(1).multinomial(1)"], check=False),
)

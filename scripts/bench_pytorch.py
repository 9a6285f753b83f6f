"""The PyTorch baseline for `make bench`: the lecture's own code, timed the same way
as benches/speed.rs (median of several runs after a warm-up), one JSON object per line.
Needs the full torch install (it imports torch)."""
import json
import os
import random
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
# lecture 2: the MLP, the lecture's loop (minibatches from the seeded generator, as ours)
random.seed(42)
shuffled = words[:]
random.shuffle(shuffled)
Xtr, Ytr = [], []
for w in shuffled[:int(0.8 * len(shuffled))]:
    context = [0] * 3
    for ch in w + ".":
        Xtr.append(context)
        Ytr.append(stoi[ch])
        context = context[1:] + [stoi[ch]]
Xtr, Ytr = torch.tensor(Xtr), torch.tensor(Ytr)


def mlp(steps):
    g = torch.Generator().manual_seed(SEED)
    C = torch.randn((27, 10), generator=g)
    W1 = torch.randn((30, 200), generator=g)
    b1 = torch.randn(200, generator=g)
    W2 = torch.randn((200, 27), generator=g)
    b2 = torch.randn(27, generator=g)
    parameters = [C, W1, b1, W2, b2]
    for p in parameters:
        p.requires_grad = True
    lossi = []
    for i in range(steps):
        ix = torch.randint(0, Xtr.shape[0], (32,), generator=g)
        emb = C[Xtr[ix]]
        h = torch.tanh(emb.view(-1, 30) @ W1 + b1)
        logits = h @ W2 + b2
        loss = F.cross_entropy(logits, Ytr[ix])
        for p in parameters:
            p.grad = None
        loss.backward()
        lr = 0.1 if i < steps // 2 else 0.01
        for p in parameters:
            p.data += -lr * p.grad
        lossi.append(loss.item())
    return lossi


timed("mlp: 1000 steps", 5, lambda: mlp(1000))
t = time.perf_counter()
mlp(200_000)
print(json.dumps({"case": "mlp: 200000 steps, the lecture's run", "seconds": time.perf_counter() - t, "runs": 1}), flush=True)


def bn_mlp(steps):
    """Lecture 3's cells 6-7: the kaiming-initialised MLP with its BatchNorm layer written out."""
    g = torch.Generator().manual_seed(SEED)
    C = torch.randn((27, 10), generator=g)
    W1 = torch.randn((30, 200), generator=g) * (5 / 3) / (30**0.5)
    W2 = torch.randn((200, 27), generator=g) * 0.01
    b2 = torch.randn(27, generator=g) * 0
    bngain = torch.ones((1, 200))
    bnbias = torch.zeros((1, 200))
    bnmean_running = torch.zeros((1, 200))
    bnstd_running = torch.ones((1, 200))
    parameters = [C, W1, W2, b2, bngain, bnbias]
    for p in parameters:
        p.requires_grad = True
    for i in range(steps):
        ix = torch.randint(0, Xtr.shape[0], (32,), generator=g)
        emb = C[Xtr[ix]]
        hpreact = emb.view(emb.shape[0], -1) @ W1
        bnmeani = hpreact.mean(0, keepdim=True)
        bnstdi = hpreact.std(0, keepdim=True)
        hpreact = bngain * (hpreact - bnmeani) / bnstdi + bnbias
        with torch.no_grad():
            bnmean_running = 0.999 * bnmean_running + 0.001 * bnmeani
            bnstd_running = 0.999 * bnstd_running + 0.001 * bnstdi
        logits = torch.tanh(hpreact) @ W2 + b2
        loss = F.cross_entropy(logits, Ytr[ix])
        for p in parameters:
            p.grad = None
        loss.backward()
        lr = 0.1 if i < steps // 2 else 0.01
        for p in parameters:
            p.data += -lr * p.grad




def wavenet(steps):
    """Lecture 5's final network and loop (the lecture's classes, scripts/make_reference_wavenet.py)."""
    torch.manual_seed(42)
    model = make_reference_wavenet.wavenet(27)
    parameters = model.parameters()
    for i in range(steps):
        ix = torch.randint(0, Xtr8.shape[0], (32,))
        Xb, Yb = Xtr8[ix], Ytr8[ix]
        logits = model(Xb)
        loss = F.cross_entropy(logits, Yb)
        for p in parameters:
            p.grad = None
        loss.backward()
        lr = 0.1 if i < steps * 3 // 4 else 0.01
        for p in parameters:
            p.data += -lr * p.grad


timed("bn mlp: 1000 steps", 5, lambda: bn_mlp(1000))
t = time.perf_counter()
bn_mlp(200_000)
print(json.dumps({"case": "bn mlp: 200000 steps, the lecture's run", "seconds": time.perf_counter() - t, "runs": 1}), flush=True)
# the same on one thread, as the project's MLP computes (makemore::on_one_thread)
torch.set_num_threads(1)
timed("mlp: 1000 steps, one thread", 5, lambda: mlp(1000))
t = time.perf_counter()
mlp(200_000)
print(json.dumps({"case": "mlp: 200000 steps, one thread", "seconds": time.perf_counter() - t, "runs": 1}), flush=True)
timed("bn mlp: 1000 steps, one thread", 5, lambda: bn_mlp(1000))
t = time.perf_counter()
bn_mlp(200_000)
print(json.dumps({"case": "bn mlp: 200000 steps, one thread", "seconds": time.perf_counter() - t, "runs": 1}), flush=True)
torch.set_num_threads(2)
# lecture 5: the WaveNet, context 8
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_reference_wavenet  # noqa: E402  (the lecture's classes; it sets one thread)
from make_reference_mlp import build_dataset  # noqa: E402
torch.set_num_threads(2)
Xtr8, Ytr8 = build_dataset(shuffled[:int(0.8 * len(shuffled))], stoi, 8)
timed("wavenet: 1000 steps", 5, lambda: wavenet(1000))
t = time.perf_counter()
wavenet(200_000)
print(json.dumps({"case": "wavenet: 200000 steps, the lecture's run", "seconds": time.perf_counter() - t, "runs": 1}), flush=True)
torch.set_num_threads(1)
timed("wavenet: 1000 steps, one thread", 5, lambda: wavenet(1000))
torch.set_num_threads(2)

timed(
    "start-up: process start to first tensor op",
    5,
    lambda: subprocess.run([sys.executable, "-c", "import torch; torch.zeros(1).multinomial(1)"], check=False),
)

"""Reference values of makemore lecture 3 (activations, gradients, BatchNorm), computed by
PyTorch itself, following karpathy/nn-zero-to-hero's makemore_part3_bn.ipynb, cells 5-10:
the lecture-2 MLP with a kaiming-initialised W1, no b1, a small output layer, and a
BatchNorm layer written out (`bngain`, `bnbias`, running mean and std with momentum 0.001,
the std unbiased and without eps, as the lecture writes it).

Run by `make reference` with the full torch 2.13.0 of .venv-bench:

    python scripts/make_reference_bn.py                      # every fixture the tests use
    python scripts/make_reference_bn.py WORDS.txt OUT.json   # one word list

With no arguments it writes makemore-lib/tests/fixtures/<vendor>/names-bn.json (from
data/names.txt) and .../<vendor>/accents-bn.json (tests/fixtures/accents.txt), <vendor> as
in scripts/make_reference.py; each file records the CPU, torch and thread count. One libtorch
thread, as the Rust side computes (see make_reference_mlp.py).

The lecture's code as it stands, seeded: `g = torch.Generator().manual_seed(2147483647)`,
then `C, W1, W2, b2` drawn from `g` (b1 is commented out in the lecture, so it is not drawn),
then every minibatch `torch.randint(0, n, (32,), generator=g)` from the same `g` (the lecture
itself does this here). The split is CPython's `random.seed(42); random.shuffle(words)`.

What is recorded (keys of the JSON):
- `split`: the shuffled words' first ten, the cut points, the example counts;
- `final`: 200,000 steps at lr 0.1 then 0.01 from 100,000: the number of parameters (the
  lecture prints 12,297), the initial parameters, the loss before training, the first 1,000
  minibatch losses, every 100th, the last 100; the trained parameters and the running
  statistics `bnmean_running`, `bnstd_running`; the train/dev/test losses with the running
  statistics (the lecture's `split_loss`), and with the statistics calibrated over the whole
  training set (cell 9); 20 names sampled with `torch.Generator().manual_seed(2147483647 + 10)`
  through the network in evaluation mode (the running statistics).
"""
import json
import os
import random
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_reference  # noqa: E402
from make_reference import FIXTURES, ROOT, SEED, provenance  # noqa: E402
from make_reference_mlp import BLOCK, build_dataset, tensor_record  # noqa: E402

torch.set_num_threads(1)

CASES = [
    (os.path.join(ROOT, 'data', 'names.txt'), 'names-bn.json'),
    (os.path.join(FIXTURES, 'accents.txt'), 'accents-bn.json'),
]
NAMES = ['C', 'W1', 'W2', 'b2', 'bngain', 'bnbias']


class BatchNormMlp:
    """Cell 6: the parameters in the lecture's order, drawn from `g`."""

    def __init__(self, V, n_embd, n_hidden, g, block_size=BLOCK):
        self.block, self.n_embd = block_size, n_embd
        self.C = torch.randn((V, n_embd), generator=g)
        self.W1 = torch.randn((n_embd * block_size, n_hidden), generator=g) * (5 / 3) / ((n_embd * block_size)**0.5)
        self.W2 = torch.randn((n_hidden, V), generator=g) * 0.01
        self.b2 = torch.randn(V, generator=g) * 0
        self.bngain = torch.ones((1, n_hidden))
        self.bnbias = torch.zeros((1, n_hidden))
        self.bnmean_running = torch.zeros((1, n_hidden))
        self.bnstd_running = torch.ones((1, n_hidden))
        self.parameters = [self.C, self.W1, self.W2, self.b2, self.bngain, self.bnbias]
        for p in self.parameters:
            p.requires_grad = True

    def hpreact(self, X):
        emb = self.C[X]
        embcat = emb.view(emb.shape[0], -1)
        return embcat @ self.W1

    def step(self, Xb, Yb, lr):
        """Cell 7's loop body."""
        hpreact = self.hpreact(Xb)
        bnmeani = hpreact.mean(0, keepdim=True)
        bnstdi = hpreact.std(0, keepdim=True)
        hpreact = self.bngain * (hpreact - bnmeani) / bnstdi + self.bnbias
        with torch.no_grad():
            self.bnmean_running = 0.999 * self.bnmean_running + 0.001 * bnmeani
            self.bnstd_running = 0.999 * self.bnstd_running + 0.001 * bnstdi
        h = torch.tanh(hpreact)
        logits = h @ self.W2 + self.b2
        loss = F.cross_entropy(logits, Yb)
        for p in self.parameters:
            p.grad = None
        loss.backward()
        for p in self.parameters:
            p.data += -lr * p.grad
        return loss.item()

    @torch.no_grad()
    def logits(self, X, mean=None, std=None):
        """Cell 10's split_loss forward: the running statistics unless others are given."""
        mean = self.bnmean_running if mean is None else mean
        std = self.bnstd_running if std is None else std
        hpreact = self.bngain * (self.hpreact(X) - mean) / std + self.bnbias
        return torch.tanh(hpreact) @ self.W2 + self.b2

    def loss(self, X, Y, mean=None, std=None):
        return F.cross_entropy(self.logits(X, mean, std), Y).item()

    def sample(self, itos, n, seed):
        g = torch.Generator().manual_seed(seed)
        out = []
        for _ in range(n):
            ixs, context = [], [0] * self.block
            while True:
                probs = F.softmax(self.logits(torch.tensor([context])), dim=1)
                ix = torch.multinomial(probs, num_samples=1, generator=g).item()
                context = context[1:] + [ix]
                ixs.append(ix)
                if ix == 0:
                    break
            out.append(''.join(itos[i] for i in ixs))
        return out

    def record(self):
        named = dict(zip(NAMES, self.parameters))
        named['bnmean_running'] = self.bnmean_running
        named['bnstd_running'] = self.bnstd_running
        return {name: tensor_record(p) for name, p in named.items()}


def reference(words_path, steps=200_000):
    out = provenance()
    words = open(words_path, 'r', encoding='utf-8').read().splitlines()
    chars = sorted(list(set(''.join(words))))
    stoi = {s: i + 1 for i, s in enumerate(chars)}
    stoi['.'] = 0
    itos = {i: s for s, i in stoi.items()}
    V = len(itos)
    out['vocab_size'] = V
    out['itos'] = [itos[i] for i in range(V)]

    random.seed(42)
    random.shuffle(words)
    n1 = int(0.8 * len(words))
    n2 = int(0.9 * len(words))
    Xtr, Ytr = build_dataset(words[:n1], stoi)
    Xdev, Ydev = build_dataset(words[n1:n2], stoi)
    Xte, Yte = build_dataset(words[n2:], stoi)
    out['split'] = {'seed': 42, 'shuffled_first10': words[:10], 'n1': n1, 'n2': n2,
                    'sizes': [Xtr.shape[0], Xdev.shape[0], Xte.shape[0]]}

    g = torch.Generator().manual_seed(SEED)
    net = BatchNormMlp(V, 10, 200, g)
    final = {'steps': steps, 'lr': 0.1, 'decay_at': steps // 2, 'batch': 32, 'embedding': 10, 'hidden': 200,
             'n_params': sum(p.nelement() for p in net.parameters), 'init': net.record(),
             'initial_loss': {'train': net.loss(Xtr, Ytr), 'dev': net.loss(Xdev, Ydev)}}
    losses = []
    t0 = time.perf_counter()
    for i in range(steps):
        ix = torch.randint(0, Xtr.shape[0], (32,), generator=g)
        losses.append(net.step(Xtr[ix], Ytr[ix], 0.1 if i < steps // 2 else 0.01))
    final['train_seconds'] = time.perf_counter() - t0
    final['losses_first1000'] = losses[:1000]
    final['losses_every_100'] = losses[::100]
    final['losses_last100'] = losses[-100:]
    final['params'] = net.record()
    final['loss'] = {'train': net.loss(Xtr, Ytr), 'dev': net.loss(Xdev, Ydev), 'test': net.loss(Xte, Yte)}
    with torch.no_grad():   # cell 9: calibrate over the whole training set
        hpreact = net.hpreact(Xtr)
        bnmean = hpreact.mean(0, keepdim=True)
        bnstd = hpreact.std(0, keepdim=True)
    final['calibrated'] = {'bnmean': tensor_record(bnmean), 'bnstd': tensor_record(bnstd),
                           'loss': {'train': net.loss(Xtr, Ytr, bnmean, bnstd),
                                    'dev': net.loss(Xdev, Ydev, bnmean, bnstd)}}
    final['samples20'] = net.sample(itos, 20, SEED + 10)
    out['final'] = final
    return out


def write(words_path, out_path):
    out = reference(words_path)
    with open(out_path, 'w', encoding='utf-8') as f:
        json.dump(out, f, ensure_ascii=False, allow_nan=False)
    fin = out['final']
    print(f'wrote {out_path} ({out["cpu_vendor"]}, torch {out["torch_version"]}, {out["torch_num_threads"]} threads): '
          f'{fin["n_params"]} parameters, split {out["split"]["sizes"]}, final {fin["loss"]}, '
          f'{fin["train_seconds"]:.1f} s for {fin["steps"]} steps, samples {fin["samples20"][:5]}', file=sys.stderr)


if __name__ == '__main__':
    make_reference.main(sys.argv[1:], CASES, write, __doc__)

"""Reference values of makemore lecture 2 (the MLP of Bengio et al. 2003), computed by
PyTorch itself, following karpathy/nn-zero-to-hero's makemore_part2_mlp.ipynb.

Run by `make reference` with the full torch 2.13.0 of .venv-bench:

    python scripts/make_reference_mlp.py                      # every fixture the tests use
    python scripts/make_reference_mlp.py WORDS.txt OUT.json   # one word list

With no arguments it writes makemore-lib/tests/fixtures/<vendor>/names-mlp.json (from
data/names.txt) and .../<vendor>/accents-mlp.json (tests/fixtures/accents.txt), <vendor>
as in scripts/make_reference.py. Each file records the CPU, torch, its CPU capability
and thread count.

One libtorch thread, as the Rust side computes the MLP (makemore-lib/src/models/mlp.rs): the
lecture's tensors are small (32 × 200), so a second thread only adds the cost of waking it at
every operation (on a 2-core virtual machine, 12 times slower with sleeping threads; 25 ms a step
with spinning ones on a busy machine), and some kernels split their work by the thread count, so
one thread everywhere gives the same numbers on a machine of any size.

One change from the lecture, which the Rust side reproduces: the lecture draws its
minibatches with `torch.randint(0, n, (32,))` from the unseeded global generator, so no
two runs agree. Here every experiment starts from `g = torch.Generator().manual_seed(
2147483647)`, creates its parameters from `g` in the lecture's order C, W1, b1, W2, b2,
and draws its minibatches from the same `g` after them; tch reproduces that stream with
`tch::manual_seed(2147483647)` and the same calls. The split is the lecture's:
`random.seed(42); random.shuffle(words)`, `n1 = int(0.8*n)`, `n2 = int(0.9*n)`.

What is recorded (keys of the JSON):
- `dataset`: block_size 3 on all the words (the lecture's first half): the number of
  examples, the contexts and targets of the first five words (32 examples);
- `small`: the first network (embedding 2, hidden 100, 3,481 parameters): its initial
  parameters, its loss on all the examples and on the first 32 by cross_entropy and by
  the written-out softmax, and the logits [-100, -3, 0, 100] example (null for the inf
  and nan of the written-out softmax);
- `overfit32`: the small network trained 1,000 full steps (lr 0.1) on the first 32
  examples: every loss, then the argmax of the logits against the targets;
- `minibatch`: the small network, 1,000 minibatch steps of 32 at lr 0.1 on all the
  examples: every loss, then the loss on all of them;
- `lr_finder`: the small network, lre = linspace(-3, 0, 1000), lrs = 10**lre, one
  minibatch step at each learning rate: the rates and every loss;
- `split`: the shuffled words' first ten, the word cut points, the example counts;
- `emb2_hidden300`: embedding 2, hidden 300 (10,281 parameters) on the split, 30,000
  steps at lr 0.1 then 0.01 after half: the losses every 100 steps, the first 100,
  train/dev losses, and the trained 2-D embedding C (the lecture's scatter plot);
- `final`: the lecture's final model (embedding 10, hidden 200, 11,897 parameters for
  27 tokens), 200,000 steps, lr 0.1 then 0.01 after 100,000: the initial parameters
  (sha256 of their float32 bytes and the first values), the loss before training, the
  first 1,000 minibatch losses, the losses every 100 steps and the last 100, the final
  parameters (sha256, first values), train/dev/test losses (cross_entropy in float32, and
  the mean of float32 log-probabilities in float64), 20 names sampled with
  `torch.Generator().manual_seed(2147483647 + 10)`, and the seconds the training took;
  also E02: the loss at initialization with the output layer scaled by 0.01 and b2 = 0.
"""
import hashlib
import json
import math
import os
import random
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_reference  # noqa: E402
from make_reference import FIXTURES, ROOT, SEED, provenance  # noqa: E402

torch.set_num_threads(1)   # the MLP computes on one thread (see above); recorded in each file

CASES = [
    (os.path.join(ROOT, 'data', 'names.txt'), 'names-mlp.json'),
    (os.path.join(FIXTURES, 'accents.txt'), 'accents-mlp.json'),
]
BLOCK = 3
FIRST_VALUES = 10


def tensor_record(t):
    """A float32 tensor as the tests check it: sha256 of its little-endian bytes (bit for
    bit), its shape, its first values and the float64 sum of its values."""
    t = t.detach().contiguous().float()
    return {
        'shape': list(t.shape),
        'sha256': hashlib.sha256(t.numpy().astype('<f4').tobytes()).hexdigest(),
        'first': t.flatten()[:FIRST_VALUES].tolist(),
        'sum': t.double().sum().item(),
    }


def finite_or_null(t):
    """A tensor's values for JSON, which has no inf or nan: those become null."""
    return [x if math.isfinite(x) else None for x in t.tolist()]


def build_dataset(words, stoi, block_size=BLOCK):
    """The lecture's build_dataset: for each word, each character after a sliding context."""
    X, Y = [], []
    for w in words:
        context = [0] * block_size
        for ch in w + '.':
            ix = stoi[ch]
            X.append(context)
            Y.append(ix)
            context = context[1:] + [ix]
    return torch.tensor(X), torch.tensor(Y)


class Mlp:
    """The lecture's network, its parameters drawn from `g` in the lecture's order."""

    def __init__(self, V, emb, hidden, g, block_size=BLOCK):
        self.block = block_size
        self.emb = emb
        self.C = torch.randn((V, emb), generator=g)
        self.W1 = torch.randn((block_size * emb, hidden), generator=g)
        self.b1 = torch.randn(hidden, generator=g)
        self.W2 = torch.randn((hidden, V), generator=g)
        self.b2 = torch.randn(V, generator=g)
        self.parameters = [self.C, self.W1, self.b1, self.W2, self.b2]
        for p in self.parameters:
            p.requires_grad = True

    def logits(self, X):
        emb = self.C[X]
        h = torch.tanh(emb.view(-1, self.block * self.emb) @ self.W1 + self.b1)
        return h @ self.W2 + self.b2

    def loss(self, X, Y):
        with torch.no_grad():
            return F.cross_entropy(self.logits(X), Y).item()

    def loss_f64(self, X, Y):
        """The mean of the float32 log-probabilities of the targets, summed in float64."""
        with torch.no_grad():
            lp = F.log_softmax(self.logits(X), dim=1)
            return -lp[torch.arange(X.shape[0]), Y].double().mean().item()

    def step(self, Xb, Yb, lr):
        """One step of the lecture's loop: forward, zero the grads, backward, update."""
        emb = self.C[Xb]
        h = torch.tanh(emb.view(-1, self.block * self.emb) @ self.W1 + self.b1)
        logits = h @ self.W2 + self.b2
        loss = F.cross_entropy(logits, Yb)
        for p in self.parameters:
            p.grad = None
        loss.backward()
        for p in self.parameters:
            p.data += -lr * p.grad
        return loss.item()

    def train(self, X, Y, steps, g, lr=lambda i: 0.1, batch=32):
        """Minibatches `torch.randint(0, n, (batch,), generator=g)`; every step's loss."""
        losses = []
        for i in range(steps):
            ix = torch.randint(0, X.shape[0], (batch,), generator=g)
            losses.append(self.step(X[ix], Y[ix], lr(i)))
        return losses

    def sample(self, itos, n, seed):
        g = torch.Generator().manual_seed(seed)
        out = []
        for _ in range(n):
            ixs, context = [], [0] * self.block
            while True:
                emb = self.C[torch.tensor([context])]
                h = torch.tanh(emb.view(1, -1) @ self.W1 + self.b1)
                logits = h @ self.W2 + self.b2
                probs = F.softmax(logits, dim=1)
                ix = torch.multinomial(probs, num_samples=1, generator=g).item()
                context = context[1:] + [ix]
                ixs.append(ix)
                if ix == 0:
                    break
            out.append(''.join(itos[i] for i in ixs))
        return out

    def n_params(self):
        return sum(p.nelement() for p in self.parameters)

    def record(self):
        return {name: tensor_record(p) for name, p in zip(['C', 'W1', 'b1', 'W2', 'b2'], self.parameters)}


def half_schedule(steps, lr):
    """lr for the first half of the steps, lr/10 after (the lecture's 0.1 -> 0.01 at 100,000)."""
    return lambda i: lr if i < steps // 2 else lr / 10


def reference(words_path, final_steps=200_000, emb2_steps=30_000):
    out = provenance()
    words = open(words_path, 'r', encoding='utf-8').read().splitlines()
    assert all(w for w in words), 'blank lines'
    chars = sorted(list(set(''.join(words))))
    assert '.' not in chars
    stoi = {s: i + 1 for i, s in enumerate(chars)}
    stoi['.'] = 0
    itos = {i: s for s, i in stoi.items()}
    V = len(itos)
    out['n_words'] = len(words)
    out['vocab_size'] = V
    out['itos'] = [itos[i] for i in range(V)]
    out['block_size'] = BLOCK

    # the dataset of all the words, as the lecture builds it first
    X, Y = build_dataset(words, stoi)
    out['dataset'] = {'n': X.shape[0], 'X_first32': X[:32].tolist(), 'Y_first32': Y[:32].tolist(),
                      'words_first5': words[:5]}

    # the first network, "made respectable": a seeded generator
    g = torch.Generator().manual_seed(SEED)
    small = Mlp(V, 2, 100, g)
    with torch.no_grad():
        logits = small.logits(X)
        counts = logits.exp()
        prob = counts / counts.sum(1, keepdims=True)
        manual = -prob[torch.arange(X.shape[0]), Y].log().mean().item()
        ce = F.cross_entropy(logits, Y).item()
        logits32 = small.logits(X[:32])
        counts32 = logits32.exp()
        prob32 = counts32 / counts32.sum(1, keepdims=True)
        manual32 = -prob32[torch.arange(32), Y[:32]].log().mean().item()
        ce32 = F.cross_entropy(logits32, Y[:32]).item()
    big = torch.tensor([-100.0, -3.0, 0.0, 100.0])
    out['small'] = {
        'n_params': small.n_params(), 'params': small.record(),
        'C_values': small.C.detach().tolist(),
        'loss_cross_entropy': ce, 'loss_manual': manual,
        # exp(100) overflows float32 (inf, then inf/inf = nan): JSON has neither, so null
        'logits_example': big.tolist(), 'exp_example': finite_or_null(big.exp()),
        'softmax_manual_example': finite_or_null(big.exp() / big.exp().sum()),
        'softmax_example': F.softmax(big, dim=0).tolist(),
        # the lecture's first loss, on the first 32 examples (the video prints 17.7697)
        'loss32_cross_entropy': ce32, 'loss32_manual': manual32,
    }

    # overfitting the first 32 examples (the first five words)
    g = torch.Generator().manual_seed(SEED)
    net = Mlp(V, 2, 100, g)
    X32, Y32 = X[:32], Y[:32]
    losses = [net.step(X32, Y32, 0.1) for _ in range(1000)]
    with torch.no_grad():
        mx = net.logits(X32).max(1)
    out['overfit32'] = {'lr': 0.1, 'losses': losses, 'max_values': mx.values.tolist(),
                        'max_indices': mx.indices.tolist(), 'Y': Y32.tolist()}

    # minibatches on all the examples
    g = torch.Generator().manual_seed(SEED)
    net = Mlp(V, 2, 100, g)
    losses = net.train(X, Y, 1000, g)
    out['minibatch'] = {'lr': 0.1, 'batch': 32, 'losses': losses, 'loss_all': net.loss(X, Y)}

    # the learning-rate finder
    g = torch.Generator().manual_seed(SEED)
    net = Mlp(V, 2, 100, g)
    lre = torch.linspace(-3, 0, 1000)
    lrs = 10**lre
    losses = net.train(X, Y, 1000, g, lr=lambda i: lrs[i])
    out['lr_finder'] = {'lre': lre.tolist(), 'lrs': lrs.tolist(), 'losses': losses}

    # the lecture's split
    random.seed(42)
    random.shuffle(words)
    n1 = int(0.8 * len(words))
    n2 = int(0.9 * len(words))
    Xtr, Ytr = build_dataset(words[:n1], stoi)
    Xdev, Ydev = build_dataset(words[n1:n2], stoi)
    Xte, Yte = build_dataset(words[n2:], stoi)
    out['split'] = {'seed': 42, 'shuffled_first10': words[:10], 'n1': n1, 'n2': n2,
                    'sizes': [Xtr.shape[0], Xdev.shape[0], Xte.shape[0]],
                    'Xtr_first10': Xtr[:10].tolist(), 'Ytr_first10': Ytr[:10].tolist()}

    # scaling up with a 2-D embedding: the bottleneck, and the scatter plot of C
    g = torch.Generator().manual_seed(SEED)
    net = Mlp(V, 2, 300, g)
    losses = net.train(Xtr, Ytr, emb2_steps, g, lr=half_schedule(emb2_steps, 0.1))
    out['emb2_hidden300'] = {
        'steps': emb2_steps, 'lr': 0.1, 'n_params': net.n_params(),
        'losses_first100': losses[:100], 'losses_every_100': losses[::100],
        'train': net.loss(Xtr, Ytr), 'dev': net.loss(Xdev, Ydev),
        'C': net.C.detach().tolist(), 'params': net.record(),
    }

    # the lecture's final model
    g = torch.Generator().manual_seed(SEED)
    net = Mlp(V, 10, 200, g)
    final = {'steps': final_steps, 'lr': 0.1, 'batch': 32, 'embedding': 10, 'hidden': 200,
             'n_params': net.n_params(), 'init': net.record(),
             'initial_loss': {'train': net.loss(Xtr, Ytr), 'dev': net.loss(Xdev, Ydev), 'test': net.loss(Xte, Yte)}}
    t0 = time.perf_counter()
    losses = net.train(Xtr, Ytr, final_steps, g, lr=half_schedule(final_steps, 0.1))
    final['train_seconds'] = time.perf_counter() - t0
    final['losses_first1000'] = losses[:1000]
    final['losses_every_100'] = losses[::100]
    final['losses_last100'] = losses[-100:]
    final['params'] = net.record()
    final['loss'] = {'train': net.loss(Xtr, Ytr), 'dev': net.loss(Xdev, Ydev), 'test': net.loss(Xte, Yte)}
    final['loss_f64_mean'] = {'train': net.loss_f64(Xtr, Ytr), 'dev': net.loss_f64(Xdev, Ydev),
                              'test': net.loss_f64(Xte, Yte)}
    final['samples20'] = net.sample(itos, 20, SEED + 10)
    out['final'] = final

    # E02: the loss at initialization, and an initialization that starts near -log(1/V)
    g = torch.Generator().manual_seed(SEED)
    net = Mlp(V, 10, 200, g)
    with torch.no_grad():
        net.W2 *= 0.01
        net.b2 *= 0
    out['e02'] = {'uniform_loss': -torch.tensor(1.0 / V).log().item(),
                  'scaled_init_loss': {'train': net.loss(Xtr, Ytr), 'dev': net.loss(Xdev, Ydev)}}
    return out


def write(words_path, out_path):
    out = reference(words_path)
    with open(out_path, 'w', encoding='utf-8') as f:
        json.dump(out, f, ensure_ascii=False, allow_nan=False)
    fin = out['final']
    print(f'wrote {out_path} ({out["cpu_vendor"]}, torch {out["torch_version"]}, {out["torch_num_threads"]} threads): '
          f'split {out["split"]["sizes"]}, initial {fin["initial_loss"]["train"]:.4f}, final {fin["loss"]}, '
          f'{fin["train_seconds"]:.1f} s for {fin["steps"]} steps, samples {fin["samples20"][:5]}', file=sys.stderr)


if __name__ == '__main__':
    make_reference.main(sys.argv[1:], CASES, write, __doc__)

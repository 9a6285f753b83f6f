"""Reference values of lecture 5's notebook (notebooks/part5_wavenet.ipynb), computed by
PyTorch itself, following karpathy/nn-zero-to-hero's makemore_part5_cnn1.ipynb step by step: the
dataset with context 8, the batch of 4 walked through the hierarchical network (each layer's
output shape, and BatchNorm's running mean under the lecture's bug), and the rows of the
lecture's performance log, each trained 200,000 steps by the lecture's loop. The final row (the
scaled-up network) is scripts/make_reference_wavenet.py's names-wavenet.json.

Run by `make reference` with the full torch 2.13.0 of .venv-bench:

    python scripts/make_reference_wavenet_notebook.py            # <vendor>/names-wavenet-notebook.json
    python scripts/make_reference_wavenet_notebook.py OUT.json   # elsewhere

One libtorch thread, as the Rust side computes. Every row seeds `torch.manual_seed(42)` before
its model is built, as the lecture's cell does, and draws its minibatches from the global
generator after it; lr 0.1, then 0.01 from step 150,000.

What is recorded (keys of the JSON):
- `dataset`: the first 20 "context --> target" pairs of Xtr, as the lecture prints them;
- `walk`: the hierarchical network (n_embd 10, n_hidden 68) after the seed, the 4 indices
  `torch.randint(0, Xtr.shape[0], (4,))` draws, every layer's output shape, and the shape of the
  first BatchNorm's running mean after that one forward pass with the lecture's bug (1, 4, 68)
  and with its fix (1, 1, 68);
- `rows`: `original` (context 3: Embedding, FlattenConsecutive(3), Linear(30, 200), BatchNorm1d,
  Tanh, Linear(200, 27); the lecture starts from it), `flat` (context 8, FlattenConsecutive(8),
  hidden 200), `hierarchical` (context 8, three levels of FlattenConsecutive(2), hidden 68, with
  the BatchNorm bug: statistics over dimension 0 only), `fixed` (the same with BatchNorm over
  (0, 1)): each its parameter count, first 1,000 losses, the per-1,000-step means of the 200,000
  losses' log10 (the lecture's `lossi.view(-1, 1000).mean(1)`), and train/val in evaluation mode;
- `context16`: the exercise's four-level network (context 16, n_embd 24, n_hidden 128): its
  parameter count and first 200 losses (no squeeze bug);
- `exercise`: exercise (a), beat val 1.993. The lecture's final network (n_embd 24, n_hidden 128)
  trained for half the steps (100,000; lr 0.01 from step 75,000), under the seeds 42 and 1, and
  the lecture's 200,000 steps under the seed 1 (the seed 42's is names-wavenet.json's `final`):
  for each its first 1,000 losses and train/val/test in evaluation mode.
"""
import json
import os
import random
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_reference_nn as lecture  # noqa: E402
from make_reference import FIXTURES, ROOT, cpu_info, provenance, vendor_dir  # noqa: E402
from make_reference_mlp import build_dataset  # noqa: E402
from make_reference_wavenet import MODEL_SEED, set_training, split_loss, train  # noqa: E402

torch.set_num_threads(1)


class BuggyBatchNorm1d(lecture.BatchNorm1d):
    """The lecture's BatchNorm1d before its fix: the statistics over dimension 0 only, so a
    3-D input (N, L, C) gets one mean per group and channel, (1, L, C)."""

    def __call__(self, x):
        if self.training:
            xmean = x.mean(0, keepdim=True)
            xvar = x.var(0, keepdim=True)
        else:
            xmean = self.running_mean
            xvar = self.running_var
        xhat = (x - xmean) / torch.sqrt(xvar + self.eps)
        self.out = self.gamma * xhat + self.beta
        if self.training:
            with torch.no_grad():
                self.running_mean = (1 - self.momentum) * self.running_mean + self.momentum * xmean
                self.running_var = (1 - self.momentum) * self.running_var + self.momentum * xvar
        return self.out


def network(vocab_size, block_size, n, n_embd, n_hidden, batchnorm=lecture.BatchNorm1d):
    """Embedding, then FlattenConsecutive(n), Linear without bias, BatchNorm1d, Tanh per level
    until one group is left, then Linear(n_hidden, vocab_size) with its weight * 0.1."""
    layers = [lecture.Embedding(vocab_size, n_embd)]
    width, groups = n_embd, block_size
    while groups > 1:
        layers += [lecture.FlattenConsecutive(n), lecture.Linear(width * n, n_hidden, bias=False),
                   batchnorm(n_hidden), lecture.Tanh()]
        width, groups = n_hidden, groups // n
    layers.append(lecture.Linear(n_hidden, vocab_size))
    model = lecture.Sequential(layers)
    with torch.no_grad():
        model.layers[-1].weight *= 0.1
    for p in model.parameters():
        p.requires_grad = True
    return model


ROWS = {
    # name: (block_size, n, n_embd, n_hidden, batchnorm)
    'original': (3, 3, 10, 200, lecture.BatchNorm1d),
    'flat': (8, 8, 10, 200, lecture.BatchNorm1d),
    'hierarchical': (8, 2, 10, 68, BuggyBatchNorm1d),
    'fixed': (8, 2, 10, 68, lecture.BatchNorm1d),
}


def datasets(words, stoi, block_size):
    n1, n2 = int(0.8 * len(words)), int(0.9 * len(words))
    return [build_dataset(part, stoi, block_size) for part in (words[:n1], words[n1:n2], words[n2:])]


def row(words, stoi, V, name, steps=200_000):
    block_size, n, n_embd, n_hidden, bn = ROWS[name]
    (Xtr, Ytr), (Xdev, Ydev), _ = datasets(words, stoi, block_size)
    torch.manual_seed(MODEL_SEED)
    model = network(V, block_size, n, n_embd, n_hidden, bn)
    n_params = sum(p.nelement() for p in model.parameters())
    losses = train(model, Xtr, Ytr, steps)
    means = torch.tensor(losses).log10().view(-1, 1000).mean(1)
    out = {'n_params': n_params, 'losses_first1000': losses[:1000], 'log10_means_per_1000': means.tolist(),
           'loss': {'train': split_loss(model, Xtr, Ytr), 'val': split_loss(model, Xdev, Ydev)}}
    print(f'{name}: {n_params} parameters, {out["loss"]}', file=sys.stderr, flush=True)
    return out


# exercise (a): (steps, decay_at, seed) of each run; the lecture's run, seed 42, is names-wavenet.json's
EXERCISE = {'steps200000_seed1': (200_000, 150_000, 1),
            'steps100000_seed42': (100_000, 75_000, 42),
            'steps100000_seed1': (100_000, 75_000, 1)}


def exercise(words, stoi, V):
    (Xtr, Ytr), (Xdev, Ydev), (Xte, Yte) = datasets(words, stoi, 8)
    out = {}
    for name, (steps, decay_at, seed) in EXERCISE.items():
        torch.manual_seed(seed)
        model = network(V, 8, 2, 24, 128)
        losses = train(model, Xtr, Ytr, steps, decay_at)
        out[name] = {'n_params': sum(p.nelement() for p in model.parameters()), 'losses_first1000': losses[:1000],
                     'loss': {'train': split_loss(model, Xtr, Ytr), 'val': split_loss(model, Xdev, Ydev),
                              'test': split_loss(model, Xte, Yte)}}
        print(f'exercise {name}: {out[name]["loss"]}', file=sys.stderr, flush=True)
    return out


def reference():
    out = provenance()
    words = open(os.path.join(ROOT, 'data', 'names.txt'), 'r', encoding='utf-8').read().splitlines()
    chars = sorted(list(set(''.join(words))))
    stoi = {s: i + 1 for i, s in enumerate(chars)}
    stoi['.'] = 0
    itos = {i: s for s, i in stoi.items()}
    V = len(itos)
    random.seed(42)
    random.shuffle(words)
    (Xtr, Ytr), _, _ = datasets(words, stoi, 8)
    out['dataset'] = {'first20': [''.join(itos[ix.item()] for ix in x) + ' --> ' + itos[y.item()]
                                  for x, y in zip(Xtr[:20], Ytr[:20])]}

    walk = {}
    for name in ('hierarchical', 'fixed'):
        torch.manual_seed(MODEL_SEED)
        model = network(V, 8, 2, 10, 68, ROWS[name][4])
        ix = torch.randint(0, Xtr.shape[0], (4,))
        model(Xtr[ix])
        walk[name] = {'ix': ix.tolist(),
                      'shapes': [[layer.__class__.__name__.replace('BuggyBatchNorm1d', 'BatchNorm1d'),
                                  list(layer.out.shape)] for layer in model.layers],
                      'running_mean_shape': list(model.layers[3].running_mean.shape),
                      'n_params': sum(p.nelement() for p in model.parameters())}
    out['walk'] = walk

    out['rows'] = {name: row(words, stoi, V, name) for name in ROWS}

    (X16, Y16), _, _ = datasets(words, stoi, 16)
    torch.manual_seed(MODEL_SEED)
    model = network(V, 16, 2, 24, 128)
    out['context16'] = {'n_params': sum(p.nelement() for p in model.parameters()),
                        'losses_first200': train(model, X16, Y16, 200)}
    set_training(model, True)
    out['exercise'] = exercise(words, stoi, V)
    return out


def main(args):
    if len(args) > 1:
        sys.exit(__doc__)
    path = args[0] if args else os.path.join(FIXTURES, vendor_dir(cpu_info()['vendor_id']),
                                             'names-wavenet-notebook.json')
    out = reference()
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(out, f, ensure_ascii=False, allow_nan=False)
    print(f'wrote {path} ({out["cpu_vendor"]}, torch {out["torch_version"]})', file=sys.stderr)


if __name__ == '__main__':
    main(sys.argv[1:])

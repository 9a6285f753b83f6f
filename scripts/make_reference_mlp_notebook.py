"""PyTorch 2.13's numbers for the exercises of the lecture-2 notebook (notebooks/part2_mlp.ipynb),
which the lecture's own reference (scripts/make_reference_mlp.py: the lecture's steps and its final
model) does not hold: E01's tuning runs, E02's training from a small initialization and E03's direct
connections.

    scripts/pytorch-python.sh scripts/make_reference_mlp_notebook.py [WORDS.txt OUT.json]   # or make reference

With no arguments: data/names.txt to makemore-lib/tests/fixtures/<vendor>/names-mlp-notebook.json.
Every run is the lecture's loop with the seeds of make_reference_mlp.py: a fresh generator seeded
2147483647, the parameters C, W1, b1, W2, b2 drawn from it in order, then the minibatches from it.
One libtorch thread, as in make_reference_mlp.py (and the notebook's first cell).
"""
import json
import os
import random
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_reference import FIXTURES, ROOT, SEED, cpu_info, provenance, vendor_dir  # noqa: E402
from make_reference_mlp import Mlp, build_dataset  # noqa: E402

torch.set_num_threads(1)

# E01: (name, block_size, embedding, hidden, batch, steps, lr, steps at lr before lr/10)
E01_RUNS = [
    ('hidden 300', 3, 10, 300, 32, 200_000, 0.1, 100_000),
    ('embedding 20', 3, 20, 200, 32, 200_000, 0.1, 100_000),
    ('context 4', 4, 10, 200, 32, 200_000, 0.1, 100_000),
    ('decay at 150,000', 3, 10, 200, 32, 200_000, 0.1, 150_000),
    ('batch 64', 3, 10, 200, 64, 200_000, 0.1, 100_000),
]
E02_STEPS = 1000
E03_STEPS = 30_000   # the lecture's hidden-300 budget, so that the notebook can train it in the open


def datasets(words, stoi, block_size):
    """The lecture's split (random.seed(42); random.shuffle) and its three data sets."""
    words = list(words)
    random.seed(42)
    random.shuffle(words)
    n1, n2 = int(0.8 * len(words)), int(0.9 * len(words))
    return [build_dataset(part, stoi, block_size) for part in (words[:n1], words[n1:n2], words[n2:])]


def e01(words, stoi, V):
    rows = []
    for name, block, emb, hidden, batch, steps, lr, decay_at in E01_RUNS:
        (Xtr, Ytr), (Xdev, Ydev), _ = datasets(words, stoi, block)
        g = torch.Generator().manual_seed(SEED)
        net = Mlp(V, emb, hidden, g, block_size=block)
        t0 = time.perf_counter()
        net.train(Xtr, Ytr, steps, g, lr=lambda i: lr if i < decay_at else lr / 10, batch=batch)
        rows.append({'name': name, 'block_size': block, 'embedding': emb, 'hidden': hidden, 'batch': batch,
                     'steps': steps, 'lr': lr, 'decay_at': decay_at, 'n_params': net.n_params(),
                     'train': net.loss(Xtr, Ytr), 'dev': net.loss(Xdev, Ydev),
                     'seconds': time.perf_counter() - t0})
        print(rows[-1], file=sys.stderr)
    return rows


def e02(words, stoi, V):
    """The first steps from W2 * 0.01, b2 * 0 (the lecture's are in names-mlp.json)."""
    (Xtr, Ytr), _, _ = datasets(words, stoi, 3)
    g = torch.Generator().manual_seed(SEED)
    net = Mlp(V, 10, 200, g)
    with torch.no_grad():
        net.W2 *= 0.01
        net.b2 *= 0
    return {'scaled': {'steps': E02_STEPS, 'losses': net.train(Xtr, Ytr, E02_STEPS, g)}}


def e03(words, stoi, V):
    """Direct connections from the embedding to the output (the paper's W): logits = h @ W2 + b2 + x @ Wd,
    Wd a zero (30, 27) matrix, so the generator's stream and the minibatches are those of the same
    network without it. Both trained E03_STEPS steps (lr 0.1, then 0.01 from half-way): 'direct' and
    'lecture' (Wd left out)."""
    (Xtr, Ytr), (Xdev, Ydev), _ = datasets(words, stoi, 3)
    out = {'steps': E03_STEPS}
    for name, direct in [('direct', True), ('lecture', False)]:
        g = torch.Generator().manual_seed(SEED)
        net = Mlp(V, 10, 200, g)
        Wd = torch.zeros((30, V), requires_grad=True)
        params = net.parameters + ([Wd] if direct else [])

        def logits(X):
            x = net.C[X].view(-1, 30)
            y = torch.tanh(x @ net.W1 + net.b1) @ net.W2 + net.b2
            return y + x @ Wd if direct else y

        losses = []
        for i in range(E03_STEPS):
            ix = torch.randint(0, Xtr.shape[0], (32,), generator=g)
            loss = F.cross_entropy(logits(Xtr[ix]), Ytr[ix])
            for p in params:
                p.grad = None
            loss.backward()
            lr = 0.1 if i < E03_STEPS // 2 else 0.01
            for p in params:
                p.data += -lr * p.grad
            losses.append(loss.item())
        with torch.no_grad():
            out[name] = {'n_params': sum(p.nelement() for p in params), 'losses_every_1000': losses[::1000],
                         'train': F.cross_entropy(logits(Xtr), Ytr).item(),
                         'dev': F.cross_entropy(logits(Xdev), Ydev).item()}
        print(name, {k: v for k, v in out[name].items() if k != 'losses_every_1000'}, file=sys.stderr)
    return out


def main(args):
    words_path = args[0] if args else os.path.join(ROOT, 'data', 'names.txt')
    out_path = args[1] if len(args) > 1 else os.path.join(FIXTURES, vendor_dir(cpu_info()['vendor_id']),
                                                          'names-mlp-notebook.json')
    words = open(words_path, encoding='utf-8').read().splitlines()
    chars = sorted(set(''.join(words)))
    stoi = {s: i + 1 for i, s in enumerate(chars)}
    stoi['.'] = 0
    V = len(stoi)
    out = provenance()
    out['e02'] = e02(words, stoi, V)
    out['e03'] = e03(words, stoi, V)
    out['e01'] = e01(words, stoi, V)
    with open(out_path, 'w', encoding='utf-8') as f:
        json.dump(out, f, ensure_ascii=False, allow_nan=False)
    print(f'wrote {out_path}', file=sys.stderr)


if __name__ == '__main__':
    main(sys.argv[1:])

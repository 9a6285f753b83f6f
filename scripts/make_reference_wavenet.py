"""Reference values of makemore lecture 5 (the WaveNet), computed by PyTorch itself,
following karpathy/nn-zero-to-hero's makemore_part5_cnn1.ipynb: the lecture's layer classes
(those of scripts/make_reference_nn.py), its final hierarchical network (context 8, n_embd 24,
n_hidden 128, FlattenConsecutive(2) three times, the last layer's weight scaled by 0.1) and
its training loop, as `makemore train --model wavenet` runs them.

Run by `make reference` with the full torch 2.13.0 of .venv-bench:

    python scripts/make_reference_wavenet.py                      # every fixture the tests use
    python scripts/make_reference_wavenet.py WORDS.txt OUT.json   # one word list

With no arguments it writes makemore-lib/tests/fixtures/<vendor>/names-wavenet.json (from
data/names.txt) and .../<vendor>/accents-wavenet.json (tests/fixtures/accents.txt), <vendor>
as in scripts/make_reference.py; each file records the CPU, torch and thread count. One
libtorch thread, as the Rust side computes (see make_reference_mlp.py).

The lecture's code as it stands: `torch.manual_seed(42)` before the model is built, the
parameters drawn from the global generator in the layers' order, every minibatch
`torch.randint(0, n, (32,))` from the same global generator, lr 0.1 then 0.01 from step
150,000 (three quarters of the steps). The split is CPython's `random.seed(42);
random.shuffle(words)`, 80/10/10.

What is recorded (keys of the JSON):
- `split`: the shuffled words' first ten, the cut points, the example counts;
- `final`: the number of parameters (the lecture prints 76,579 for names), the parameter
  names (nn.Sequential's `{index}.{attribute}`), the initial parameters, the loss before
  training, the first 1,000 minibatch losses, every 100th, the last 100; the trained
  parameters and running statistics; the train/dev/test losses in evaluation mode (the
  lecture's `split_loss`, `layer.training = False`); 20 names sampled after
  `torch.manual_seed(2147483647)` (what `makemore sample` draws by default) through the
  network in evaluation mode.
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
from make_reference_mlp import build_dataset, tensor_record  # noqa: E402
from make_reference_nn import (BatchNorm1d, Embedding, FlattenConsecutive, Linear, Sequential,  # noqa: E402
                               Tanh, named_parameters)

torch.set_num_threads(1)

CASES = [
    (os.path.join(ROOT, 'data', 'names.txt'), 'names-wavenet.json'),
    (os.path.join(FIXTURES, 'accents.txt'), 'accents-wavenet.json'),
]
BLOCK, N_EMBD, N_HIDDEN, FLATTEN = 8, 24, 128, 2
MODEL_SEED = 42


def wavenet(vocab_size, n_embd=N_EMBD, n_hidden=N_HIDDEN, block_size=BLOCK, n=FLATTEN):
    """The lecture's final network: FlattenConsecutive(n), Linear, BatchNorm1d, Tanh until one
    group is left (three times for block 8 and n 2), then the output layer."""
    layers = [Embedding(vocab_size, n_embd)]
    width, groups = n_embd, block_size
    while groups > 1:
        layers += [FlattenConsecutive(n), Linear(width * n, n_hidden, bias=False), BatchNorm1d(n_hidden), Tanh()]
        width, groups = n_hidden, groups // n
    layers.append(Linear(n_hidden, vocab_size))
    model = Sequential(layers)
    with torch.no_grad():
        model.layers[-1].weight *= 0.1  # last layer make less confident
    for p in model.parameters():
        p.requires_grad = True
    return model


def train(model, Xtr, Ytr, steps, decay_at=150_000):
    """The lecture's loop: minibatches of 32 from the global generator, lr 0.1 then 0.01 from
    `decay_at`; returns every minibatch loss."""
    parameters = model.parameters()
    losses = []
    for i in range(steps):
        ix = torch.randint(0, Xtr.shape[0], (32,))
        Xb, Yb = Xtr[ix], Ytr[ix]
        logits = model(Xb)
        loss = F.cross_entropy(logits, Yb)
        for p in parameters:
            p.grad = None
        loss.backward()
        lr = 0.1 if i < decay_at else 0.01  # step learning rate decay
        for p in parameters:
            p.data += -lr * p.grad
        losses.append(loss.item())
    return losses


def set_training(model, training):
    for layer in model.layers:
        layer.training = training


@torch.no_grad()
def split_loss(model, X, Y):
    set_training(model, False)
    loss = F.cross_entropy(model(X), Y).item()
    set_training(model, True)
    return loss


def record(model):
    names = named_parameters(model.layers)
    out = {name: tensor_record(p) for name, p in zip(names, model.parameters())}
    for i, layer in enumerate(model.layers):
        if isinstance(layer, BatchNorm1d):
            out[f'{i}.running_mean'] = tensor_record(layer.running_mean)
            out[f'{i}.running_var'] = tensor_record(layer.running_var)
    return out


@torch.no_grad()
def sample(model, itos, n, seed, block_size=BLOCK):
    torch.manual_seed(seed)
    set_training(model, False)
    out = []
    for _ in range(n):
        ixs, context = [], [0] * block_size
        while True:
            probs = F.softmax(model(torch.tensor([context])), dim=1)
            ix = torch.multinomial(probs, num_samples=1).item()
            context = context[1:] + [ix]
            ixs.append(ix)
            if ix == 0:
                break
        out.append(''.join(itos[i] for i in ixs))
    set_training(model, True)
    return out


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
    Xtr, Ytr = build_dataset(words[:n1], stoi, BLOCK)
    Xdev, Ydev = build_dataset(words[n1:n2], stoi, BLOCK)
    Xte, Yte = build_dataset(words[n2:], stoi, BLOCK)
    out['split'] = {'seed': 42, 'shuffled_first10': words[:10], 'n1': n1, 'n2': n2,
                    'sizes': [Xtr.shape[0], Xdev.shape[0], Xte.shape[0]]}

    torch.manual_seed(MODEL_SEED)
    model = wavenet(V)
    parameters = model.parameters()
    decay_at = steps * 3 // 4
    final = {'steps': steps, 'lr': 0.1, 'decay_at': decay_at, 'batch': 32, 'seed': MODEL_SEED,
             'context': BLOCK, 'embedding': N_EMBD, 'hidden': N_HIDDEN, 'flatten': FLATTEN,
             'n_params': sum(p.nelement() for p in parameters), 'names': named_parameters(model.layers),
             'init': record(model),
             'initial_loss': {'train': split_loss(model, Xtr, Ytr), 'dev': split_loss(model, Xdev, Ydev)}}
    t0 = time.perf_counter()
    losses = train(model, Xtr, Ytr, steps, decay_at)
    final['train_seconds'] = time.perf_counter() - t0
    final['losses_first1000'] = losses[:1000]
    final['losses_every_100'] = losses[::100]
    final['losses_last100'] = losses[-100:]
    final['params'] = record(model)
    final['loss'] = {'train': split_loss(model, Xtr, Ytr), 'dev': split_loss(model, Xdev, Ydev),
                     'test': split_loss(model, Xte, Yte)}
    final['samples20'] = sample(model, itos, 20, SEED)
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

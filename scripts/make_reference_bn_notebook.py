"""Reference values of the lecture-3 notebook (notebooks/part3_batchnorm.ipynb), computed by
PyTorch itself: the video's steps that makemore_part3_bn.ipynb no longer holds (the loss at
initialisation, the saturated tanh, kaiming), the loss log of each fix at 200,000 steps, the
PyTorch-ified six-layer network and its diagnostics, and the exercises E01 and E02.
(The BatchNorm MLP of cells 6-10 itself is scripts/make_reference_bn.py's.)

Run by `make reference` with the full torch 2.13.0 of .venv-bench:

    python scripts/make_reference_bn_notebook.py          # makemore-lib/tests/fixtures/<vendor>/names-bn-notebook.json

One libtorch thread, as the notebook computes. Every random draw comes from the generator
seeded 2147483647 (the lecture's `g`), in the lecture's order; the notebook draws from tch's
global generator in the same order, which gives the same numbers. The split is CPython's
`random.seed(42); random.shuffle(words)`, 80/10/10.

Keys of the JSON:
- `softmax4`: the 4-logit example: the loss of label 2 for uniform, confidently right and
  confidently wrong logits;
- `init.<name>`: for each initialisation the notebook tries (`original`: part 2's randn
  everywhere; `small_output`: W2 * 0.01, b2 * 0; `unsaturated`: also W1 * 0.2, b1 * 0.01;
  `kaiming`: W1 * (5/3)/sqrt(30) instead), the loss on the whole training set before any step,
  the first batch's pre-activation std, the fraction of |h| > 0.99 and the neurons saturated
  on all 32 examples, and the first SHORT minibatch losses at lr 0.1;
- `loss_log.<name>`: the same four trained 200,000 steps (lr 0.1, then 0.01 from 100,000):
  train and val loss;
- `kaiming_demo`: x = randn(1000, 10), w = randn(10, 200) from a generator seeded 42: the std
  of x and of x @ (w * gain / sqrt(10)) for each gain of GAINS (gain 0: w unscaled);
- `deep.<bn_5_3 | plain_1>`: the six-layer network of n_hidden 100 (with BatchNorm and gain
  5/3; without BatchNorm and gain 1), trained 1,001 steps as the lecture's loop before its
  `break`: the parameter count, every loss, the forward and backward statistics of each Tanh
  layer, each weight's gradient statistics, the update:data ratios (log10) of every step;
  (every 100th step's and the last); train and val with training off; 20 names sampled
  from 2147483647 + 10;
- `e01`: the six-layer BatchNorm network with every Linear weight zero, 1,001 steps: the
  losses, the gradient's largest |value| per parameter after the last step, and the entropy
  of the training targets (the best a constant prediction can do).
"""
import json
import math
import os
import random
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_reference import FIXTURES, ROOT, SEED, cpu_info, provenance, vendor_dir  # noqa: E402
from make_reference_mlp import build_dataset  # noqa: E402
from make_reference_nn import BatchNorm1d, Linear, Tanh  # noqa: E402

torch.set_num_threads(1)

SHORT = 4000          # the minibatch steps of each initialisation's curve in the notebook
LONG = 200_000        # the loss log's trainings
DEEP_STEPS = 1001     # the lecture's deep loop: `if i >= 1000: break` after step 1000
GAINS = [0.0, 0.2, 1.0, 5 / 3, 5.0]
N_EMBD, N_HIDDEN, DEEP_HIDDEN = 10, 200, 100


def mlp_init(V, kind):
    """Part 2's network (n_embd 10, n_hidden 200) with one of the notebook's initialisations."""
    g = torch.Generator().manual_seed(SEED)
    C = torch.randn((V, N_EMBD), generator=g)
    W1 = torch.randn((N_EMBD * 3, N_HIDDEN), generator=g)  # scaled below, as the lecture's edits of cell 6 do
    b1 = torch.randn(N_HIDDEN, generator=g)
    W2 = torch.randn((N_HIDDEN, V), generator=g)
    b2 = torch.randn(V, generator=g)
    if kind != 'original':
        W2 = W2 * 0.01
        b2 = b2 * 0
    if kind == 'unsaturated':
        W1 = W1 * 0.2
        b1 = b1 * 0.01
    if kind == 'kaiming':
        W1 = W1 * (5 / 3) / (30**0.5)
        b1 = b1 * 0.01
    params = [C, W1, b1, W2, b2]
    for p in params:
        p.requires_grad = True
    return g, params


def mlp_logits(params, X):
    C, W1, b1, W2, b2 = params
    hpreact = C[X].view(X.shape[0], -1) @ W1 + b1
    return hpreact, torch.tanh(hpreact) @ W2 + b2


def train_mlp(g, params, Xtr, Ytr, steps):
    losses = []
    for i in range(steps):
        ix = torch.randint(0, Xtr.shape[0], (32,), generator=g)
        _, logits = mlp_logits(params, Xtr[ix])
        loss = F.cross_entropy(logits, Ytr[ix])
        for p in params:
            p.grad = None
        loss.backward()
        lr = 0.1 if i < 100_000 else 0.01
        for p in params:
            p.data += -lr * p.grad
        losses.append(loss.item())
    return losses


def init_record(V, kind, Xtr, Ytr):
    g, params = mlp_init(V, kind)
    with torch.no_grad():
        _, logits = mlp_logits(params, Xtr)
        loss0 = F.cross_entropy(logits, Ytr).item()
    # the first minibatch, drawn as the training's first step draws it (a copy of g's state)
    state = g.get_state()
    ix = torch.randint(0, Xtr.shape[0], (32,), generator=g)
    g.set_state(state)
    with torch.no_grad():
        hpreact, _ = mlp_logits(params, Xtr[ix])
        h = torch.tanh(hpreact)
        sat = h.abs() > 0.99
    rec = {
        'loss_train': loss0,
        'batch': ix.tolist(),
        'hpreact_std': hpreact.std().item(),
        'h_saturated': sat.float().mean().item(),
        'dead': int(sat.all(0).sum().item()),
        'losses': train_mlp(g, params, Xtr, Ytr, SHORT),
    }
    print(kind, {k: v for k, v in rec.items() if k not in ('losses', 'batch')}, file=sys.stderr)
    return rec


def loss_log(V, kind, Xtr, Ytr, Xdev, Ydev):
    g, params = mlp_init(V, kind)
    losses = train_mlp(g, params, Xtr, Ytr, LONG)
    with torch.no_grad():
        rec = {'train': F.cross_entropy(mlp_logits(params, Xtr)[1], Ytr).item(),
               'val': F.cross_entropy(mlp_logits(params, Xdev)[1], Ydev).item(),
               'losses_every_1000': losses[::1000]}
    print('loss log', kind, rec['train'], rec['val'], file=sys.stderr)
    return rec


def kaiming_demo():
    g = torch.Generator().manual_seed(42)
    x = torch.randn(1000, 10, generator=g)
    w = torch.randn(10, 200, generator=g)
    out = {'x_std': x.std().item(), 'y_std': []}
    for gain in GAINS:
        ws = w if gain == 0 else w * gain / 10**0.5
        out['y_std'].append((x @ ws).std().item())
    return out


def deep_net(V, batchnorm, gain, zero=False):
    """Cell 13: C, then the layers in order, from g; the last layer made less confident. The
    layers are the lectures' classes (make_reference_nn.py's), which draw from the global
    generator: seeded as the lecture seeds `g`, it draws the same numbers (`g` is then the
    global generator, which the minibatches come from too)."""
    torch.manual_seed(SEED)
    g = torch.default_generator
    C = torch.randn((V, N_EMBD), generator=g)
    sizes = [N_EMBD * 3] + [DEEP_HIDDEN] * 5 + [V]
    layers = []
    for k in range(6):
        layers.append(Linear(sizes[k], sizes[k + 1], bias=not batchnorm))
        if batchnorm:
            layers.append(BatchNorm1d(sizes[k + 1]))
        if k < 5:
            layers.append(Tanh())
    with torch.no_grad():
        if batchnorm:
            layers[-1].gamma *= 0.1
        else:
            layers[-1].weight *= 0.1
        for layer in layers[:-1]:
            if isinstance(layer, Linear):
                layer.weight *= gain
        if zero:
            for layer in layers:
                if isinstance(layer, Linear):
                    layer.weight *= 0
    params = [C] + [p for layer in layers for p in layer.parameters()]
    for p in params:
        p.requires_grad = True
    return g, C, layers, params


def deep_forward(C, layers, X):
    x = C[X].view(X.shape[0], -1)
    for layer in layers:
        x = layer(x)
    return x


def finite(x):
    """A number for JSON, which has no inf or nan: those become null."""
    return x if math.isfinite(x) else None


def train_deep(g, C, layers, params, Xtr, Ytr):
    losses, ud = [], []
    for i in range(DEEP_STEPS):
        ix = torch.randint(0, Xtr.shape[0], (32,), generator=g)
        x = deep_forward(C, layers, Xtr[ix])
        loss = F.cross_entropy(x, Ytr[ix])
        for layer in layers:
            layer.out.retain_grad()
        for p in params:
            p.grad = None
        loss.backward()
        lr = 0.1
        for p in params:
            p.data += -lr * p.grad
        losses.append(loss.item())
        with torch.no_grad():
            ud.append([finite(((lr * p.grad).std() / p.data.std()).log10().item()) for p in params])
    return losses, ud


def sample_deep(C, layers, itos, n, seed):
    g = torch.Generator().manual_seed(seed)
    names = []
    with torch.no_grad():
        for _ in range(n):
            out, context = [], [0] * 3
            while True:
                logits = deep_forward(C, layers, torch.tensor([context]))
                ix = torch.multinomial(F.softmax(logits, dim=1), num_samples=1, generator=g).item()
                context = context[1:] + [ix]
                out.append(ix)
                if ix == 0:
                    break
            names.append(''.join(itos[i] for i in out))
    return names


def deep_record(V, itos, batchnorm, gain, Xtr, Ytr, Xdev, Ydev):
    g, C, layers, params = deep_net(V, batchnorm, gain)
    losses, ud = train_deep(g, C, layers, params, Xtr, Ytr)
    rec = {'n_params': sum(p.nelement() for p in params), 'losses': losses,
           'ud_every_100': ud[::100], 'ud_last': ud[-1]}
    tanhs = [(i, layer) for i, layer in enumerate(layers[:-1]) if isinstance(layer, Tanh)]
    rec['forward'] = [{'layer': i, 'mean': t.out.mean().item(), 'std': t.out.std().item(),
                       'saturated': (t.out.abs() > 0.97).float().mean().item() * 100} for i, t in tanhs]
    rec['backward'] = [{'layer': i, 'mean': t.out.grad.mean().item(), 'std': t.out.grad.std().item()} for i, t in tanhs]
    rec['weights'] = [{'index': i, 'shape': list(p.shape), 'mean': p.grad.mean().item(), 'std': p.grad.std().item(),
                       'ratio': (p.grad.std() / p.std()).item()} for i, p in enumerate(params) if p.ndim == 2]
    for layer in layers:
        layer.training = False
    with torch.no_grad():
        rec['train'] = F.cross_entropy(deep_forward(C, layers, Xtr), Ytr).item()
        rec['val'] = F.cross_entropy(deep_forward(C, layers, Xdev), Ydev).item()
    rec['samples20'] = sample_deep(C, layers, itos, 20, SEED + 10)
    print('deep', batchnorm, gain, rec['n_params'], rec['losses'][0], rec['losses'][-1], rec['train'], rec['val'],
          file=sys.stderr)
    return rec


def e01(V, Xtr, Ytr):
    g, C, layers, params = deep_net(V, True, 5 / 3, zero=True)
    losses, _ = train_deep(g, C, layers, params, Xtr, Ytr)
    p = torch.bincount(Ytr, minlength=V).double() / Ytr.shape[0]
    entropy = -(p[p > 0] * p[p > 0].log()).sum().item()
    rec = {'losses': losses, 'grad_max': [p.grad.abs().max().item() for p in params], 'entropy': entropy}
    print('e01', losses[0], losses[-1], entropy, file=sys.stderr)
    return rec


def main(args):
    out_path = args[0] if args else os.path.join(FIXTURES, vendor_dir(cpu_info()['vendor_id']), 'names-bn-notebook.json')
    words = open(os.path.join(ROOT, 'data', 'names.txt'), encoding='utf-8').read().splitlines()
    chars = sorted(set(''.join(words)))
    stoi = {s: i + 1 for i, s in enumerate(chars)}
    stoi['.'] = 0
    itos = {i: s for s, i in stoi.items()}
    V = len(stoi)
    random.seed(42)
    random.shuffle(words)
    n1, n2 = int(0.8 * len(words)), int(0.9 * len(words))
    Xtr, Ytr = build_dataset(words[:n1], stoi)
    Xdev, Ydev = build_dataset(words[n1:n2], stoi)
    out = provenance()
    out['constants'] = {'short': SHORT, 'long': LONG, 'deep_steps': DEEP_STEPS, 'gains': GAINS}
    out['softmax4'] = {name: -F.softmax(torch.tensor(logits), dim=0)[2].log().item() for name, logits in
                       [('uniform', [0.0, 0.0, 0.0, 0.0]), ('right', [0.0, 0.0, 5.0, 0.0]), ('wrong', [0.0, 5.0, 0.0, 0.0])]}
    out['uniform_loss'] = -math.log(1 / V)
    kinds = ['original', 'small_output', 'unsaturated', 'kaiming']
    out['init'] = {k: init_record(V, k, Xtr, Ytr) for k in kinds}
    out['kaiming_demo'] = kaiming_demo()
    out['deep'] = {'bn_5_3': deep_record(V, itos, True, 5 / 3, Xtr, Ytr, Xdev, Ydev),
                   'plain_1': deep_record(V, itos, False, 1.0, Xtr, Ytr, Xdev, Ydev)}
    out['e01'] = e01(V, Xtr, Ytr)
    out['loss_log'] = {k: loss_log(V, k, Xtr, Ytr, Xdev, Ydev) for k in kinds}
    os.makedirs(os.path.dirname(out_path), exist_ok=True)
    with open(out_path, 'w', encoding='utf-8') as f:
        json.dump(out, f, ensure_ascii=False, allow_nan=False)
    print(f'wrote {out_path}', file=sys.stderr)


if __name__ == '__main__':
    main(sys.argv[1:])

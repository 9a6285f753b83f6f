"""PyTorch's numbers that notebooks/part1_bigrams.ipynb quotes beyond the test fixtures.

    .venv-bench/bin/python scripts/reference_part1_notebook.py   # the full torch 2.13.0 (make bench installs it)

The notebook checks each of its numbers against PyTorch 2.13's. Most come from the fixtures
that scripts/make_reference.py writes (tests/fixtures/<vendor>/names-reference.json); the
ones printed here are the notebook's own steps that the fixtures do not hold: the five steps
on "emma", the learning rate search, the trainings without and with regularization, the (regularization, smoothing) table,
the two trigram networks of E01 (and the 54-input one's optimum, by L-BFGS), and the split and the smoothing search of E02 and E03.
Each is computed the lecture's way (one-hot, the float32 loss, `W.data += -lr * W.grad`),
or, where it says so, through the counts (the same loss and gradient, appendix A.1). It
prints JSON.
"""
import json
import os
import random

import torch
import torch.nn.functional as F

SEED = 2147483647
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REG_STEPS = 10000
REG_EARLY = 199
NOREG_STEPS = 100
REG_LOOP_STEPS = 100
LR_SEARCH_STEPS = 5
E01_STEPS = 25
E01_LR = 50.0
CONVERGED_STEPS = 5000
SMOOTHINGS = [0.001, 0.01, 0.1, 1.0, 10.0]

words = open(os.path.join(ROOT, 'data', 'names.txt'), encoding='utf-8').read().splitlines()
chars = sorted(set(''.join(words)))
stoi = {s: i + 1 for i, s in enumerate(chars)}
stoi['.'] = 0
V = 27
out = {'torch_version': torch.__version__, 'torch_num_threads': torch.get_num_threads()}


def bigrams(ws):
    xs, ys = [], []
    for w in ws:
        chs = ['.'] + list(w) + ['.']
        for a, b in zip(chs, chs[1:]):
            xs.append(stoi[a])
            ys.append(stoi[b])
    return torch.tensor(xs), torch.tensor(ys)


def trigrams(ws):
    ix = []
    for w in ws:
        chs = ['.', '.'] + list(w) + ['.']
        for a, b, c in zip(chs, chs[1:], chs[2:]):
            ix.append((stoi[a], stoi[b], stoi[c]))
    t = torch.tensor(ix)
    return t[:, 0], t[:, 1], t[:, 2]


xs, ys = bigrams(words)
num = xs.nelement()
xenc = F.one_hot(xs, num_classes=V).float()


def train_one_hot(steps, lr, reg):
    g = torch.Generator().manual_seed(SEED)
    W = torch.randn((V, V), generator=g, requires_grad=True)
    losses = []
    for _ in range(steps):
        logits = xenc @ W
        counts = logits.exp()
        probs = counts / counts.sum(1, keepdims=True)
        loss = -probs[torch.arange(num), ys].log().mean() + reg * (W ** 2).mean()
        losses.append(loss.item())
        W.grad = None
        loss.backward()
        W.data += -lr * W.grad
    return W.detach(), losses


# the first five examples ("emma"): five steps of gradient descent at lr 0.1
xs5, ys5 = bigrams(words[:1])
xenc5 = F.one_hot(xs5, num_classes=V).float()
g = torch.Generator().manual_seed(SEED)
one_neuron = (xenc5 @ torch.randn((V, 1), generator=g)).flatten().tolist()
g = torch.Generator().manual_seed(SEED)
W = torch.randn((V, V), generator=g, requires_grad=True)
five_losses = []
for step in range(5):
    counts = (xenc5 @ W).exp()
    probs = counts / counts.sum(1, keepdims=True)
    loss = -probs[torch.arange(5), ys5].log().mean()
    five_losses.append(loss.item())
    W.grad = None
    loss.backward()
    if step == 0:
        probs0, grad0 = probs[0, :3].tolist(), W.grad[0, :3].tolist()
    W.data += -0.1 * W.grad
out['emma'] = {'one_neuron': one_neuron, 'probs0': probs0, 'grad0': grad0, 'five_losses': five_losses}

# the learning-rate search: LR_SEARCH_STEPS steps from the same W
out['lr_search_steps'] = LR_SEARCH_STEPS
out['lr_search_last'] = {str(lr): train_one_hot(LR_SEARCH_STEPS, lr, 0.0)[1][-1] for lr in [0.1, 1.0, 10.0, 50.0]}

# the first full training: no regularization, NOREG_STEPS steps at lr 50
W, losses = train_one_hot(NOREG_STEPS, 50.0, 0.0)
out['noreg_steps'] = NOREG_STEPS
out['noreg_losses'] = {k: losses[k] for k in [0, 1, 9, NOREG_STEPS // 2 - 1, NOREG_STEPS - 1]}
out['noreg_W0'] = W[0, :3].tolist()
N = torch.zeros((V, V), dtype=torch.int32)
N.index_put_((xs, ys), torch.ones(num, dtype=torch.int32), accumulate=True)
P = N.float()
P /= P.sum(1, keepdims=True)
P_net = W.exp() / W.exp().sum(1, keepdims=True)
out['noreg_gap'] = (P_net - P).abs().max().item()


# note 2: the lecture's final loop, with 0.01 * (W**2).mean(), REG_LOOP_STEPS steps at lr 50; then
# the network's P against the smoothed counts' (N+1), and 20 names sampled from it the lecture's way
W, losses = train_one_hot(REG_LOOP_STEPS, 50.0, 0.01)
P_smoothed = (N + 1).float()
P_smoothed /= P_smoothed.sum(1, keepdims=True)
P_net = W.exp() / W.exp().sum(1, keepdims=True)
itos = {i: s for s, i in stoi.items()}
g = torch.Generator().manual_seed(SEED)
names = []
for _ in range(20):
    name, ix = [], 0
    while True:
        counts = (F.one_hot(torch.tensor([ix]), num_classes=V).float() @ W).exp()
        p = counts / counts.sum(1, keepdims=True)
        ix = torch.multinomial(p, num_samples=1, replacement=True, generator=g).item()
        name.append(itos[ix])
        if ix == 0:
            break
    names.append(''.join(name))
out['reg_loop'] = {'steps': REG_LOOP_STEPS,
                   'losses': {k: losses[k] for k in [0, 1, 9, 10, 19, REG_LOOP_STEPS // 2 - 1, REG_LOOP_STEPS - 1]},
                   'W0': W[0, :3].tolist(), 'gap_smoothed': (P_net - P_smoothed).abs().max().item(),
                   'names': names}


# (reg, k): the network trained through the counts, and the smoothing with the same data loss
def counts_p(k):
    c = N.float() + k
    return c / c.sum(1, keepdim=True)


def data_nll(P):
    return (-(N.float() * P.log()).sum() / N.sum().float()).item()


Nf = N.float()
table = []
for reg in [0.001, 0.01, 0.1, 1.0]:
    g = torch.Generator().manual_seed(SEED)
    W = torch.randn((V, V), generator=g, requires_grad=True)
    for step in range(REG_STEPS):
        loss = -(Nf * F.log_softmax(W, 1)).sum() / num + reg * (W ** 2).mean()
        if step == REG_EARLY:
            early = loss.item()
        W.grad = None
        loss.backward()
        W.data += -50.0 * W.grad
    P_net = (W.exp() / W.exp().sum(1, keepdims=True)).detach()
    nll = data_nll(P_net)
    lo, hi = 0.0, 1000.0
    for _ in range(40):
        k = (lo + hi) / 2
        if data_nll(counts_p(k)) < nll:
            lo = k
        else:
            hi = k
    table.append({'reg': reg, 'loss_at_early': early, 'net_nll': nll, 'k': lo, 'gap': (P_net - counts_p(lo)).abs().max().item()})
out['reg_steps'] = REG_STEPS
out['reg_early'] = REG_EARLY
out['reg_table'] = table

# E01: the trigram networks, the lecture's loop (rows of W: one_hot @ W picks them)
i1, i2, i3 = trigrams(words)
n3 = i1.nelement()


def train_rows(rows_of, n_rows, steps, lr):
    g = torch.Generator().manual_seed(SEED)
    W = torch.randn((n_rows, V), generator=g, requires_grad=True)
    losses = []
    for _ in range(steps):
        logits = rows_of(W)
        counts = logits.exp()
        probs = counts / counts.sum(1, keepdims=True)
        loss = -probs[torch.arange(n3), i3].log().mean()
        losses.append(loss.item())
        W.grad = None
        loss.backward()
        W.data += -lr * W.grad
    return W.detach(), losses


xenc2 = torch.cat([F.one_hot(i1, V), F.one_hot(i2, V)], 1).float()
_, l54 = train_rows(lambda W: xenc2 @ W, 2 * V, E01_STEPS, E01_LR)
_, l729 = train_rows(lambda W: W[i1 * V + i2], V * V, E01_STEPS, E01_LR)
out['e01'] = {'steps': E01_STEPS, 'lr': E01_LR, 'net54': {k: l54[k] for k in [0, E01_STEPS - 1]},
              'net729': {k: l729[k] for k in [0, E01_STEPS - 1]}}

# E01, trained to convergence through the trigram counts (the same loss and gradient, A.1);
# the 54-input network four times longer too: gradient descent at lr 50 crawls after a few
# thousand steps
N3 = torch.zeros((V, V, V))
N3.index_put_((i1, i2, i3), torch.ones(n3), accumulate=True)
GD_LONGER_STEPS = 4 * CONVERGED_STEPS


def net54_logits(W):   # W[ix1] + W[27 + ix2] for every pair (ix1, ix2)
    return W[:V].unsqueeze(1) + W[V:].unsqueeze(0)


def counts_loss(N, logits):   # Σ N·(−log P) / n over the trigram counts
    return -(N * F.log_softmax(logits, 2)).sum() / n3


out['e01_converged'] = {'steps': CONVERGED_STEPS}
for name, n_rows, logits_of, steps in [('net54', 2 * V, net54_logits, GD_LONGER_STEPS),
                                       ('net729', V * V, lambda W: W.view(V, V, V), CONVERGED_STEPS)]:
    g = torch.Generator().manual_seed(SEED)
    W = torch.randn((n_rows, V), generator=g, requires_grad=True)
    losses = []
    for _ in range(steps):
        loss = counts_loss(N3, logits_of(W))
        losses.append(loss.item())
        W.grad = None
        loss.backward()
        W.data += -E01_LR * W.grad
    out['e01_converged'][name] = {k: losses[k] for k in [E01_STEPS - 1, CONVERGED_STEPS - 1]}
    if steps == GD_LONGER_STEPS:
        out['e01_converged'][name + '_gd_longer'] = {'steps': steps, 'loss': losses[-1]}
# the 54-input network's optimum: L-BFGS (in float64, from the same start) on this convex loss
N3d = N3.double()
g = torch.Generator().manual_seed(SEED)
W = torch.randn((2 * V, V), generator=g).double().requires_grad_(True)
lbfgs = torch.optim.LBFGS([W], max_iter=5000, tolerance_grad=1e-10, tolerance_change=1e-14, history_size=50,
                          line_search_fn='strong_wolfe')


def net54_loss():
    lbfgs.zero_grad()
    loss = counts_loss(N3d, net54_logits(W))
    loss.backward()
    return loss


for _ in range(3):
    lbfgs.step(net54_loss)
out['e01_converged']['net54_optimum'] = net54_loss().item()
out['e01_converged']['trigram_mle'] = (-(N3d * (N3d / N3d.sum(2, keepdim=True)).log()).nan_to_num(0.0).sum() / n3).item()

# E02: the split of the later lectures (random.seed(42); random.shuffle(words): the same
# three parts as part 2's), E03: smoothing on dev
shuffled = list(words)
random.seed(42)
random.shuffle(shuffled)
n1, n2 = int(0.8 * len(words)), int(0.9 * len(words))
train, dev, test = shuffled[:n1], shuffled[n1:n2], shuffled[n2:]
out['split'] = {'sizes': [len(train), len(dev), len(test)], 'first': [train[0], dev[0], test[0]]}


def nll3(Pt, part):
    a, b, c = trigrams(part)
    return -Pt[a, b, c].log().double().mean().item()


def nll2(Pt, part):
    a, b = bigrams(part)
    return -Pt[a, b].log().double().mean().item()


a, b, c = trigrams(train)
Nt = torch.zeros((V, V, V), dtype=torch.int32)
Nt.index_put_((a, b, c), torch.ones(a.nelement(), dtype=torch.int32), accumulate=True)
x2, y2 = bigrams(train)
Nb = torch.zeros((V, V), dtype=torch.int32)
Nb.index_put_((x2, y2), torch.ones(x2.nelement(), dtype=torch.int32), accumulate=True)
Pb = (Nb + 1).float()
Pb /= Pb.sum(1, keepdims=True)
Pt = (Nt + 1).float()
Pt /= Pt.sum(2, keepdims=True)
out['e02'] = {'bigram': [nll2(Pb, p) for p in (train, dev, test)], 'trigram': [nll3(Pt, p) for p in (train, dev, test)]}
rows = []
for k in SMOOTHINGS:
    Pk = (Nt + k).float()
    Pk /= Pk.sum(2, keepdims=True)
    rows.append({'k': k, 'train': nll3(Pk, train), 'dev': nll3(Pk, dev)})
best = min(rows, key=lambda r: r['dev'])
Pk = (Nt + best['k']).float()
Pk /= Pk.sum(2, keepdims=True)
out['e03'] = {'rows': rows, 'best': best['k'], 'test': nll3(Pk, test)}

print(json.dumps(out, indent=1))

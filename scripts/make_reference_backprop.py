"""Reference values of the lecture-4 notebook (notebooks/part4_backprop.ipynb), computed by
PyTorch itself with the lecture's own code (karpathy/nn-zero-to-hero,
makemore_part4_backprop.ipynb): the chunked forward pass, the 26 gradients of exercise 1 against
autograd, exercises 2 and 3, and exercise 4's training with the backward pass by hand.

Run by `make reference` with the full torch 2.13.0 of .venv-bench:

    python scripts/make_reference_backprop.py     # makemore-lib/tests/fixtures/<vendor>/names-backprop.json

One libtorch thread, as the notebook computes. Every random draw comes from the generator seeded
2147483647 (the lecture's `g`), in the lecture's order, including `bngain` and `bnbias`, which the
lecture draws from the unseeded global generator (so that its own numbers cannot be reproduced):
here they come from `g` too, after `b2`, as the issue and the notebook do. The split is CPython's
`random.seed(42); random.shuffle(words)`, 80/10/10.

Keys of the JSON:
- `ex1`: n_hidden 64: the parameter count, the minibatch, the loss of the chunked forward pass,
  and for each of the 26 gradients in the lecture's order PyTorch's `cmp` line (exact,
  approximate, maxdiff) of the lecture's formula against autograd, with the gradient's sum and
  sum of absolute values (float64); `dC_wrong`: what `dC[Xb] += demb` gets wrong (the rows of
  dC that differ, the characters used more than once, the largest error against autograd's);
- `ex2`: `F.cross_entropy` against the chunked loss, the `cmp` of the one-line `dlogits`,
  `softmax(logits)[0]`, `dlogits[0] * n` and `dlogits[0].sum()`;
- `ex3`: the largest |hpreact_fast - hpreact| and the `cmp` of the one-line `dhprebn`;
- `ex4`: n_hidden 200: the parameter count; the first FIRST minibatch losses of the manual loop,
  of the same loop through autograd (`loss.backward()`, `p.data += -lr * p.grad`), and the
  largest difference between the two; every 10,000th loss (the lecture's printout); the mean of
  each 1,000 losses' log10 (the plot); train and val after calibrating BatchNorm on the training
  set; 20 names sampled from 2147483647 + 10.
"""
import json
import os
import random
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_reference import FIXTURES, ROOT, SEED, cpu_info, provenance, vendor_dir  # noqa: E402
from make_reference_mlp import build_dataset  # noqa: E402

torch.set_num_threads(1)

N_EMBD, BLOCK, BATCH = 10, 3, 32
STEPS = 200_000
FIRST = 1000  # the manual loop's first losses, compared with autograd's


def init(V, n_hidden):
    """The lecture's non-standard initialisation, every draw from g."""
    g = torch.Generator().manual_seed(SEED)
    C = torch.randn((V, N_EMBD), generator=g)
    W1 = torch.randn((N_EMBD * BLOCK, n_hidden), generator=g) * (5 / 3) / ((N_EMBD * BLOCK)**0.5)
    b1 = torch.randn(n_hidden, generator=g) * 0.1
    W2 = torch.randn((n_hidden, V), generator=g) * 0.1
    b2 = torch.randn(V, generator=g) * 0.1
    bngain = torch.randn((1, n_hidden), generator=g) * 0.1 + 1.0
    bnbias = torch.randn((1, n_hidden), generator=g) * 0.1
    parameters = [C, W1, b1, W2, b2, bngain, bnbias]
    for p in parameters:
        p.requires_grad = True
    return g, parameters


def cmp(dt, t):
    return {'exact': bool(torch.all(dt == t.grad).item()), 'approximate': bool(torch.allclose(dt, t.grad)),
            'maxdiff': (dt - t.grad).abs().max().item(), 'sum': dt.double().sum().item(),
            'abs_sum': dt.double().abs().sum().item()}


def exercises(V, Xtr, Ytr):
    g, parameters = init(V, 64)
    C, W1, b1, W2, b2, bngain, bnbias = parameters
    n = BATCH
    ix = torch.randint(0, Xtr.shape[0], (BATCH,), generator=g)
    Xb, Yb = Xtr[ix], Ytr[ix]
    emb = C[Xb]
    embcat = emb.view(emb.shape[0], -1)
    hprebn = embcat @ W1 + b1
    bnmeani = 1 / n * hprebn.sum(0, keepdim=True)
    bndiff = hprebn - bnmeani
    bndiff2 = bndiff**2
    bnvar = 1 / (n - 1) * (bndiff2).sum(0, keepdim=True)
    bnvar_inv = (bnvar + 1e-5)**-0.5
    bnraw = bndiff * bnvar_inv
    hpreact = bngain * bnraw + bnbias
    h = torch.tanh(hpreact)
    logits = h @ W2 + b2
    logit_maxes = logits.max(1, keepdim=True).values
    norm_logits = logits - logit_maxes
    counts = norm_logits.exp()
    counts_sum = counts.sum(1, keepdims=True)
    counts_sum_inv = counts_sum**-1
    probs = counts * counts_sum_inv
    logprobs = probs.log()
    loss = -logprobs[range(n), Yb].mean()
    for t in [logprobs, probs, counts, counts_sum, counts_sum_inv, norm_logits, logit_maxes, logits, h, hpreact,
              bnraw, bnvar_inv, bnvar, bndiff2, bndiff, hprebn, bnmeani, embcat, emb]:
        t.retain_grad()
    loss.backward()

    with torch.no_grad():
        dlogprobs = torch.zeros_like(logprobs)
        dlogprobs[range(n), Yb] = -1.0 / n
        dprobs = (1.0 / probs) * dlogprobs
        dcounts_sum_inv = (counts * dprobs).sum(1, keepdim=True)
        dcounts = counts_sum_inv * dprobs
        dcounts_sum = (-counts_sum**-2) * dcounts_sum_inv
        dcounts += torch.ones_like(counts) * dcounts_sum
        dnorm_logits = counts * dcounts
        dlogits = dnorm_logits.clone()
        dlogit_maxes = (-dnorm_logits).sum(1, keepdim=True)
        dlogits += F.one_hot(logits.max(1).indices, num_classes=logits.shape[1]) * dlogit_maxes
        dh = dlogits @ W2.T
        dW2 = h.T @ dlogits
        db2 = dlogits.sum(0)
        dhpreact = (1.0 - h**2) * dh
        dbngain = (bnraw * dhpreact).sum(0, keepdim=True)
        dbnraw = bngain * dhpreact
        dbnbias = dhpreact.sum(0, keepdim=True)
        dbndiff = bnvar_inv * dbnraw
        dbnvar_inv = (bndiff * dbnraw).sum(0, keepdim=True)
        dbnvar = (-0.5 * (bnvar + 1e-5)**-1.5) * dbnvar_inv
        dbndiff2 = (1.0 / (n - 1)) * torch.ones_like(bndiff2) * dbnvar
        dbndiff += (2 * bndiff) * dbndiff2
        dhprebn = dbndiff.clone()
        dbnmeani = (-dbndiff).sum(0, keepdim=True)  # keepdim: nn-zero-to-hero issue 59
        dhprebn += 1.0 / n * (torch.ones_like(hprebn) * dbnmeani)
        dembcat = dhprebn @ W1.T
        dW1 = embcat.T @ dhprebn
        db1 = dhprebn.sum(0)
        demb = dembcat.view(emb.shape)
        dC = torch.zeros_like(C)
        for k in range(Xb.shape[0]):
            for j in range(Xb.shape[1]):
                dC[Xb[k, j]] += demb[k, j]
    table = [('logprobs', dlogprobs, logprobs), ('probs', dprobs, probs), ('counts_sum_inv', dcounts_sum_inv, counts_sum_inv),
             ('counts_sum', dcounts_sum, counts_sum), ('counts', dcounts, counts), ('norm_logits', dnorm_logits, norm_logits),
             ('logit_maxes', dlogit_maxes, logit_maxes), ('logits', dlogits, logits), ('h', dh, h), ('W2', dW2, W2),
             ('b2', db2, b2), ('hpreact', dhpreact, hpreact), ('bngain', dbngain, bngain), ('bnbias', dbnbias, bnbias),
             ('bnraw', dbnraw, bnraw), ('bnvar_inv', dbnvar_inv, bnvar_inv), ('bnvar', dbnvar, bnvar),
             ('bndiff2', dbndiff2, bndiff2), ('bndiff', dbndiff, bndiff), ('bnmeani', dbnmeani, bnmeani),
             ('hprebn', dhprebn, hprebn), ('embcat', dembcat, embcat), ('W1', dW1, W1), ('b1', db1, b1),
             ('emb', demb, emb), ('C', dC, C)]
    with torch.no_grad():  # the tempting one-liner, which keeps one contribution per repeated character
        dC_wrong = torch.zeros_like(C)
        dC_wrong[Xb] += demb
    ex1 = {'n_params': sum(p.nelement() for p in parameters), 'batch': ix.tolist(), 'loss': loss.item(),
           'names': [name for name, _, _ in table], 'cmp': [cmp(d, t) for _, d, t in table],
           'dC_wrong': {'rows': int(((dC_wrong - dC).abs().amax(1) > 0).sum().item()),
                        'repeated': int((torch.bincount(Xb.view(-1), minlength=C.shape[0]) > 1).sum().item()),
                        'maxerr': (dC_wrong - C.grad).abs().max().item()}}
    for name, row in zip(ex1['names'], ex1['cmp']):
        print(f"{name:15s} | exact: {str(row['exact']):5s} | approximate: {str(row['approximate']):5s} | maxdiff: {row['maxdiff']}",
              file=sys.stderr)

    with torch.no_grad():
        loss_fast = F.cross_entropy(logits, Yb)
        dlogits = F.softmax(logits, 1)
        dlogits[range(n), Yb] -= 1
        dlogits /= n
        ex2 = {'loss_fast': loss_fast.item(), 'diff': (loss_fast - loss).item(), 'cmp': cmp(dlogits, logits),
               'softmax0': F.softmax(logits, 1)[0].tolist(), 'dlogits0_n': (dlogits[0] * n).tolist(),
               'dlogits0_sum': dlogits[0].sum().item(), 'targets': Yb.tolist()}
        hpreact_fast = bngain * (hprebn - hprebn.mean(0, keepdim=True)) / torch.sqrt(
            hprebn.var(0, keepdim=True, unbiased=True) + 1e-5) + bnbias
        dhprebn = bngain * bnvar_inv / n * (n * dhpreact - dhpreact.sum(0) - n / (n - 1) * bnraw * (dhpreact * bnraw).sum(0))
        ex3 = {'hpreact_maxdiff': (hpreact_fast - hpreact).abs().max().item(), 'cmp': cmp(dhprebn, hprebn)}
    print('ex2', ex2['diff'], ex2['cmp'], 'ex3', ex3, file=sys.stderr)
    return ex1, ex2, ex3


def manual_grads(parameters, Xb, Yb):
    """Exercise 4's forward pass and backward pass by hand: (loss, the 7 gradients, demb)."""
    C, W1, b1, W2, b2, bngain, bnbias = parameters
    n = Xb.shape[0]
    emb = C[Xb]
    embcat = emb.view(emb.shape[0], -1)
    hprebn = embcat @ W1 + b1
    bnmean = hprebn.mean(0, keepdim=True)
    bnvar = hprebn.var(0, keepdim=True, unbiased=True)
    bnvar_inv = (bnvar + 1e-5)**-0.5
    bnraw = (hprebn - bnmean) * bnvar_inv
    hpreact = bngain * bnraw + bnbias
    h = torch.tanh(hpreact)
    logits = h @ W2 + b2
    loss = F.cross_entropy(logits, Yb)
    dlogits = F.softmax(logits, 1)
    dlogits[range(n), Yb] -= 1
    dlogits /= n
    dh = dlogits @ W2.T
    dW2 = h.T @ dlogits
    db2 = dlogits.sum(0)
    dhpreact = (1.0 - h**2) * dh
    dbngain = (bnraw * dhpreact).sum(0, keepdim=True)
    dbnbias = dhpreact.sum(0, keepdim=True)
    dhprebn = bngain * bnvar_inv / n * (n * dhpreact - dhpreact.sum(0) - n / (n - 1) * bnraw * (dhpreact * bnraw).sum(0))
    dembcat = dhprebn @ W1.T
    dW1 = embcat.T @ dhprebn
    db1 = dhprebn.sum(0)
    demb = dembcat.view(emb.shape)
    dC = torch.zeros_like(C)
    # the lecture's loop `for k, j: dC[Xb[k,j]] += demb[k,j]`: index_add_ adds the same rows in
    # the same order (checked against the loop on the first steps below)
    dC.index_add_(0, Xb.view(-1), demb.view(-1, C.shape[1]))
    return loss, [dC, dW1, db1, dW2, db2, dbngain, dbnbias], demb


def manual_step(parameters, Xb, Yb, lr):
    """One step of exercise 4's loop: the forward pass, the backward pass by hand, the update."""
    loss, grads, demb = manual_grads(parameters, Xb, Yb)
    for p, grad in zip(parameters, grads):
        p.data += -lr * grad
    return loss.item(), demb


def gradient_check(V, Xtr, Ytr):
    """The notebook's check before exercise 4's loop (the lecture's `cmp(str(tuple(p.shape)), g, p)`):
    each parameter's gradient by hand against autograd's, on the first 32 training examples,
    with the parameters as exercise 4 draws them."""
    _, params = init(V, 200)
    Xc, Yc = Xtr[:32], Ytr[:32]
    with torch.no_grad():
        _, grads, _ = manual_grads([p.detach() for p in params], Xc, Yc)
    # the notebook cell's forward pass, not autograd_step's: the same operations, but the mean is
    # taken before the variance here, and autograd adds their gradients in the order the graph was
    # built, so autograd_step's form changes the last bits of the table (checked: it does)
    C, W1, b1, W2, b2, bngain, bnbias = params
    hpre = C[Xc].view(32, -1) @ W1 + b1
    norm = (hpre - hpre.mean(0, keepdim=True)) * (hpre.var(0, keepdim=True, unbiased=True) + 1e-5)**-0.5
    loss = F.cross_entropy(torch.tanh(bngain * norm + bnbias) @ W2 + b2, Yc)
    loss.backward()
    return [cmp(g, p) for g, p in zip(grads, params)]


def autograd_step(parameters, Xb, Yb, lr):
    C, W1, b1, W2, b2, bngain, bnbias = parameters
    hprebn = C[Xb].view(Xb.shape[0], -1) @ W1 + b1
    bnvar_inv = (hprebn.var(0, keepdim=True, unbiased=True) + 1e-5)**-0.5
    hpreact = bngain * ((hprebn - hprebn.mean(0, keepdim=True)) * bnvar_inv) + bnbias
    loss = F.cross_entropy(torch.tanh(hpreact) @ W2 + b2, Yb)
    for p in parameters:
        p.grad = None
    loss.backward()
    for p in parameters:
        p.data += -lr * p.grad
    return loss.item()


def calibrated_logits(parameters, bnmean, bnvar, X):
    C, W1, b1, W2, b2, bngain, bnbias = parameters
    hpreact = C[X].view(X.shape[0], -1) @ W1 + b1
    hpreact = bngain * (hpreact - bnmean) * (bnvar + 1e-5)**-0.5 + bnbias
    return torch.tanh(hpreact) @ W2 + b2


def exercise4(V, itos, Xtr, Ytr, Xdev, Ydev):
    g, parameters = init(V, 200)
    g_auto, auto = init(V, 200)
    rec = {'n_params': sum(p.nelement() for p in parameters)}
    losses, auto_losses = [], []
    with torch.no_grad():
        for i in range(STEPS):
            ix = torch.randint(0, Xtr.shape[0], (BATCH,), generator=g)
            Xb, Yb = Xtr[ix], Ytr[ix]
            lr = 0.1 if i < 100000 else 0.01
            if i < 3:  # index_add_ against the lecture's loop, on a copy of C's gradient
                C = parameters[0]
                before = C.detach().clone()
                loss, demb = manual_step(parameters, Xb, Yb, lr)
                dC = torch.zeros_like(C)
                for k in range(Xb.shape[0]):
                    for j in range(Xb.shape[1]):
                        dC[Xb[k, j]] += demb[k, j]
                assert torch.equal(C, before + -lr * dC), 'index_add_ differs from the lecture loop'
            else:
                loss, _ = manual_step(parameters, Xb, Yb, lr)
            losses.append(loss)
            if i % 10000 == 0:
                print(f'{i:7d}/{STEPS:7d}: {loss:.4f}', file=sys.stderr)
    for i in range(FIRST):
        ix = torch.randint(0, Xtr.shape[0], (BATCH,), generator=g_auto)
        auto_losses.append(autograd_step(auto, Xtr[ix], Ytr[ix], 0.1))
    rec['losses_first'] = losses[:FIRST]
    rec['autograd_first'] = auto_losses
    rec['autograd_maxdiff'] = max(abs(a - b) for a, b in zip(losses[:FIRST], auto_losses))
    rec['losses_every_10000'] = losses[::10000]
    lt = torch.tensor(losses).log10()
    rec['log10_mean_1000'] = lt.view(-1, 1000).mean(1).tolist()
    rec['loss_last'] = losses[-1]
    with torch.no_grad():
        C, W1, b1 = parameters[:3]
        hpreact = C[Xtr].view(Xtr.shape[0], -1) @ W1 + b1
        bnmean = hpreact.mean(0, keepdim=True)
        bnvar = hpreact.var(0, keepdim=True, unbiased=True)
        rec['bnmean_sum'] = bnmean.double().sum().item()
        rec['bnvar_sum'] = bnvar.double().sum().item()
        rec['train'] = F.cross_entropy(calibrated_logits(parameters, bnmean, bnvar, Xtr), Ytr).item()
        rec['val'] = F.cross_entropy(calibrated_logits(parameters, bnmean, bnvar, Xdev), Ydev).item()
        g = torch.Generator().manual_seed(SEED + 10)
        names = []
        for _ in range(20):
            out, context = [], [0] * BLOCK
            while True:
                logits = calibrated_logits(parameters, bnmean, bnvar, torch.tensor([context]))
                ix = torch.multinomial(F.softmax(logits, dim=1), num_samples=1, generator=g).item()
                context = context[1:] + [ix]
                out.append(ix)
                if ix == 0:
                    break
            names.append(''.join(itos[i] for i in out))
    rec['samples20'] = names
    rec['parameter_sums'] = [p.double().sum().item() for p in parameters]
    print('ex4', rec['n_params'], rec['train'], rec['val'], rec['autograd_maxdiff'], names[:5], file=sys.stderr)
    return rec


def main(args):
    out_path = args[0] if args else os.path.join(FIXTURES, vendor_dir(cpu_info()['vendor_id']), 'names-backprop.json')
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
    out['constants'] = {'steps': STEPS, 'first': FIRST, 'batch': BATCH}
    out['ex1'], out['ex2'], out['ex3'] = exercises(V, Xtr, Ytr)
    out['ex4'] = exercise4(V, itos, Xtr, Ytr, Xdev, Ydev)
    out['ex4']['param_check'] = gradient_check(V, Xtr, Ytr)
    os.makedirs(os.path.dirname(out_path), exist_ok=True)
    with open(out_path, 'w', encoding='utf-8') as f:
        json.dump(out, f, ensure_ascii=False, allow_nan=False)
    print(f'wrote {out_path}', file=sys.stderr)


if __name__ == '__main__':
    main(sys.argv[1:])

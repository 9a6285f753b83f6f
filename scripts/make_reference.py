"""Reference values of makemore lecture 1 (bigrams), computed by PyTorch itself.

Runs the lecture's own steps, in the lecture's order, on a word list and writes
every intermediate value to JSON, so that the Rust port can be checked number for
number. Run by `make reference` with the full torch 2.13.0 of .venv-bench:

    python scripts/make_reference.py                  # every fixture the tests use
    python scripts/make_reference.py WORDS.txt OUT.json   # one word list

With no arguments it writes makemore-lib/tests/fixtures/<vendor>/names-reference.json
(from data/names.txt) and .../<vendor>/accents-reference.json (from
tests/fixtures/accents.txt), where <vendor> is `intel` or `amd` from /proc/cpuinfo:
PyTorch's float32 results differ in the last bits between CPU vendors, and the tests
check their tolerances against every vendor's set that is present. Each file records
the CPU, the torch version, its CPU capability and its thread count.

The vocabulary is the lecture's: '.' (the start/end token) at index 0, then the
distinct characters of the data in sorted (code point) order. The data must not
contain '.' itself. Every random draw uses a fresh generator seeded with
2147483647, as the lecture does; in tch that is `tch::manual_seed(2147483647)`
before the same sequence of random calls.
"""
import json
import os
import platform
import sys

import torch
import torch.nn.functional as F

SEED = 2147483647
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, 'makemore-lib', 'tests', 'fixtures')
# (word list, reference file name)
CASES = [
    (os.path.join(ROOT, 'data', 'names.txt'), 'names-reference.json'),
    (os.path.join(FIXTURES, 'accents.txt'), 'accents-reference.json'),
]
# exercise E01: the trigram model's NLL on its own training data, for these smoothings
TRIGRAM_SMOOTHINGS = [1.0, 0.1, 0.01]


def cpu_info():
    """The CPU's vendor and model as /proc/cpuinfo names them."""
    info = {'vendor_id': platform.processor() or 'unknown', 'model_name': 'unknown'}
    try:
        with open('/proc/cpuinfo', encoding='utf-8') as f:
            for line in f:
                key, _, value = line.partition(':')
                key = key.strip()
                if key == 'vendor_id':
                    info['vendor_id'] = value.strip()
                elif key == 'model name':
                    info['model_name'] = value.strip()
                if info['model_name'] != 'unknown' and key == '':
                    break
    except OSError:
        pass
    return info


def vendor_dir(vendor_id):
    """The fixture folder for a vendor_id: GenuineIntel -> intel, AuthenticAMD -> amd."""
    return {'GenuineIntel': 'intel', 'AuthenticAMD': 'amd'}.get(vendor_id, vendor_id.lower() or 'unknown')


def provenance():
    cpu = cpu_info()
    return {
        'cpu_vendor': cpu['vendor_id'],
        'cpu_model': cpu['model_name'],
        'machine': platform.machine(),
        'torch_version': torch.__version__,
        'torch_cpu_capability': torch.backends.cpu.get_cpu_capability(),
        'torch_num_threads': torch.get_num_threads(),
    }


def trigram_nll(words, stoi, k):
    """E01: a count trigram model on all the words, evaluated on them (start padded '..')."""
    V = len(stoi)
    N = torch.zeros((V, V, V), dtype=torch.int32)
    ix = []
    for w in words:
        chs = ['.', '.'] + list(w) + ['.']
        for a, b, c in zip(chs, chs[1:], chs[2:]):
            ix.append((stoi[a], stoi[b], stoi[c]))
    t = torch.tensor(ix)
    N.index_put_((t[:, 0], t[:, 1], t[:, 2]), torch.ones(len(ix), dtype=torch.int32), accumulate=True)
    P = (N + k).float()
    P /= P.sum(2, keepdims=True)
    return {'smoothing': k, 'n': len(ix), 'avg_exact': -P.log()[t[:, 0], t[:, 1], t[:, 2]].double().mean().item()}


def reference(words_path):
    out = provenance()
    words = open(words_path, 'r', encoding='utf-8').read().splitlines()
    assert all(w for w in words), 'blank lines: the lecture code would count them as "..", remove them first'
    out['n_words'] = len(words)
    out['first10'] = words[:10]
    out['min_len'] = min(len(w) for w in words)
    out['max_len'] = max(len(w) for w in words)

    # bigrams as a dict with <S>/<E> tokens (Python's sort is stable: ties keep first-seen order)
    b = {}
    for w in words:
        chs = ['<S>'] + list(w) + ['<E>']
        for bigram in zip(chs, chs[1:]):
            b[bigram] = b.get(bigram, 0) + 1
    out['n_distinct_bigrams'] = len(b)
    out['top10_bigrams'] = [[a, c, n] for (a, c), n in sorted(b.items(), key=lambda kv: -kv[1])[:10]]

    chars = sorted(list(set(''.join(words))))
    assert '.' not in chars, "the data contains '.', which the lecture uses as its start/end token"
    stoi = {s: i + 1 for i, s in enumerate(chars)}
    stoi['.'] = 0
    itos = {i: s for s, i in stoi.items()}
    V = len(itos)
    out['vocab_size'] = V
    out['itos'] = [itos[i] for i in range(V)]

    N = torch.zeros((V, V), dtype=torch.int32)
    for w in words:
        chs = ['.'] + list(w) + ['.']
        for ch1, ch2 in zip(chs, chs[1:]):
            N[stoi[ch1], stoi[ch2]] += 1
    out['N'] = N.tolist()
    out['N_total'] = int(N.sum().item())

    p = N[0].float()
    p = p / p.sum()
    out['N0_probs'] = p.tolist()
    g = torch.Generator().manual_seed(SEED)
    ix = torch.multinomial(p, num_samples=1, replacement=True, generator=g).item()
    out['N0_first_sample'] = [ix, itos[ix]]

    g = torch.Generator().manual_seed(SEED)
    p = torch.rand(3, generator=g)
    p = p / p.sum()
    out['rand3_normalized'] = p.tolist()
    out['multinomial100'] = torch.multinomial(p, num_samples=100, replacement=True, generator=g).tolist()

    P = (N + 1).float()
    P /= P.sum(1, keepdims=True)
    out['P_smoothed'] = P.tolist()

    def sample_rows(row_probs, n=20):
        g = torch.Generator().manual_seed(SEED)
        names = []
        for _ in range(n):
            o, ix = [], 0
            while True:
                ix = torch.multinomial(row_probs(ix), num_samples=1, replacement=True, generator=g).item()
                o.append(itos[ix])
                if ix == 0:
                    break
            names.append(''.join(o))
        return names

    out['samples20_counts_smoothed'] = sample_rows(lambda ix: P[ix])

    xs, ys = [], []
    for w in words:
        chs = ['.'] + list(w) + ['.']
        for ch1, ch2 in zip(chs, chs[1:]):
            xs.append(stoi[ch1])
            ys.append(stoi[ch2])
    xs, ys = torch.tensor(xs), torch.tensor(ys)
    num = xs.nelement()
    out['n_examples'] = num

    def nll(P):
        # the lecture's loop: 0.0 + a float32 tensor is a float32 tensor, so this is a
        # sequential float32 sum of the float32 logs, in order
        log_likelihood = 0.0
        for x, y in zip(xs.tolist(), ys.tolist()):
            log_likelihood += torch.log(P[x, y])
        total = -log_likelihood
        vectorised = -P.log()[xs, ys].double().mean().item()
        return {'total_f32_loop': total.item(), 'avg_f32_loop': (total / num).item(), 'avg_exact': vectorised}

    out['nll_smoothed'] = nll(P)
    Pu = N.float()
    Pu /= Pu.sum(1, keepdims=True)
    out['nll_unsmoothed'] = nll(Pu)

    def train(steps, lr=50.0, reg=0.01):
        g = torch.Generator().manual_seed(SEED)
        W = torch.randn((V, V), generator=g, requires_grad=True)
        losses = []
        for _ in range(steps):
            xenc = F.one_hot(xs, num_classes=V).float()
            logits = xenc @ W
            counts = logits.exp()
            probs = counts / counts.sum(1, keepdims=True)
            loss = -probs[torch.arange(num), ys].log().mean() + reg * (W ** 2).mean()
            losses.append(loss.item())
            W.grad = None
            loss.backward()
            W.data += -lr * W.grad
        return W, losses

    W, losses = train(200)
    out['train_losses_200'] = losses
    out['W_after_200'] = W.detach().tolist()
    with torch.no_grad():
        Wd = W.detach()

        def nn_row(ix):
            xenc = F.one_hot(torch.tensor([ix]), num_classes=V).float()
            counts = (xenc @ Wd).exp()
            return (counts / counts.sum(1, keepdims=True))[0]

        out['samples20_nn_after200'] = sample_rows(nn_row)

    out['trigram_nll'] = [trigram_nll(words, stoi, k) for k in TRIGRAM_SMOOTHINGS]
    return out


def write(words_path, out_path, make=None):
    """The fixture of `words_path` made by `make` (this script's `reference` by default), as JSON."""
    out = (make or reference)(words_path)
    with open(out_path, 'w', encoding='utf-8') as f:
        json.dump(out, f, ensure_ascii=False, allow_nan=False)
    print(f'wrote {out_path} ({out["cpu_vendor"]}, {out["cpu_model"]}, torch {out["torch_version"]}, '
          f'{out["torch_num_threads"]} threads)', file=sys.stderr)


def main(args, cases=CASES, write=write, usage=__doc__):
    """WORDS OUT: one word list; no arguments: every case, into this vendor's folder."""
    if len(args) == 2:
        write(args[0], args[1])
        return
    if args:
        sys.exit(usage)
    folder = os.path.join(FIXTURES, vendor_dir(cpu_info()['vendor_id']))
    os.makedirs(folder, exist_ok=True)
    for words_path, name in cases:
        write(words_path, os.path.join(folder, name))


if __name__ == '__main__':
    main(sys.argv[1:])

"""Reference values of karpathy/makemore's `makemore.py`, computed by makemore.py itself:
scripts/makemore_py/makemore.py is its file at commit 988aa59 (MIT license, its LICENSE
beside it), run unchanged for each model type, as a user runs it:

    python makemore.py -i WORDS -o WORKDIR --type TYPE --max-steps 510 --num-workers 0

(510 steps: every 10th loss printed, samples at 200 and 400, the evaluation at 500 and its
saved model.)

Run by `make reference` with the full torch 2.13.0 of .venv-bench:

    python scripts/make_reference_zoo.py                      # every fixture the tests use
    python scripts/make_reference_zoo.py WORDS.txt OUT.json   # one word list

With no arguments it writes makemore-lib/tests/fixtures/<vendor>/names-zoo.json (from
data/names.txt) and .../<vendor>/accents-zoo.json (tests/fixtures/accents.txt), <vendor> as
in scripts/make_reference.py; each file records the CPU, torch and thread count. One
libtorch thread, as `makemore run` computes, but for the MLP and the Transformer: two
(`THREADS`; `run` trains them on one per core, and two is CI's count), recorded as each type's
`threads`. The MLP's numbers are the same at one thread and two, the Transformer's are not.

Two things around the run, neither touching what it computes:
- makemore.py imports tensorboard's SummaryWriter, which .venv-bench does not have; a
  writer that writes nothing stands in for it;
- `Tensor.backward` records each loss at full precision (makemore.py prints 4 decimals
  every 10 steps) before it runs.

What is recorded, per type (keys of `types`): what makemore.py printed (`printed`), less its
argument dictionary (it names a temporary work directory), the step times (they are the
machine's, not the model's) and the saved model's path; the loss of every step at full
precision; the number of parameters; the sha256 of each parameter after the last step and of
each tensor of the state_dict saved at step 500, the best (PyTorch's names, float32
little-endian bytes); then, from that saved model, what `--sample-only` prints
(`sample_only`: 50 names) and what `--resume --max-steps 30` prints, with its losses. And once: the split (sizes, first words of each part), the
vocabulary and the block size. The losses are the same with --num-workers 4 (the sampler
draws its seed in the main process): `--workers 4` as a first argument checks that.

    python scripts/make_reference_zoo.py --sample-only WORDS.txt TYPE MODEL.safetensors

prints what makemore.py --sample-only prints with a model file of `makemore run`, loaded with
`load_state_dict(safetensors.torch.load_file(...))` (tests/zoo.rs compares it with ours).
"""
import contextlib
import hashlib
import io
import os
import re
import runpy
import sys
import tempfile
import types

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_reference  # noqa: E402
from make_reference import FIXTURES, ROOT, main, provenance  # noqa: E402

torch.set_num_threads(1)

MAKEMORE = os.path.join(ROOT, 'scripts', 'makemore_py', 'makemore.py')
CASES = [
    (os.path.join(ROOT, 'data', 'names.txt'), 'names-zoo.json'),
    (os.path.join(FIXTURES, 'accents.txt'), 'accents-zoo.json'),
]
TYPES = ['bigram', 'mlp', 'rnn', 'gru', 'bow', 'transformer']
STEPS = 510
RESUME_STEPS = 30
WORKERS = 0
# libtorch threads per type, where not one (tests/zoo.rs passes the same to `makemore run`)
THREADS = {'mlp': 2, 'transformer': 2}


class SummaryWriter:
    """tensorboard's writer, writing nothing."""

    def __init__(self, *args, **kwargs):
        pass

    def add_scalar(self, *args, **kwargs):
        pass

    def flush(self):
        pass


def run(words_path, kind, steps=STEPS, workers=WORKERS, work=None, more=(), raw=False):
    """makemore.py's main for one type: its printed lines, its losses and its globals (and
    the state_dict it saved, if any). `work`: the work directory (by default a temporary
    one); `more`: further flags (--resume, --sample-only); `raw`: the output as printed, step
    times included, rather than its lines."""
    stub = types.ModuleType('torch.utils.tensorboard')
    stub.SummaryWriter = SummaryWriter
    sys.modules['torch.utils.tensorboard'] = stub
    losses = []
    backward = torch.Tensor.backward

    def recording(self, *args, **kwargs):
        losses.append(self.item())
        return backward(self, *args, **kwargs)

    out = io.StringIO()
    with tempfile.TemporaryDirectory() as temporary:
        work = work or temporary
        sys.argv = ['makemore.py', '-i', words_path, '-o', work, '--type', kind,
                    '--max-steps', str(steps), '--num-workers', str(workers), *more]
        torch.Tensor.backward = recording
        try:
            with contextlib.redirect_stdout(out):
                try:
                    g = runpy.run_path(MAKEMORE, run_name='__main__')
                except SystemExit:  # --sample-only ends with sys.exit()
                    g = {}
        finally:
            torch.Tensor.backward = backward
        saved = os.path.join(work, 'model.pt')
        g['saved'] = torch.load(saved) if os.path.exists(saved) else None
    return out.getvalue() if raw else printed(out.getvalue()), losses, g


def printed(text):
    """makemore.py's output less what depends on the machine and the run's directory: the
    argument dictionary, the step times, the path of the saved model."""
    lines = []
    for line in text.splitlines():
        if line.startswith("{'input_file'"):
            continue
        line = re.sub(r' \| step time [0-9.]+ms$', '', line)
        lines.append(re.sub(r'(is the best so far, saving model to ).*$', r'\1WORKDIR', line))
    return lines


def sha256(t):
    return hashlib.sha256(t.detach().contiguous().numpy().tobytes()).hexdigest()


def reference(words_path):
    out = provenance()
    out['makemore_py'] = {'commit': '988aa59e4d8fefa526d06f3b453ad116258398d4', 'steps': STEPS,
                          'num_workers': WORKERS}
    out['types'] = {}
    for kind in TYPES:
        torch.set_num_threads(THREADS.get(kind, 1))
        lines, losses, g = run(words_path, kind)
        model, train, test = g['model'], g['train_dataset'], g['test_dataset']
        if 'split' not in out:
            out['split'] = {'sizes': [len(train), len(test)], 'train_first10': train.words[:10],
                            'test_first10': test.words[:10], 'test_last': test.words[-1]}
            out['vocab'] = ''.join(train.chars)
            out['block_size'] = train.get_output_length()
        params = sum(p.numel() for p in model.parameters())
        saved = {name: {'shape': list(t.shape), 'sha256': sha256(t)} for name, t in g['saved'].items()}
        with tempfile.TemporaryDirectory() as work:
            torch.save(g['saved'], os.path.join(work, 'model.pt'))
            sample_only = run(words_path, kind, work=work, more=['--sample-only'])[0]
            resumed = run(words_path, kind, RESUME_STEPS, work=work, more=['--resume'])
        torch.set_num_threads(1)
        out['types'][kind] = {
            'threads': THREADS.get(kind, 1),
            'n_params': params,
            'printed': lines,
            'losses': losses,
            'params': {name: {'shape': list(p.shape), 'sha256': sha256(p)} for name, p in model.named_parameters()},
            'saved': saved,
            'sample_only': sample_only,
            'resume': {'printed': resumed[0], 'losses': resumed[1]},
        }
        print(f'{kind}: {params} parameters, loss {losses[0]:.4f} -> {losses[-1]:.4f}', file=sys.stderr)
    return out


def write(words_path, out_path):
    make_reference.write(words_path, out_path, reference)


def sample_only_from(words_path, kind, model_path):
    """A PyTorch user's view of `makemore run`'s model file: makemore.py --sample-only with
    it, loaded with `load_state_dict(safetensors.torch.load_file(...))` (strict: every name
    and shape of makemore.py's model), on the type's threads; the lines it prints."""
    from safetensors.torch import load_file
    torch.set_num_threads(THREADS.get(kind, 1))
    with tempfile.TemporaryDirectory() as work:
        torch.save(load_file(model_path), os.path.join(work, 'model.pt'))
        return run(words_path, kind, work=work, more=['--sample-only'])[0]


def same_with_workers(words_path, workers):
    """The losses with --num-workers `workers` are those with 0, for every type."""
    for kind in TYPES:
        zero, other = run(words_path, kind, 30)[1], run(words_path, kind, 30, workers)[1]
        assert zero == other, f'{kind}: {zero[:3]} with 0 workers, {other[:3]} with {workers}'
        print(f'{kind}: the same 30 losses with 0 and {workers} workers', file=sys.stderr)


if __name__ == '__main__':
    if sys.argv[1:2] == ['--workers']:
        same_with_workers(CASES[0][0], int(sys.argv[2]))
    elif sys.argv[1:2] == ['--sample-only']:
        print('\n'.join(sample_only_from(*sys.argv[2:5])))
    else:
        main(sys.argv[1:], cases=CASES, write=write, usage=__doc__)

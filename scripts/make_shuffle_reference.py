"""CPython's own shuffles, for the test that our split is Python's (tests/split.rs).

The later makemore lectures split the words with

    random.seed(42); random.shuffle(words)
    n1 = int(0.8 * len(words)); n2 = int(0.9 * len(words))

This writes makemore-lib/tests/fixtures/cpython-shuffle.json: for several seeds (0,
small, 2^32 - 1 and beyond, up to 2^64 - 1) and list lengths (0, 1, 2, ... 1000) the
shuffled order of range(n), and names.txt shuffled with seed 42 (the whole order, the
first words and the cut points). Plain CPython 3, no torch: run by `make reference`, or

    python3 scripts/make_shuffle_reference.py
"""
import json
import os
import platform
import random

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, 'makemore-lib', 'tests', 'fixtures', 'cpython-shuffle.json')
SEEDS = [0, 1, 42, 2147483647, 2**32 - 1, 2**32, 2**40 + 7, 2**63 + 12345, 2**64 - 1]
LENGTHS = [0, 1, 2, 3, 5, 10, 100, 1000]
# train/dev/test percentages whose float64 cut points the test checks (int(0.8 * n), ...)
CUTS = [(80, 10, 10), (60, 20, 20), (70, 15, 15), (34, 33, 33), (1, 1, 98)]
CUT_LENGTHS = [10, 29, 100, 1000, 32033, 99999]


def shuffled(n, seed):
    order = list(range(n))
    random.seed(seed)
    random.shuffle(order)
    return order


def main():
    words = open(os.path.join(ROOT, 'data', 'names.txt'), encoding='utf-8').read().splitlines()
    order = shuffled(len(words), 42)
    n1, n2 = int(0.8 * len(words)), int(0.9 * len(words))
    out = {
        'python': platform.python_version(),
        'cases': [{'seed': s, 'n': n, 'order': shuffled(n, s)} for s in SEEDS for n in LENGTHS],
        # int(a/100 * n), int((a+b)/100 * n): the literal 0.8 is the float64 nearest 80/100
        'cuts': [{'percent': list(p), 'n': n, 'n1': int(p[0] / 100 * n), 'n2': int((p[0] + p[1]) / 100 * n)}
                 for p in CUTS for n in CUT_LENGTHS],
        'names': {
            'seed': 42, 'n': len(words), 'n1': n1, 'n2': n2, 'order': order,
            'first5': [words[i] for i in order[:5]],
            'dev_first5': [words[i] for i in order[n1:n1 + 5]],
            'test_first5': [words[i] for i in order[n2:n2 + 5]],
        },
    }
    with open(OUT, 'w', encoding='utf-8') as f:
        json.dump(out, f, separators=(',', ':'))
        f.write('\n')
    print(f'wrote {OUT} (CPython {out["python"]}; names.txt seed 42: {out["names"]["first5"]})')


if __name__ == '__main__':
    main()

"""A PyTorch user's view of our MLP model files: load one with safetensors.torch.load_file
and run the lecture's sampling loop on its tensors C, W1, b1, W2, b2. Prints the names,
one a line (without the end token). Run by tests/mlp_cli.rs through scripts/pytorch-python.sh:

    python scripts/sample_mlp_file.py MODEL.safetensors [NUM=20] [SEED=2147483657]

The vocabulary (a JSON list, '.' first) and the context length are in the file's metadata.
"""
import json
import sys

import torch
import torch.nn.functional as F
from safetensors import safe_open
from safetensors.torch import load_file

path = sys.argv[1]
num = int(sys.argv[2]) if len(sys.argv) > 2 else 20
seed = int(sys.argv[3]) if len(sys.argv) > 3 else 2147483647 + 10

parameters = load_file(path)
C, W1, b1, W2, b2 = (parameters[name] for name in ['C', 'W1', 'b1', 'W2', 'b2'])
with safe_open(path, framework='pt') as f:
    meta = f.metadata()
itos = dict(enumerate(json.loads(meta['vocab'])))
block_size = int(meta.get('context', '1'))  # absent: 1

# the lecture's sampling loop
g = torch.Generator().manual_seed(seed)
for _ in range(num):
    out = []
    context = [0] * block_size
    while True:
        emb = C[torch.tensor([context])]
        h = torch.tanh(emb.view(1, -1) @ W1 + b1)
        logits = h @ W2 + b2
        probs = F.softmax(logits, dim=1)
        ix = torch.multinomial(probs, num_samples=1, generator=g).item()
        context = context[1:] + [ix]
        out.append(ix)
        if ix == 0:
            break
    print(''.join(itos[i] for i in out[:-1]))

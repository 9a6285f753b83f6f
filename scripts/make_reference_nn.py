"""Reference values of the network core (makemore-lib/src/nn/): the layers lectures 3 and 5
write as classes, PyTorch's own nn.Linear and nn.Embedding, and the optimizers, computed by
PyTorch itself.

Run by `make reference` with the full torch 2.13.0 of .venv-bench:

    python scripts/make_reference_nn.py            # makemore-lib/tests/fixtures/<vendor>/nn-layers.json
    python scripts/make_reference_nn.py OUT.json   # elsewhere

<vendor> as in scripts/make_reference.py; the file records the CPU, torch, its CPU capability
and thread count. One libtorch thread, as the Rust side computes (tests/nn.rs).

The layer classes below are the lectures' (karpathy/nn-zero-to-hero, makemore_part5_cnn1.ipynb,
"near copy paste of the layers we have developed in Part 3"), with one change: their
`Linear` and `Embedding` draw from the global generator, which every case seeds with
`torch.manual_seed(seed)` first, as tch's `tch::manual_seed`. Inputs come from a separate
generator and are recorded, so the Rust side reads them rather than redraws them.

Each layer case records its parameters as created, an input, the output, and the gradients of
the fixed scalar loss `(out * R).sum()` (R recorded: the gradient reaching the output is R
exactly) with respect to the input and the parameters. Keys:
- `linear`, `linear_nobias_3d`: the lectures' Linear(4, 3) on a (5, 4) input, and without bias
  on a (2, 2, 4) one;
- `linear_torch`: nn.Linear(4, 3) (kaiming-uniform weight, uniform bias) on a (5, 4) input;
- `embedding`: the lecture's Embedding(7, 3) on (4, 2) indices, and nn.Embedding(7, 3)'s weight
  after the same seed (`normal_` against the lecture's `randn`);
- `tanh`: on a (3, 4) input;
- `flatten`: FlattenConsecutive(2) and (8) of a (2, 8, 3) input (the output values);
- `batchnorm_2d`, `batchnorm_3d`: the lecture's BatchNorm1d(3) on (6, 3) and (3, 2, 3) inputs:
  three training calls (each output and the running statistics after it; the gradients of the
  first), then evaluation mode (output and gradients);
- `sequential`: lecture 5's hierarchical network, small (vocabulary 7, block 4, embedding 3,
  hidden 5: Embedding, FlattenConsecutive(2), Linear, BatchNorm1d, Tanh, FlattenConsecutive(2),
  Linear, BatchNorm1d, Tanh, Linear, with `model.layers[-1].weight *= 0.1`): the parameter names
  PyTorch's nn.Sequential would give (`{index}.{attribute}`) and count, the parameters as
  created (after the seed; `created`, as in the cases below), the logits and
  F.cross_entropy loss on a batch of 8, and every parameter's gradient;
- `sgd`: that network trained 40 full-batch steps on 16 examples by the lecture's loop
  (`p.grad = None`, backward, `p.data += -lr * p.grad`, `lr = 0.1 if i < 30 else 0.01`): every
  loss, the parameters and running statistics after, and the loss in evaluation mode;
- `adamw_steps`: torch.optim.AdamW(lr=0.01, betas=(0.9, 0.99), eps=1e-8, weight_decay=0.01) on
  one (3, 4) tensor, three steps with given gradients (of sizes 1e-3 to 1e2): the parameter and
  state after each (the optimizer alone);
- `adamw`: a small softmax regression with an embedding and a bias (the lecture's
  Embedding(7, 3), FlattenConsecutive(2), nn.Linear(6, 7)) trained by that AdamW for 50
  full-batch steps on 16 examples: every loss, then the parameters and the optimizer's state
  (step, exp_avg, exp_avg_sq per parameter).
"""
import json
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_reference import FIXTURES, cpu_info, provenance, vendor_dir  # noqa: E402

torch.set_num_threads(1)   # as the Rust side (tests/nn.rs); recorded in the file


# --- the lectures' layers (makemore_part5_cnn1.ipynb) ------------------------------------------

class Linear:

    def __init__(self, fan_in, fan_out, bias=True):
        self.weight = torch.randn((fan_in, fan_out)) / fan_in**0.5  # note: kaiming init
        self.bias = torch.zeros(fan_out) if bias else None

    def __call__(self, x):
        self.out = x @ self.weight
        if self.bias is not None:
            self.out += self.bias
        return self.out

    def parameters(self):
        return [self.weight] + ([] if self.bias is None else [self.bias])


class BatchNorm1d:

    def __init__(self, dim, eps=1e-5, momentum=0.1):
        self.eps = eps
        self.momentum = momentum
        self.training = True
        # parameters (trained with backprop)
        self.gamma = torch.ones(dim)
        self.beta = torch.zeros(dim)
        # buffers (trained with a running 'momentum update')
        self.running_mean = torch.zeros(dim)
        self.running_var = torch.ones(dim)

    def __call__(self, x):
        # calculate the forward pass
        if self.training:
            if x.ndim == 2:
                dim = 0
            elif x.ndim == 3:
                dim = (0, 1)
            xmean = x.mean(dim, keepdim=True)  # batch mean
            xvar = x.var(dim, keepdim=True)  # batch variance
        else:
            xmean = self.running_mean
            xvar = self.running_var
        xhat = (x - xmean) / torch.sqrt(xvar + self.eps)  # normalize to unit variance
        self.out = self.gamma * xhat + self.beta
        # update the buffers
        if self.training:
            with torch.no_grad():
                self.running_mean = (1 - self.momentum) * self.running_mean + self.momentum * xmean
                self.running_var = (1 - self.momentum) * self.running_var + self.momentum * xvar
        return self.out

    def parameters(self):
        return [self.gamma, self.beta]


class Tanh:
    def __call__(self, x):
        self.out = torch.tanh(x)
        return self.out

    def parameters(self):
        return []


class Embedding:

    def __init__(self, num_embeddings, embedding_dim):
        self.weight = torch.randn((num_embeddings, embedding_dim))

    def __call__(self, IX):
        self.out = self.weight[IX]
        return self.out

    def parameters(self):
        return [self.weight]


class FlattenConsecutive:

    def __init__(self, n):
        self.n = n

    def __call__(self, x):
        B, T, C = x.shape
        x = x.view(B, T//self.n, C*self.n)
        if x.shape[1] == 1:
            x = x.squeeze(1)
        self.out = x
        return self.out

    def parameters(self):
        return []


class Sequential:

    def __init__(self, layers):
        self.layers = layers

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        self.out = x
        return self.out

    def parameters(self):
        # get parameters of all layers and stretch them out into one list
        return [p for layer in self.layers for p in layer.parameters()]


# --- recording --------------------------------------------------------------------------------

def T(t):
    """A tensor's values as nested lists (float32 values are exact as JSON doubles)."""
    return t.detach().tolist()


def inputs(seed):
    """The generator of a case's inputs, apart from the global one the layers draw from."""
    return torch.Generator().manual_seed(seed + 1000)


def named_parameters(layer_list):
    """The names nn.Sequential's state_dict would give the lecture's parameters: the layer's
    index and the attribute holding the tensor (in the order the layer lists them)."""
    names = []
    for i, layer in enumerate(layer_list):
        for p in layer.parameters():
            attribute = next(k for k, v in vars(layer).items() if v is p)
            names.append(f'{i}.{attribute}')
    return names


def layer_case(seed, make, x, grad_x=True):
    """Seed, make the layer, run `x` through it; the gradients of (out * R).sum()."""
    torch.manual_seed(seed)
    layer = make()
    params = list(layer.parameters())
    created = [T(p) for p in params]
    for p in params:
        p.requires_grad = True
    x = x.clone().requires_grad_(grad_x)
    out = layer(x)
    R = torch.randn(out.shape, generator=inputs(seed + 1))
    (out * R).sum().backward()
    case = {'seed': seed, 'x': T(x), 'params': created, 'out': T(out), 'R': T(R),
            'grad_params': [T(p.grad) for p in params]}
    if grad_x:
        case['grad_x'] = T(x.grad)
    return case


def batchnorm_case(seed, shape):
    g = inputs(seed)
    xs = [torch.randn(shape, generator=g) * 2 + 1 for _ in range(4)]
    bn = BatchNorm1d(shape[-1])
    case = {'xs': [T(x) for x in xs], 'train': []}
    for p in bn.parameters():
        p.requires_grad = True
    for k in range(3):
        x = xs[k].clone().requires_grad_(True)
        out = bn(x)
        R = torch.randn(out.shape, generator=g)
        for p in bn.parameters():
            p.grad = None
        (out * R).sum().backward()
        call = {'out': T(out), 'running_mean': T(bn.running_mean.flatten()),
                'running_var': T(bn.running_var.flatten())}
        if k == 0:
            call.update({'R': T(R), 'grad_x': T(x.grad), 'grad_gamma': T(bn.gamma.grad),
                         'grad_beta': T(bn.beta.grad)})
        case['train'].append(call)
    bn.training = False
    x = xs[3].clone().requires_grad_(True)
    out = bn(x)
    R = torch.randn(out.shape, generator=g)
    for p in bn.parameters():
        p.grad = None
    (out * R).sum().backward()
    case['eval'] = {'out': T(out), 'R': T(R), 'grad_x': T(x.grad), 'grad_gamma': T(bn.gamma.grad),
                    'grad_beta': T(bn.beta.grad)}
    return case


V, BLOCK, N_EMBD, N_HIDDEN = 7, 4, 3, 5


def wavenet(seed):
    """Lecture 5's hierarchical network, small."""
    torch.manual_seed(seed)
    model = Sequential([
        Embedding(V, N_EMBD),
        FlattenConsecutive(2), Linear(N_EMBD * 2, N_HIDDEN, bias=False), BatchNorm1d(N_HIDDEN), Tanh(),
        FlattenConsecutive(2), Linear(N_HIDDEN * 2, N_HIDDEN, bias=False), BatchNorm1d(N_HIDDEN), Tanh(),
        Linear(N_HIDDEN, V),
    ])
    with torch.no_grad():
        model.layers[-1].weight *= 0.1  # last layer make less confident
    for p in model.parameters():
        p.requires_grad = True
    return model


def examples(seed, n):
    g = inputs(seed)
    return torch.randint(0, V, (n, BLOCK), generator=g), torch.randint(0, V, (n,), generator=g)


def sequential_case(seed):
    model = wavenet(seed)
    created = [T(p) for p in model.parameters()]
    X, Y = examples(seed, 8)
    logits = model(X)
    loss = F.cross_entropy(logits, Y)
    loss.backward()
    params = model.parameters()
    return {'seed': seed, 'X': T(X), 'Y': T(Y), 'created': created, 'names': named_parameters(model.layers),
            'n_parameters': sum(p.nelement() for p in params), 'logits': T(logits), 'loss': loss.item(),
            'grads': [T(p.grad) for p in params]}


def sgd_case(seed, steps=40, decay_at=30):
    model = wavenet(seed)
    X, Y = examples(seed, 16)
    parameters = model.parameters()
    created = [T(p) for p in parameters]
    losses = []
    for i in range(steps):
        logits = model(X)
        loss = F.cross_entropy(logits, Y)
        for p in parameters:
            p.grad = None
        loss.backward()
        lr = 0.1 if i < decay_at else 0.01  # step learning rate decay
        for p in parameters:
            p.data += -lr * p.grad
        losses.append(loss.item())
    for layer in model.layers:
        layer.training = False
    with torch.no_grad():
        eval_loss = F.cross_entropy(model(X), Y).item()
    running = [T(layer.running_mean.flatten()) for layer in model.layers if isinstance(layer, BatchNorm1d)]
    running += [T(layer.running_var.flatten()) for layer in model.layers if isinstance(layer, BatchNorm1d)]
    return {'seed': seed, 'X': T(X), 'Y': T(Y), 'created': created, 'steps': steps, 'lr': 0.1, 'decay_at': decay_at,
            'factor': 0.1,
            'losses': losses, 'params': [T(p) for p in parameters], 'running': running, 'eval_loss': eval_loss}


ADAMW = dict(lr=0.01, betas=(0.9, 0.99), eps=1e-8, weight_decay=0.01)


def adamw_state(opt, params):
    state = []
    for p in params:
        s = opt.state[p]
        state.append({'step': s['step'].item(), 'exp_avg': T(s['exp_avg']), 'exp_avg_sq': T(s['exp_avg_sq'])})
    return state


def adamw_steps_case(seed):
    g = inputs(seed)
    p = torch.randn((3, 4), generator=g).requires_grad_(True)
    p0 = T(p)
    opt = torch.optim.AdamW([p], **ADAMW)
    steps = []
    for k in range(3):
        scale = torch.tensor([1e-3, 1e-1, 1.0, 1e2]).repeat(3, 1)
        grad = torch.randn((3, 4), generator=g) * scale
        p.grad = grad.clone()
        opt.step()
        steps.append({'grad': T(grad), 'param': T(p), 'state': adamw_state(opt, [p])})
    return {'seed': seed, 'param': p0, 'lr': ADAMW['lr'], 'steps': steps}


def adamw_case(seed, steps=50):
    torch.manual_seed(seed)
    emb = Embedding(V, 3)
    linear = torch.nn.Linear(6, V)
    model = Sequential([emb, FlattenConsecutive(2), linear])
    params = model.parameters()
    created = [T(p) for p in params]
    for p in params:
        p.requires_grad = True
    g = inputs(seed)
    X, Y = torch.randint(0, V, (16, 2), generator=g), torch.randint(0, V, (16,), generator=g)
    opt = torch.optim.AdamW(params, **ADAMW)
    losses = []
    for _ in range(steps):
        loss = F.cross_entropy(model(X), Y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    with torch.no_grad():
        final_loss = F.cross_entropy(model(X), Y).item()
    return {'seed': seed, 'X': T(X), 'Y': T(Y), 'lr': ADAMW['lr'], 'steps': steps, 'created': created,
            'losses': losses, 'final_loss': final_loss, 'params': [T(p) for p in params],
            'state': adamw_state(opt, params)}


def reference():
    out = provenance()
    gx = inputs(1)
    out['linear'] = layer_case(1, lambda: Linear(4, 3), torch.randn((5, 4), generator=gx))
    gx = inputs(2)
    out['linear_nobias_3d'] = layer_case(2, lambda: Linear(4, 3, bias=False), torch.randn((2, 2, 4), generator=gx))
    gx = inputs(3)
    out['linear_torch'] = layer_case(3, lambda: torch.nn.Linear(4, 3), torch.randn((5, 4), generator=gx))
    gx = inputs(4)
    ix = torch.randint(0, 7, (4, 2), generator=gx)
    out['embedding'] = layer_case(4, lambda: Embedding(7, 3), ix, grad_x=False)
    torch.manual_seed(4)
    out['embedding']['torch_weight'] = T(torch.nn.Embedding(7, 3).weight)
    gx = inputs(5)
    out['tanh'] = layer_case(5, Tanh, torch.randn((3, 4), generator=gx) * 2)
    x = torch.arange(2 * 8 * 3, dtype=torch.float32).view(2, 8, 3)
    out['flatten'] = {'x': T(x), 'n2': T(FlattenConsecutive(2)(x)), 'n8': T(FlattenConsecutive(8)(x))}
    out['batchnorm_2d'] = batchnorm_case(6, (6, 3))
    out['batchnorm_3d'] = batchnorm_case(7, (3, 2, 3))
    out['sequential'] = sequential_case(42)
    out['sgd'] = sgd_case(43)
    out['adamw_steps'] = adamw_steps_case(8)
    out['adamw'] = adamw_case(9)
    return out


def main(args):
    if args and args[0] in ('-h', '--help'):
        print(__doc__)
        return
    if args:
        path = args[0]
    else:
        folder = os.path.join(FIXTURES, vendor_dir(cpu_info()['vendor_id']))
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, 'nn-layers.json')
    out = reference()
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(out, f, allow_nan=False)
    a = out['adamw']
    print(f'wrote {path} ({out["cpu_vendor"]}, torch {out["torch_version"]}, {out["torch_num_threads"]} thread): '
          f'{os.path.getsize(path)} bytes; AdamW loss {a["losses"][0]:.4f} -> {a["final_loss"]:.4f} in {a["steps"]} '
          f'steps, SGD {out["sgd"]["losses"][0]:.4f} -> {out["sgd"]["losses"][-1]:.4f}', file=sys.stderr)


if __name__ == '__main__':
    main(sys.argv[1:])

#!/usr/bin/python3
"""Golden table: NaN, infinity and negative values in training-op numbers (optimizer, scheduler
and loss arguments), as torch 1.13 takes or refuses them, for tests/doc/test-train-recipe.c
(tests/data/train-nonfinite-golden/<Type>.json).

Run with Debian's torch 1.13:  /usr/bin/python3 tests/golden/gen_train_nonfinite.py

A recipe writes NaN as the string "nan" and infinities as "inf" / "-inf" (docs/recipe-format.md).
Optimizer arguments are also tried as Python ints (-1, 2), which torch's messages print as ints.
Each case: {kind: optimizer | scheduler | loss, type, args (recipe JSON), error: null | message}.
Optimizers and schedulers are constructed (SGD(lr=0.1, momentum=0.9) under a scheduler); a loss
is called once on a (4, 2) batch (torch checks beta, delta and label_smoothing in the call).
"""
import math
import warnings

import torch

import golden_split  # noqa: E402

VALUES = [float('nan'), float('inf'), float('-inf'), -1.0]
# Python ints: torch's messages print them as ints ("Invalid learning rate: -1"), the recipe as JSON ints
INT_VALUES = [-1, 2]


def recipe_value(v):
    if math.isnan(v):
        return 'nan'
    if math.isinf(v):
        return 'inf' if v > 0 else '-inf'
    return v


OPTIMIZERS = {
    'SGD': (torch.optim.SGD, {'lr': 0.1}, ['lr', 'momentum', 'dampening', 'weight_decay']),
    'Adam': (torch.optim.Adam, {}, ['lr', 'eps', 'weight_decay', 'betas0', 'betas1']),
    'AdamW': (torch.optim.AdamW, {}, ['lr', 'eps', 'weight_decay', 'betas0', 'betas1']),
    'RMSprop': (torch.optim.RMSprop, {}, ['lr', 'alpha', 'eps', 'weight_decay', 'momentum']),
    'Adagrad': (torch.optim.Adagrad, {}, ['lr', 'lr_decay', 'weight_decay', 'initial_accumulator_value', 'eps']),
}

SCHEDULERS = {
    'StepLR': (torch.optim.lr_scheduler.StepLR, {'step_size': 2}, ['gamma']),
    'ExponentialLR': (torch.optim.lr_scheduler.ExponentialLR, {}, ['gamma']),
    'CosineAnnealingLR': (torch.optim.lr_scheduler.CosineAnnealingLR, {'T_max': 5}, ['eta_min']),
    'LinearLR': (torch.optim.lr_scheduler.LinearLR, {}, ['start_factor', 'end_factor']),
    'OneCycleLR': (torch.optim.lr_scheduler.OneCycleLR, {'max_lr': 0.1, 'total_steps': 10},
                   ['max_lr', 'pct_start', 'div_factor', 'final_div_factor', 'base_momentum', 'max_momentum']),
}

LOSSES = {
    'SmoothL1Loss': (torch.nn.SmoothL1Loss, ['beta']),
    'HuberLoss': (torch.nn.HuberLoss, ['delta']),
    'CrossEntropyLoss': (torch.nn.CrossEntropyLoss, ['label_smoothing']),
}


def attempt(fn):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            fn()
        return None
    except (ValueError, RuntimeError, ZeroDivisionError) as e:
        return str(e)


def main():
    cases = []
    for name, (cls, base, fields) in OPTIMIZERS.items():
        for f in fields:
            for v in VALUES + INT_VALUES:
                kw = dict(base)
                args = {k: recipe_value(x) for k, x in base.items()}
                if f.startswith('betas'):
                    b = [0.9, 0.999]
                    b[int(f[-1])] = v
                    kw['betas'] = tuple(b)
                    args['betas'] = [recipe_value(x) for x in b]
                else:
                    kw[f] = v
                    args[f] = recipe_value(v)
                p = [torch.nn.Parameter(torch.ones(2))]
                cases.append({'kind': 'optimizer', 'type': name, 'args': args,
                              'error': attempt(lambda: cls(p, **kw))})
    for name, (cls, base, fields) in SCHEDULERS.items():
        for f in fields:
            for v in VALUES:
                kw = dict(base)
                kw[f] = v
                p = [torch.nn.Parameter(torch.ones(2))]
                cases.append({'kind': 'scheduler', 'type': name, 'args': {k: recipe_value(x) for k, x in kw.items()},
                              'error': attempt(lambda: cls(torch.optim.SGD(p, lr=0.1, momentum=0.9), **kw))})
    torch.manual_seed(0)
    x = torch.randn(4, 2)
    t = torch.randn(4, 2)
    y = torch.tensor([0, 1, 1, 0])
    for name, (cls, fields) in LOSSES.items():
        for f in fields:
            for v in VALUES + [2.0]:
                target = y if name == 'CrossEntropyLoss' else t
                cases.append({'kind': 'loss', 'type': name, 'args': {f: recipe_value(v)},
                              'error': attempt(lambda: cls(**{f: v})(x, target))})
    # one file per optimizer, scheduler or loss type (golden_split.py)
    golden_split.write({'torch': torch.__version__, 'cases': cases}, 'train-nonfinite-golden')


if __name__ == '__main__':
    main()

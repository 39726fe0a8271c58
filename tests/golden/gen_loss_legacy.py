#!/usr/bin/python3
"""Golden table: the losses' deprecated size_average / reduce arguments in torch 1.13, for
tests/doc/test-loss-legacy.c (tests/data/loss-legacy-golden/<Type>.json: one file a type, golden_split.py).

Run with Debian's torch 1.13:  /usr/bin/python3 tests/golden/gen_loss_legacy.py

Every loss of the training issue that takes them (all but HuberLoss, which refuses them) with
size_average and reduce each None, True, False (and truthy/falsy numbers), alone or beside a
`reduction` (which torch then ignores, even an invalid one): the reduction torch settled on
(legacy_get_string), the UserWarning text, and the loss value and x.grad (scalar results) on one
batch. HuberLoss: torch's TypeError. Each case: {type, args, reduction, warning, x, t | ti, loss,
grad?} or {type, args, error}.
"""
import warnings

import torch

import golden_split  # noqa: E402
from train_golden import loss_case


g = torch.Generator().manual_seed(77)
N, C = 5, 3
X = torch.randn(N, C, generator=g) * 2
T = torch.randn(N, C, generator=g)
TB = torch.rand(N, C, generator=g)
TI = torch.randint(0, C, (N,), generator=g)
W = (torch.rand(C, generator=g) + 0.5).tolist()

LOSSES = {
    'MSELoss': ({}, X, T), 'L1Loss': ({}, X, T), 'SmoothL1Loss': ({'beta': 0.5}, X, T),
    'CrossEntropyLoss': ({'weight': W}, X, TI), 'NLLLoss': ({}, torch.log_softmax(X, 1), TI),
    'BCELoss': ({}, torch.sigmoid(X), TB), 'BCEWithLogitsLoss': ({'pos_weight': [1.5, 0.5, 2.0]}, X, TB),
}
VALUES = [None, True, False]
EXTRA = [({'size_average': 0}, None), ({'reduce': 0.0}, None), ({'size_average': 2.5, 'reduce': 1}, None),
         ({'size_average': False}, 'sum'), ({'reduce': False}, 'mean'), ({'size_average': True}, 'bogus'),
         ({'reduce': None}, 'sum'), ({'size_average': None, 'reduce': None}, 'none')]


def main():
    cases = []
    for typ, (base, x, t) in LOSSES.items():
        combos = []
        for sa in VALUES:
            for re in VALUES:
                args = {}
                if sa is not None:
                    args['size_average'] = sa
                if re is not None:
                    args['reduce'] = re
                if sa is None and re is None:
                    args = {'size_average': None, 'reduce': None}
                combos.append(args)
        for extra, red in EXTRA:
            a = dict(extra)
            if red is not None:
                a['reduction'] = red
            combos.append(a)
        for legacy in combos:
            args = dict(base, **legacy)
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter('always')
                fn = getattr(torch.nn, typ)(**{k: (torch.tensor(v) if k in ('weight', 'pos_weight') else v)
                                              for k, v in args.items()})
            n = len(cases)
            with warnings.catch_warnings():
                warnings.simplefilter('ignore')
                loss_case(cases, typ, args, x, t)
            cases[n]['reduction'] = fn.reduction
            msgs = [str(m.message) for m in w]
            cases[n]['warning'] = msgs[0] if msgs else None
    for legacy in [{'size_average': True}, {'reduce': False}]:
        try:
            torch.nn.HuberLoss(**legacy)
            raise SystemExit('HuberLoss took ' + str(legacy))
        except TypeError as e:
            cases.append({'type': 'HuberLoss', 'args': legacy, 'error': str(e)})
    # one file per type (golden_split.py)
    golden_split.write({'torch': torch.__version__, 'cases': cases}, 'loss-legacy-golden')
    print(len(cases), 'cases')


if __name__ == '__main__':
    main()

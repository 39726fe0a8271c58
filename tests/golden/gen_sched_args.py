#!/usr/bin/python3
"""Golden table: every 1.13 argument of the six schedulers (StepLR, MultiStepLR, ExponentialLR,
CosineAnnealingLR, LinearLR, OneCycleLR), last_epoch and verbose included, as torch 1.13 takes or
refuses it, for tests/doc/test-sched-args.c (tests/data/sched-args-golden/<Type>.json: one file a type, golden_split.py).

Run with Debian's torch 1.13:  /usr/bin/python3 tests/golden/gen_sched_args.py

Each case: {type, args (recipe JSON), opt: [type, args], pre: null | [type, args] (a scheduler made
before on the same optimizer, so its param group already holds 'initial_lr' …), steps,
lrs: [double hex] (after construction, then after each scheduler.step()), momentum: [double hex],
error: null | message, error_at: -1 (construction) or the scheduler.step() (1-based) that raised}.
Each scheduler.step() follows an optimizer.step() on a zero gradient, as in a training loop.
A KeyError's message is its argument (str() of a KeyError adds quotes).
"""
import contextlib
import io
import warnings

import torch

import golden_split  # noqa: E402
from train_golden import dhex

STEPS = 12

INTS = [-3, -1, 0, 1, 2, 5]
FLOATS = [0.0, 0.25, 0.5, 1.0, 1.5, -0.5, 0, 1, 2]   # Python ints too: torch's arithmetic and messages differ
BOOLS = [True, False]
LAST_EPOCH = [-1, 0, 3, -2]
COMMON = [('last_epoch', LAST_EPOCH), ('verbose', BOOLS)]

SGD = ('SGD', {'lr': 0.1, 'momentum': 0.9})
SCHEDULERS = [
    ('StepLR', {'step_size': 3}, [('step_size', INTS), ('gamma', FLOATS)]),
    ('MultiStepLR', {'milestones': [2, 5]},
     [('milestones', [[], [3], [5, 2, 2], [-1, 0, 4], [0], [1, 1, 1]]), ('gamma', FLOATS)]),
    ('ExponentialLR', {'gamma': 0.9}, [('gamma', FLOATS)]),
    ('CosineAnnealingLR', {'T_max': 4}, [('T_max', INTS), ('eta_min', FLOATS)]),
    ('LinearLR', {}, [('start_factor', FLOATS), ('end_factor', FLOATS), ('total_iters', INTS)]),
    ('OneCycleLR', {'max_lr': 0.5, 'total_steps': 10},
     [('max_lr', FLOATS), ('total_steps', INTS + [None]), ('pct_start', FLOATS), ('anneal_strategy', ['cos', 'linear', 'Cos', '']),
      ('cycle_momentum', BOOLS), ('base_momentum', FLOATS), ('max_momentum', FLOATS), ('div_factor', FLOATS),
      ('final_div_factor', FLOATS), ('three_phase', BOOLS)]),
    ('OneCycleLR', {'max_lr': 0.5, 'epochs': 2, 'steps_per_epoch': 5},
     [('epochs', INTS + [None]), ('steps_per_epoch', INTS + [None]), ('three_phase', BOOLS)]),
]
REQUIRED = {'StepLR': ['step_size'], 'MultiStepLR': ['milestones'], 'ExponentialLR': ['gamma'],
            'CosineAnnealingLR': ['T_max'], 'OneCycleLR': ['max_lr']}
PRE = [('StepLR', {'step_size': 2}), ('OneCycleLR', {'max_lr': 0.5, 'total_steps': 20})]


def momentum(opt):
    g = opt.param_groups[0]
    return g['betas'][0] if 'betas' in g else g.get('momentum', 0.0)


def run(typ, args, opt_spec=SGD, pre=None):
    p = torch.zeros(3, requires_grad=True)
    opt = getattr(torch.optim, opt_spec[0])([p], **opt_spec[1])
    case = {'type': typ, 'args': args, 'opt': list(opt_spec), 'pre': list(pre) if pre else None, 'steps': STEPS,
            'lrs': [], 'momentum': [], 'error': None, 'error_at': None}

    def record():
        case['lrs'].append(dhex(opt.param_groups[0]['lr']))
        case['momentum'].append(dhex(momentum(opt)))

    def fail(e, at):
        case['error'] = e.args[0] if isinstance(e, KeyError) else str(e)
        case['error_kind'] = type(e).__name__
        case['error_at'] = at

    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter('ignore')
        if pre:
            getattr(torch.optim.lr_scheduler, pre[0])(opt, **pre[1])
            for _ in range(3):
                p.grad = torch.zeros(3)
                opt.step()
        try:
            sch = getattr(torch.optim.lr_scheduler, typ)(opt, **args)
        except (ValueError, TypeError, KeyError, ZeroDivisionError) as e:
            fail(e, -1)
            return case
        record()
        for s in range(STEPS):
            p.grad = torch.zeros(3)
            opt.step()
            try:
                sch.step()
            except (ValueError, TypeError, KeyError, ZeroDivisionError) as e:
                fail(e, s + 1)
                break
            record()
    return case


def main():
    cases = []
    for typ, base, fields in SCHEDULERS:
        cases.append(run(typ, dict(base)))
        for name, values in fields + COMMON:
            for v in values:
                args = dict(base)
                if v is None:
                    args[name] = None
                else:
                    args[name] = v
                cases.append(run(typ, args))
    for typ, req in REQUIRED.items():
        cases.append(run(typ, {}))
    # cycle_momentum needs 'momentum' or 'betas' in the optimizer's defaults
    for cm in BOOLS:
        cases.append(run('OneCycleLR', {'max_lr': 0.5, 'total_steps': 10, 'cycle_momentum': cm}, ('Adagrad', {'lr': 0.1})))
        cases.append(run('OneCycleLR', {'max_lr': 0.5, 'total_steps': 10, 'cycle_momentum': cm}, ('Adam', {'lr': 0.1})))
    # resuming: a scheduler made before put 'initial_lr' (OneCycleLR also max_lr, min_lr, momenta) in the group
    for pre in PRE:
        for typ, base, _ in SCHEDULERS[:6]:
            for le in [-1, 0, 3]:
                args = dict(base)
                args['last_epoch'] = le
                cases.append(run(typ, args, pre=pre))
    # one file per type (golden_split.py)
    golden_split.write({'torch': torch.__version__, 'cases': cases}, 'sched-args-golden')
    n_err = sum(1 for c in cases if c['error'] is not None)
    print(len(cases), 'cases,', n_err, 'raise (', sum(1 for c in cases if c['error_at'] == -1), 'at construction)')


if __name__ == '__main__':
    main()

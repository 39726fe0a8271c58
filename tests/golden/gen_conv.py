#!/usr/bin/python3
"""Golden fixtures for convolutions, norms, Embedding and Bilinear (tests/data/conv/<Type>.json).

Run with Debian's torch 1.13:  /usr/bin/python3 tests/golden/gen_conv.py
One thread (torch.set_num_threads(1)), like tests/data/torch-1.13-golden.json.

  {"meta": {...}, "cases": [...], "errors": [...], "reprs": [...]}, written split per layer type
  (golden_split.py): tests/data/conv/<Type>.json holds "meta" and that type's cases.

case (kind "forward"):
  type, args            torch.nn.<type>(**args); lists stand for tuples
  seed                  torch.manual_seed(seed) before construction
  init                  [[param, a, b], ...]: init.uniform_(param, a, b) after construction
  steps                 [{mode: "train"|"eval", shape, scale, shift}] or [{idx: {shape, int}}]:
                        x = torch.randn(shape) * scale + shift (drawn right then), y = m(x)
  mkldnn                false: run with torch.backends.mkldnn.flags(enabled=False)
  backend               torch._C._select_conv_backend(...) for each conv step ("" otherwise)
  tensors               (minus a few large ones, checked through outputs and the probe only)
                        state_dict after construction+init ("init.<name>"), after all steps
                        (<name>), inputs x<i> and outputs y<i>: float32 hex / int64 ints
  probe_after           torch.rand(2) after everything (checks the number of draws)
errors: {type, args, shape?, dtype?, mode?, message}: construction error, or forward error on
        torch.zeros(shape, dtype) (int64 input for Embedding: ones)
reprs:  {type, args, repr} (lazy modules before their forward)
"""
import os
import sys
import warnings

# oneDNN (torch's Mkldnn convolution backend) is capped at AVX2, as tests/meson.build caps it, so
# those outputs are reproducible bit for bit on every x86-64 machine with AVX2; OpenBLAS as pinned there.
os.environ['ONEDNN_MAX_CPU_ISA'] = 'AVX2'
os.environ.setdefault('OPENBLAS_CORETYPE', 'Haswell')
os.environ.setdefault('OPENBLAS_NUM_THREADS', '2')
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import golden_split  # noqa: E402
from layer_cases import f32hex, pyargs, run_forward  # noqa: E402
warnings.simplefilter('ignore')
torch.set_num_threads(1)


def backend_of(m, x):
    if not isinstance(m, nn.modules.conv._ConvNd) or not hasattr(torch._C, '_select_conv_backend'):
        return ''
    try:
        pad = m.padding if isinstance(m.padding, str) else list(m.padding)
        if m.padding_mode != 'zeros':
            return 'explicit pad + ' + str(torch._C._select_conv_backend(
                x, m.weight, m.bias, list(m.stride), [0] * len(m.stride), list(m.dilation),
                False, [0] * len(m.stride), m.groups)).replace('_ConvBackend.', '')
        if isinstance(pad, str):
            pad = [0] * len(m.stride) if pad == 'valid' else [d * (k - 1) // 2 for d, k in zip(m.dilation, m.kernel_size)]
        xb = x if x.dim() == len(m.stride) + 2 else x.unsqueeze(0)
        return str(torch._C._select_conv_backend(
            xb, m.weight, m.bias, list(m.stride), pad, list(m.dilation), m.transposed,
            list(m.output_padding), m.groups)).replace('_ConvBackend.', '')
    except Exception as e:  # noqa: BLE001
        return 'unknown (%s)' % e


cases, errors, reprs = [], [], []


def forward_case(name, type_, args, steps, seed=0, init_=(), mkldnn=True, omit=()):
    backends = []
    m, T = run_forward(type_, args, steps, seed, init_, mkldnn, lambda m, i, x: backends.append(backend_of(m, x)))
    for k in omit:  # large tensors: still checked through the outputs and the probe
        del T[k]
    probe = f32hex(torch.rand(2))
    cases.append({'name': name, 'kind': 'forward', 'type': type_, 'args': args, 'seed': seed,
                  'init': [list(t) for t in init_], 'steps': steps, 'mkldnn': mkldnn,
                  'backend': backends, 'class_after': type(m).__name__, 'tensors': T,
                  'order': list(m.state_dict().keys()), 'probe_after': probe})


def error_case(type_, args, shape=None, dtype='float32', mode='train', msg_only_first_line=True):
    e = {'type': type_, 'args': args}
    try:
        m = getattr(nn, type_)(**pyargs(args))
        if shape is None:
            raise SystemExit('no error for %s %s' % (type_, args))
        if mode == 'eval':
            m.eval()
        x = torch.ones(*shape, dtype=torch.int64) if dtype == 'int64' else torch.zeros(*shape)
        e.update({'shape': shape, 'dtype': dtype, 'mode': mode})
        with torch.no_grad():
            m(x, x) if type_ == 'Bilinear' else m(x)
        raise SystemExit('no forward error for %s %s %s' % (type_, args, shape))
    except SystemExit:
        raise
    except Exception as ex:  # noqa: BLE001
        e['message'] = str(ex).split('\n')[0]
        if e['message'].startswith('padding_mode must be one of {'):
            # the options are a Python set: its iteration order varies with the string hash seed
            e['message'] = ("padding_mode must be one of {'zeros', 'reflect', 'replicate', 'circular'}, "
                            "but got padding_mode='%s'" % args['padding_mode'])
    errors.append(e)


def repr_case(type_, args):
    reprs.append({'type': type_, 'args': args, 'repr': repr(getattr(nn, type_)(**pyargs(args)))})


# ---- convolutions ----
fc = forward_case
fc('Conv2d N1 pad1', 'Conv2d', {'in_channels': 3, 'out_channels': 4, 'kernel_size': 3, 'padding': 1}, [{'shape': [1, 3, 6, 6]}])
fc('Conv2d N2 mkldnn', 'Conv2d', {'in_channels': 3, 'out_channels': 8, 'kernel_size': 3}, [{'shape': [2, 3, 8, 8]}])
fc('Conv2d N2 native', 'Conv2d', {'in_channels': 3, 'out_channels': 8, 'kernel_size': 3}, [{'shape': [2, 3, 8, 8]}], mkldnn=False)
fc('Conv2d stride2', 'Conv2d', {'in_channels': 4, 'out_channels': 6, 'kernel_size': 3, 'stride': 2, 'padding': 1},
   [{'shape': [1, 4, 9, 7]}])
fc('Conv2d dilation2', 'Conv2d', {'in_channels': 4, 'out_channels': 6, 'kernel_size': 3, 'dilation': 2, 'padding': 2},
   [{'shape': [1, 4, 9, 8]}])
fc('Conv2d groups2 native', 'Conv2d', {'in_channels': 4, 'out_channels': 8, 'kernel_size': [3, 5], 'groups': 2,
   'stride': [1, 2]}, [{'shape': [1, 4, 7, 11]}], mkldnn=False)
fc('Conv2d groups2 mkldnn', 'Conv2d', {'in_channels': 4, 'out_channels': 8, 'kernel_size': [3, 5], 'groups': 2,
   'stride': [1, 2]}, [{'shape': [1, 4, 7, 11]}])
fc('Conv2d depthwise N3 native', 'Conv2d', {'in_channels': 6, 'out_channels': 6, 'kernel_size': 3, 'groups': 6,
   'padding': 1}, [{'shape': [3, 6, 5, 5]}], mkldnn=False)
fc('Conv2d nobias', 'Conv2d', {'in_channels': 3, 'out_channels': 4, 'kernel_size': 3, 'bias': False}, [{'shape': [1, 3, 5, 6]}])
fc('Conv2d 1x1', 'Conv2d', {'in_channels': 5, 'out_channels': 7, 'kernel_size': 1}, [{'shape': [1, 5, 4, 4]}])
fc('Conv2d unbatched', 'Conv2d', {'in_channels': 3, 'out_channels': 4, 'kernel_size': 3}, [{'shape': [3, 6, 6]}])
fc('Conv2d same', 'Conv2d', {'in_channels': 3, 'out_channels': 4, 'kernel_size': 3, 'padding': 'same'}, [{'shape': [1, 3, 6, 5]}])
fc('Conv2d same even kernel', 'Conv2d', {'in_channels': 2, 'out_channels': 3, 'kernel_size': [4, 2], 'padding': 'same'},
   [{'shape': [1, 2, 6, 5]}])
fc('Conv2d valid', 'Conv2d', {'in_channels': 2, 'out_channels': 3, 'kernel_size': 3, 'padding': 'valid'}, [{'shape': [1, 2, 5, 5]}])
for mode in ('reflect', 'replicate', 'circular'):
    fc('Conv2d ' + mode, 'Conv2d', {'in_channels': 2, 'out_channels': 3, 'kernel_size': 3, 'padding': [1, 2],
       'padding_mode': mode}, [{'shape': [1, 2, 5, 6]}])
fc('Conv2d 16x32 K144', 'Conv2d', {'in_channels': 16, 'out_channels': 32, 'kernel_size': 3}, [{'shape': [1, 16, 20, 20]}])
fc('Conv2d 32x32 pad1 N2 native', 'Conv2d', {'in_channels': 32, 'out_channels': 32, 'kernel_size': 3, 'padding': 1},
   [{'shape': [2, 32, 12, 12]}], mkldnn=False)
fc('Conv2d 32x32 pad1 N2 mkldnn', 'Conv2d', {'in_channels': 32, 'out_channels': 32, 'kernel_size': 3, 'padding': 1},
   [{'shape': [2, 32, 12, 12]}])
fc('Conv1d N1', 'Conv1d', {'in_channels': 4, 'out_channels': 6, 'kernel_size': 3}, [{'shape': [1, 4, 10]}])
fc('Conv1d N2 stride dilation', 'Conv1d', {'in_channels': 4, 'out_channels': 6, 'kernel_size': 3, 'stride': 2,
   'padding': 2, 'dilation': 2}, [{'shape': [2, 4, 11]}])
fc('Conv1d unbatched groups', 'Conv1d', {'in_channels': 4, 'out_channels': 6, 'kernel_size': 2, 'groups': 2},
   [{'shape': [4, 9]}], mkldnn=False)
fc('Conv1d circular', 'Conv1d', {'in_channels': 2, 'out_channels': 2, 'kernel_size': 3, 'padding': 2,
   'padding_mode': 'circular'}, [{'shape': [1, 2, 6]}])
fc('Conv3d N1', 'Conv3d', {'in_channels': 2, 'out_channels': 4, 'kernel_size': [2, 3, 3]}, [{'shape': [1, 2, 4, 5, 5]}])
fc('Conv3d N2 stride pad', 'Conv3d', {'in_channels': 2, 'out_channels': 3, 'kernel_size': 3, 'stride': 2, 'padding': 1},
   [{'shape': [2, 2, 5, 6, 5]}])
fc('Conv3d N2 native dilation', 'Conv3d', {'in_channels': 2, 'out_channels': 3, 'kernel_size': 2, 'dilation': 2},
   [{'shape': [2, 2, 5, 5, 5]}], mkldnn=False)
fc('ConvTranspose2d basic', 'ConvTranspose2d', {'in_channels': 4, 'out_channels': 6, 'kernel_size': 3}, [{'shape': [1, 4, 5, 5]}])
fc('ConvTranspose2d stride outpad', 'ConvTranspose2d', {'in_channels': 4, 'out_channels': 6, 'kernel_size': 3,
   'stride': 2, 'padding': 1, 'output_padding': 1}, [{'shape': [2, 4, 5, 4]}])
fc('ConvTranspose2d groups dilation nobias', 'ConvTranspose2d', {'in_channels': 4, 'out_channels': 6, 'kernel_size': [2, 3],
   'groups': 2, 'dilation': 2, 'bias': False}, [{'shape': [1, 4, 4, 5]}])
fc('ConvTranspose2d native N2', 'ConvTranspose2d', {'in_channels': 3, 'out_channels': 5, 'kernel_size': 3, 'stride': 2},
   [{'shape': [2, 3, 4, 4]}], mkldnn=False)
fc('ConvTranspose1d', 'ConvTranspose1d', {'in_channels': 4, 'out_channels': 6, 'kernel_size': 3, 'stride': 2,
   'padding': 1, 'output_padding': 1, 'dilation': 2}, [{'shape': [1, 4, 7]}])
fc('ConvTranspose1d unbatched', 'ConvTranspose1d', {'in_channels': 3, 'out_channels': 2, 'kernel_size': 4}, [{'shape': [3, 5]}])
fc('ConvTranspose3d', 'ConvTranspose3d', {'in_channels': 2, 'out_channels': 3, 'kernel_size': 2}, [{'shape': [1, 2, 3, 3, 3]}])
fc('ConvTranspose3d N2 stride', 'ConvTranspose3d', {'in_channels': 2, 'out_channels': 4, 'kernel_size': 3, 'stride': 2,
   'padding': 1, 'groups': 2}, [{'shape': [2, 2, 3, 4, 3]}])
fc('LazyConv2d randn before forward', 'LazyConv2d', {'out_channels': 4, 'kernel_size': 3, 'padding': 1},
   [{'shape': [2, 3, 6, 6]}])
fc('LazyConv2d unbatched groups', 'LazyConv2d', {'out_channels': 4, 'kernel_size': [2, 3], 'groups': 2, 'bias': False},
   [{'shape': [6, 5, 5]}])

# ---- norms ----
fc('BatchNorm1d 2D train x2 eval', 'BatchNorm1d', {'num_features': 5},
   [{'shape': [8, 5], 'scale': 2.0, 'shift': 0.5}, {'shape': [8, 5]}, {'shape': [4, 5], 'mode': 'eval'}],
   init_=[('weight', 0.5, 1.5), ('bias', -0.5, 0.5)])
fc('BatchNorm1d 3D train x2 eval', 'BatchNorm1d', {'num_features': 4},
   [{'shape': [3, 4, 7], 'scale': 3.0, 'shift': -1.0}, {'shape': [3, 4, 7]}, {'shape': [2, 4, 7], 'mode': 'eval'}],
   init_=[('weight', 0.5, 1.5), ('bias', -0.5, 0.5)])
fc('BatchNorm2d train x2 eval', 'BatchNorm2d', {'num_features': 3},
   [{'shape': [2, 3, 5, 5], 'scale': 2.0, 'shift': 1.0}, {'shape': [4, 3, 4, 4]}, {'shape': [1, 3, 5, 5], 'mode': 'eval'}],
   init_=[('weight', 0.5, 1.5), ('bias', -0.5, 0.5)])
fc('BatchNorm2d momentum None', 'BatchNorm2d', {'num_features': 3, 'momentum': None},
   [{'shape': [2, 3, 4, 4]}, {'shape': [2, 3, 4, 4], 'scale': 0.5}, {'shape': [2, 3, 4, 4]}, {'shape': [1, 3, 4, 4], 'mode': 'eval'}])
fc('BatchNorm2d no affine momentum 0.3', 'BatchNorm2d', {'num_features': 4, 'affine': False, 'momentum': 0.3},
   [{'shape': [3, 4, 6, 6], 'scale': 1.5}, {'shape': [1, 4, 3, 3], 'mode': 'eval'}])
fc('BatchNorm1d no running stats', 'BatchNorm1d', {'num_features': 6, 'track_running_stats': False},
   [{'shape': [16, 6]}, {'shape': [5, 6], 'mode': 'eval'}])
fc('BatchNorm2d big', 'BatchNorm2d', {'num_features': 8, 'eps': 1e-3}, [{'shape': [4, 8, 12, 12], 'scale': 4.0, 'shift': 2.0}])
fc('GroupNorm(2,6)', 'GroupNorm', {'num_groups': 2, 'num_channels': 6}, [{'shape': [2, 6, 4, 4], 'scale': 2.0}],
   init_=[('weight', 0.5, 1.5), ('bias', -0.5, 0.5)])
fc('GroupNorm(3,6) no affine 2D', 'GroupNorm', {'num_groups': 3, 'num_channels': 6, 'affine': False}, [{'shape': [3, 6]}])
fc('GroupNorm(4,32) big', 'GroupNorm', {'num_groups': 4, 'num_channels': 32, 'eps': 1e-3}, [{'shape': [2, 32, 9, 9], 'scale': 3.0,
   'shift': -2.0}], init_=[('weight', -1.0, 2.0), ('bias', -0.5, 0.5)])
fc('GroupNorm(1,8) 3D', 'GroupNorm', {'num_groups': 1, 'num_channels': 8}, [{'shape': [3, 8, 17]}],
   init_=[('weight', 0.5, 1.5), ('bias', -0.5, 0.5)])
fc('LayerNorm(300)', 'LayerNorm', {'normalized_shape': 300}, [{'shape': [4, 300], 'scale': 2.0, 'shift': 3.0}],
   init_=[('weight', -1.0, 1.0), ('bias', -1.0, 1.0)])
fc('LayerNorm((5,7)) no affine 4D', 'LayerNorm', {'normalized_shape': [5, 7], 'elementwise_affine': False},
   [{'shape': [2, 3, 5, 7]}])
fc('LayerNorm(8)', 'LayerNorm', {'normalized_shape': 8}, [{'shape': [3, 8], 'scale': 3.0, 'shift': 1.0}],
   init_=[('weight', 0.5, 1.5), ('bias', -0.1, 0.1)])
fc('LayerNorm((2,3))', 'LayerNorm', {'normalized_shape': [2, 3]}, [{'shape': [4, 2, 3]}])
fc('LayerNorm(100) no affine', 'LayerNorm', {'normalized_shape': 100, 'elementwise_affine': False, 'eps': 1e-6},
   [{'shape': [5, 100], 'scale': 2.0}])

# ---- Embedding, Bilinear ----
fc('Embedding padding_idx -2', 'Embedding', {'num_embeddings': 10, 'embedding_dim': 3, 'padding_idx': -2},
   [{'idx': {'shape': [2, 3], 'int': [0, 8, 9, 8, 1, 1]}}])
fc('Embedding 1-D idx', 'Embedding', {'num_embeddings': 4, 'embedding_dim': 5}, [{'idx': {'shape': [4], 'int': [3, 2, 3, 0]}}])
fc('Bilinear(4,4,3)', 'Bilinear', {'in1_features': 4, 'in2_features': 4, 'out_features': 3}, [{'shape': [5, 4]}])
fc('Bilinear(20,20,4) blas', 'Bilinear', {'in1_features': 20, 'in2_features': 20, 'out_features': 4}, [{'shape': [6, 20]}])
fc('Bilinear(400,400,1) blas dot', 'Bilinear', {'in1_features': 400, 'in2_features': 400, 'out_features': 1}, [{'shape': [2, 400]}],
   omit=('init.weight', 'weight'))
fc('Bilinear(3,3,2) nobias 3D', 'Bilinear', {'in1_features': 3, 'in2_features': 3, 'out_features': 2, 'bias': False},
   [{'shape': [2, 4, 3]}])

# ---- construction errors ----
ec = error_case
ec('Conv2d', {'in_channels': 3, 'out_channels': 8, 'kernel_size': 3, 'groups': 2})
ec('Conv2d', {'in_channels': 4, 'out_channels': 6, 'kernel_size': 3, 'groups': 4})
ec('Conv2d', {'in_channels': 4, 'out_channels': 8, 'kernel_size': 3, 'groups': 0})
ec('Conv2d', {'in_channels': 3, 'out_channels': 8, 'kernel_size': 3, 'padding': 'same', 'stride': 2})
ec('Conv2d', {'in_channels': 3, 'out_channels': 8, 'kernel_size': 3, 'padding_mode': 'bad'})
ec('Conv2d', {'in_channels': 3, 'out_channels': 8, 'kernel_size': -1})
ec('Conv1d', {'in_channels': 3, 'out_channels': 6, 'kernel_size': 3, 'groups': 2})
ec('ConvTranspose2d', {'in_channels': 4, 'out_channels': 6, 'kernel_size': 3, 'padding_mode': 'reflect'})
ec('ConvTranspose2d', {'in_channels': 4, 'out_channels': 6, 'kernel_size': 3, 'groups': 4})
ec('Embedding', {'num_embeddings': 10, 'embedding_dim': 4, 'padding_idx': 10})
ec('Embedding', {'num_embeddings': 10, 'embedding_dim': 4, 'padding_idx': -11})
ec('GroupNorm', {'num_groups': 4, 'num_channels': 6})
# ---- forward errors ----
ec('Conv2d', {'in_channels': 3, 'out_channels': 8, 'kernel_size': 3}, [1, 4, 8, 8])
ec('Conv2d', {'in_channels': 3, 'out_channels': 8, 'kernel_size': 3}, [4, 8, 8])
ec('Conv2d', {'in_channels': 4, 'out_channels': 8, 'kernel_size': 3}, [4, 8])
ec('Conv2d', {'in_channels': 4, 'out_channels': 8, 'kernel_size': 3}, [2, 2, 4, 8, 8])
ec('Conv2d', {'in_channels': 4, 'out_channels': 8, 'kernel_size': 9}, [1, 4, 8, 8])
ec('Conv2d', {'in_channels': 4, 'out_channels': 8, 'kernel_size': 3, 'dilation': 3}, [1, 4, 6, 8])
ec('Conv2d', {'in_channels': 4, 'out_channels': 8, 'kernel_size': 3, 'groups': 2}, [1, 6, 8, 8])
ec('Conv2d', {'in_channels': 4, 'out_channels': 8, 'kernel_size': 3, 'padding': 10, 'padding_mode': 'reflect'}, [1, 4, 8, 8])
ec('Conv2d', {'in_channels': 3, 'out_channels': 0, 'kernel_size': 3}, [2, 3, 5, 5])
ec('Conv1d', {'in_channels': 3, 'out_channels': 8, 'kernel_size': 3}, [2, 4, 8])
ec('Conv1d', {'in_channels': 3, 'out_channels': 8, 'kernel_size': 3}, [8])
ec('Conv1d', {'in_channels': 3, 'out_channels': 8, 'kernel_size': 5}, [1, 3, 4])
ec('Conv3d', {'in_channels': 3, 'out_channels': 8, 'kernel_size': 3}, [8, 8])
ec('ConvTranspose2d', {'in_channels': 3, 'out_channels': 8, 'kernel_size': 3}, [1, 4, 8, 8])
ec('ConvTranspose2d', {'in_channels': 4, 'out_channels': 8, 'kernel_size': 3}, [4, 8])
ec('ConvTranspose2d', {'in_channels': 4, 'out_channels': 8, 'kernel_size': 3, 'groups': 2}, [1, 6, 8, 8])
ec('LazyConv2d', {'out_channels': 8, 'kernel_size': 3}, [8, 8])
ec('Embedding', {'num_embeddings': 10, 'embedding_dim': 4}, [3], 'float32')
ec('LayerNorm', {'normalized_shape': 8}, [3, 7])
ec('LayerNorm', {'normalized_shape': [2, 3]}, [3, 3, 2])
ec('GroupNorm', {'num_groups': 2, 'num_channels': 6}, [2, 4, 3])
ec('BatchNorm1d', {'num_features': 5}, [2, 4])
ec('BatchNorm1d', {'num_features': 5}, [5])
ec('BatchNorm1d', {'num_features': 5}, [1, 5])
ec('BatchNorm1d', {'num_features': 5}, [2, 5, 3, 3])
ec('BatchNorm2d', {'num_features': 5}, [2, 5, 3])
ec('BatchNorm2d', {'num_features': 5}, [2, 4, 3, 3])
ec('Bilinear', {'in1_features': 4, 'in2_features': 4, 'out_features': 2}, [2, 3])

# ---- reprs ----
rc = repr_case
rc('Conv2d', {'in_channels': 3, 'out_channels': 8, 'kernel_size': 3})
rc('Conv2d', {'in_channels': 3, 'out_channels': 8, 'kernel_size': [3, 5], 'stride': 2, 'padding': [1, 2], 'dilation': 2,
   'bias': False, 'padding_mode': 'reflect'})
rc('Conv2d', {'in_channels': 4, 'out_channels': 8, 'kernel_size': 3, 'padding': 'same', 'groups': 2})
rc('Conv2d', {'in_channels': 4, 'out_channels': 8, 'kernel_size': 3, 'padding': 'valid'})
rc('Conv1d', {'in_channels': 4, 'out_channels': 6, 'kernel_size': 3, 'padding': 1})
rc('Conv3d', {'in_channels': 2, 'out_channels': 4, 'kernel_size': [2, 3, 3], 'stride': [1, 2, 2]})
rc('ConvTranspose1d', {'in_channels': 4, 'out_channels': 6, 'kernel_size': 3, 'stride': 2, 'padding': 1,
   'output_padding': 1, 'dilation': 2})
rc('ConvTranspose2d', {'in_channels': 4, 'out_channels': 6, 'kernel_size': 3, 'groups': 2})
rc('ConvTranspose3d', {'in_channels': 2, 'out_channels': 3, 'kernel_size': 2, 'bias': False})
rc('LazyConv2d', {'out_channels': 4, 'kernel_size': 3})
rc('Embedding', {'num_embeddings': 10, 'embedding_dim': 4, 'padding_idx': -1})
rc('Embedding', {'num_embeddings': 10, 'embedding_dim': 4, 'norm_type': 1.0, 'scale_grad_by_freq': True, 'sparse': True})
rc('LayerNorm', {'normalized_shape': 8})
rc('LayerNorm', {'normalized_shape': [2, 3], 'eps': 1e-6, 'elementwise_affine': False})
rc('GroupNorm', {'num_groups': 2, 'num_channels': 6, 'eps': 1e-3, 'affine': False})
rc('BatchNorm1d', {'num_features': 5})
rc('BatchNorm2d', {'num_features': 3, 'momentum': None, 'affine': False, 'track_running_stats': False})
rc('Bilinear', {'in1_features': 3, 'in2_features': 4, 'out_features': 5, 'bias': False})

meta = {'torch_version': torch.__version__, 'num_threads': torch.get_num_threads(),
        'generator': 'tests/golden/gen_conv.py'}
golden_split.write({'meta': meta, 'cases': cases, 'errors': errors, 'reprs': reprs}, 'conv')
print('%d cases, %d errors, %d reprs' % (len(cases), len(errors), len(reprs)))

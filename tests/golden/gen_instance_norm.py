#!/usr/bin/python3
"""Golden fixture for InstanceNorm1d / InstanceNorm2d (tests/core/test-instance-norm.c).

Run with Debian's torch 1.13.1:  /usr/bin/python3 tests/golden/gen_instance_norm.py
Writes tests/data/instance-norm-golden.json (format: tests/golden/layer_cases.py).
Covers affine, track_running_stats (train and eval: torch rewrites the running statistics as the
mean of their per-sample copies even in eval), unbatched inputs, batches of 3 and 40 (the float
cascade sum of at::mean), eps and momentum, errors and reprs.
"""
from layer_cases import Fixture

fx = Fixture('instance-norm-golden.json', __file__)
f = fx.forward
f('IN1d default', 'InstanceNorm1d', {'num_features': 3}, [{'shape': [2, 3, 5]}, {'shape': [2, 3, 5], 'mode': 'eval'}])
f('IN1d affine', 'InstanceNorm1d', {'num_features': 3, 'affine': True}, [{'shape': [2, 3, 6], 'scale': 2.0, 'shift': 1.0}],
  seed=1, init_=[('weight', 0.5, 1.5), ('bias', -0.5, 0.5)])
f('IN1d track momentum', 'InstanceNorm1d', {'num_features': 4, 'track_running_stats': True, 'momentum': 0.3},
  [{'shape': [2, 4, 5]}, {'shape': [2, 4, 5], 'scale': 3.0, 'shift': -1.0}, {'shape': [2, 4, 5], 'mode': 'eval'}], seed=2)
f('IN1d unbatched affine track', 'InstanceNorm1d', {'num_features': 3, 'affine': True, 'track_running_stats': True},
  [{'shape': [3, 7]}, {'shape': [3, 7], 'mode': 'eval'}], seed=3, init_=[('weight', -1.0, 1.0)])
f('IN2d default', 'InstanceNorm2d', {'num_features': 3}, [{'shape': [2, 3, 4, 4]}], seed=4)
f('IN2d affine track batch3', 'InstanceNorm2d', {'num_features': 2, 'affine': True, 'track_running_stats': True},
  [{'shape': [3, 2, 5, 4], 'scale': 4.0, 'shift': 2.0}, {'shape': [3, 2, 5, 4]}, {'shape': [3, 2, 5, 4], 'mode': 'eval'}],
  seed=5, init_=[('weight', 0.5, 1.5), ('bias', -1.0, 1.0)])
f('IN2d unbatched track', 'InstanceNorm2d', {'num_features': 3, 'track_running_stats': True},
  [{'shape': [3, 5, 5]}, {'shape': [3, 5, 5], 'mode': 'eval'}], seed=6)
f('IN2d eps momentum batch5', 'InstanceNorm2d', {'num_features': 2, 'eps': 1e-3, 'momentum': 0.5,
  'track_running_stats': True}, [{'shape': [5, 2, 3, 3], 'shift': 0.5}, {'shape': [5, 2, 3, 3], 'mode': 'eval'}], seed=7)
f('IN1d track batch40', 'InstanceNorm1d', {'num_features': 2, 'track_running_stats': True, 'momentum': 0.7},
  [{'shape': [40, 2, 3], 'scale': 5.0}, {'shape': [40, 2, 3], 'mode': 'eval'}], seed=8)
f('IN1d eval no track', 'InstanceNorm1d', {'num_features': 2, 'affine': True}, [{'shape': [2, 2, 4], 'mode': 'eval'}], seed=9)

e = fx.error
e('InstanceNorm1d', {'num_features': 3}, shape=[2, 3, 4, 4])
e('InstanceNorm1d', {'num_features': 3}, shape=[3])
e('InstanceNorm2d', {'num_features': 3}, shape=[2, 3])
e('InstanceNorm2d', {'num_features': 3}, shape=[1, 2, 3, 4, 5])
e('InstanceNorm1d', {'num_features': 3, 'affine': True}, shape=[2, 5, 4])
e('InstanceNorm2d', {'num_features': 3, 'affine': True}, shape=[5, 4, 4])
e('InstanceNorm1d', {'num_features': 3, 'track_running_stats': True}, shape=[2, 5, 4])
e('InstanceNorm1d', {'num_features': 3}, shape=[2, 3, 1])
e('InstanceNorm2d', {'num_features': 3}, shape=[3, 1, 1])
e('InstanceNorm1d', {'num_features': 3, 'momentum': None}, shape=[2, 3, 4])
e('InstanceNorm1d', {'num_features': -1, 'affine': True})

r = fx.repr
r('InstanceNorm1d', {'num_features': 3})
r('InstanceNorm2d', {'num_features': 4, 'eps': 1e-3, 'momentum': 0.2, 'affine': True, 'track_running_stats': True})
r('InstanceNorm1d', {'num_features': -1})
r('InstanceNorm2d', {'num_features': 2, 'momentum': None})

fx.write()

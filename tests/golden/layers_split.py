"""The layer goldens split per layer type (tests/data/layers/; golden_split.py does the work).

tests/data/layers/_shared.json holds "meta" and the shared "inputs"; tests/data/layers/<Type>.json
holds that type's cases, under the section names "forward", "dropout", "linear", "modules",
"repr", "errors", in generation order.

  /usr/bin/python3 tests/golden/layers_split.py OLD.json   # split a single-file golden (migration)
  /usr/bin/python3 tests/golden/layers_split.py --verify OLD.json   # every case byte-identical
"""
import json
import sys

import golden_split


def write(data):
    golden_split.write(data, "layers")


def verify(old):
    golden_split.verify(old, "layers")


if __name__ == "__main__":
    args = sys.argv[1:]
    with open(args[-1]) as f:
        old = json.load(f)
    verify(old) if args[0] == "--verify" else write(old)

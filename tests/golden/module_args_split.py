"""The generated argument table and its reprs, split per layer type (no torch needed), so a new layer
type adds two small files instead of regenerating tests/data/module-args.json (every type's cases) and
renumbering module-args-reprs.json.

  tests/data/module-args/<Type>.json        {"meta", "cases": [case, ...]}: that type's cases, one a line,
                                            as gen_module_args_table.py writes them (the old file's lines)
  tests/data/module-args-reprs/<Type>.json  {"meta", "reprs": [{"i", "p"}, ...]}: "i" indexes the type's
                                            own cases (it was an index into the whole table)

Read in file-name order (tests/doc/test-module-args.c), the cases come in the old file's order
(it was sorted by type).

  /usr/bin/python3 tests/golden/module_args_split.py OLD-TABLE.json OLD-REPRS.json            # migration
  /usr/bin/python3 tests/golden/module_args_split.py --verify OLD-TABLE.json OLD-REPRS.json   # identical
"""
import json
import os
import re
import sys

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data")
TABLE_DIR = os.path.join(DATA, "module-args")
REPRS_DIR = os.path.join(DATA, "module-args-reprs")


def _write_dir(out, files, section):
    """files: type -> (meta line, [entry lines]); the old single file's layout, per type."""
    os.makedirs(out, exist_ok=True)
    for name in os.listdir(out):   # a type that is gone leaves no stale file
        if name.endswith(".json") and name[:-5] not in files:
            os.unlink(os.path.join(out, name))
    for t, (meta, lines) in files.items():
        with open(os.path.join(out, t + ".json"), "w") as f:
            f.write('{"meta": %s,\n "%s": [\n' % (meta, section))
            f.write(",\n".join(lines))
            f.write("\n]}\n")
    print("wrote %d files in %s" % (len(files), out))


def write_table(meta, lines_by_type):
    """meta: the meta object's JSON text; lines_by_type: type -> the encoded case lines."""
    _write_dir(TABLE_DIR, {t: (meta, ls) for t, ls in lines_by_type.items()}, "cases")


def write_reprs(meta, reprs_by_type):
    """reprs_by_type: type -> [(index in that type's cases, repr text)]."""
    _write_dir(REPRS_DIR, {t: (meta, [json.dumps({"i": i, "p": p}) for i, p in rs])
                           for t, rs in reprs_by_type.items()}, "reprs")


def read_table():
    """[(type, case)] in file-name order (the order of the old single file)."""
    out = []
    for name in sorted(os.listdir(TABLE_DIR)):
        with open(os.path.join(TABLE_DIR, name)) as f:
            out += [(name[:-5], c) for c in json.load(f)["cases"]]
    return out


def _old(path, section):
    """The old single file: its meta's text and its entry lines (one a line, as written)."""
    lines = open(path).read().split("\n")
    head = lines[0]
    assert head.startswith('{"meta": ') and head.endswith(","), head
    assert lines[1] == ' "%s": [' % section and lines[-2] == "]}" and lines[-1] == ""
    entries = [l[:-1] if l.endswith(",") else l for l in lines[2:-2]]
    return head[len('{"meta": '):-1], entries


def _type_of(line):
    return re.match(r'\{"t": "([^"]+)"', line).group(1)


def migrate(table, reprs):
    meta, cases = _old(table, "cases")
    by_type, where = {}, []
    for line in cases:
        t = _type_of(line)
        where.append((t, len(by_type.setdefault(t, []))))
        by_type[t].append(line)
    write_table(meta, by_type)
    rmeta, rlines = _old(reprs, "reprs")
    reprs_by_type = {}
    for line in rlines:
        e = json.loads(line)
        t, local = where[e["i"]]
        reprs_by_type.setdefault(t, []).append((local, e["p"]))
    write_reprs(rmeta, reprs_by_type)


def verify(table, reprs):
    """The files read back in file-name order give the old files' entries, byte for byte."""
    meta, cases = _old(table, "cases")
    new = []
    for name in sorted(os.listdir(TABLE_DIR)):
        m, ls = _old(os.path.join(TABLE_DIR, name), "cases")
        assert m == meta, name
        assert all(_type_of(l) == name[:-5] for l in ls), name
        new.append((len(new) and new[-1][0] + new[-1][1], len(ls), ls))
    assert [l for _, _, ls in new for l in ls] == cases
    print("cases %d identical, in the old order, %d types" % (len(cases), len(new)))
    offset = {name[:-5]: off for name, (off, _, _) in zip(sorted(os.listdir(TABLE_DIR)), new)}
    rmeta, rlines = _old(reprs, "reprs")
    got = []
    for name in sorted(os.listdir(REPRS_DIR)):
        m, ls = _old(os.path.join(REPRS_DIR, name), "reprs")
        assert m == rmeta, name
        for l in ls:
            e = json.loads(l)
            got.append(json.dumps({"i": offset[name[:-5]] + e["i"], "p": e["p"]}))
    assert got == rlines
    print("reprs %d identical (global index = the type's offset + its own index)" % len(rlines))


if __name__ == "__main__":
    args = sys.argv[1:]
    verify(*args[1:]) if args[0] == "--verify" else migrate(*args)

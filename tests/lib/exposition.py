"""The Prometheus text exposition format (0.0.4) for the tests: one parser, and the
look-ups every test makes on its result (Python 3 stdlib only).

    fams = parse_exposition(text)          # {family name: Family}, a Families
    one(fams, "pg_up", target="primary")   # the value of the one matching sample
    find(fams, "pg_up", target="x")        # the values of every matching sample
    for name, labels, value in fams.samples(): ...
"""

import re

class Family(dict):
    """{'type': str, 'help': str, 'samples': [(sample_name, {label: value}, float)]}"""

    def series(self):
        """{(sample_name, sorted label items): value}"""
        return {(n, tuple(sorted(l.items()))): v for n, l, v in self["samples"]}

    def label_names(self):
        names = set()
        for _, labels, _ in self["samples"]:
            names.update(labels)
        return names


_SUFFIXES = {"histogram": ("_bucket", "_sum", "_count"), "summary": ("_sum", "_count"),
             "counter": ("_total", "_created")}
_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(,?)')


def _unescape(s):
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), s)


def parse_value(s):
    s = s.strip()
    low = s.lower()
    if low in ("+inf", "inf"):
        return float("inf")
    if low == "-inf":
        return float("-inf")
    if low == "nan":
        return float("nan")
    return float(s)


def parse_exposition(text):
    """Parses the Prometheus text format (0.0.4) into {family name: Family}.

    Samples of a histogram/summary (_bucket, _sum, _count) belong to their declared family;
    a sample with no TYPE line becomes its own 'untyped' family. Raises ValueError with the
    line number on malformed input.
    """
    families = Families()
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        if line.startswith("#"):
            parts = line.split(None, 3)
            if len(parts) >= 3 and parts[1] in ("HELP", "TYPE"):
                fam = families.setdefault(parts[2], Family(type="untyped", help="", samples=[]))
                rest = parts[3] if len(parts) > 3 else ""
                if parts[1] == "HELP":
                    fam["help"] = _unescape(rest)
                else:
                    fam["type"] = rest.strip()
            continue
        m = _NAME.match(line)
        if not m:
            raise ValueError("line %d: bad metric name: %r" % (lineno, line))
        name = m.group(0)
        pos = m.end()
        labels = {}
        if pos < len(line) and line[pos] == "{":
            pos += 1
            while True:
                if line[pos:pos + 1] == "}":
                    pos += 1
                    break
                lm = _LABEL.match(line, pos)
                if not lm:
                    raise ValueError("line %d: bad labels: %r" % (lineno, line))
                labels[lm.group(1)] = _unescape(lm.group(2))
                pos = lm.end()
                if not lm.group(3) and line[pos:pos + 1] != "}":
                    raise ValueError("line %d: expected , or }: %r" % (lineno, line))
        fields = line[pos:].split()
        if not fields or len(fields) > 2:
            raise ValueError("line %d: expected value [timestamp]: %r" % (lineno, line))
        try:
            value = parse_value(fields[0])
        except ValueError:
            raise ValueError("line %d: bad value %r" % (lineno, fields[0]))
        families.setdefault(_family_of(name, families), Family(type="untyped", help="", samples=[]))
        families[_family_of(name, families)]["samples"].append((name, labels, value))
    return families


def _family_of(sample_name, families):
    if sample_name in families:
        return sample_name
    for suffix in ("_bucket", "_sum", "_count", "_total", "_created"):
        if sample_name.endswith(suffix):
            base = sample_name[:-len(suffix)]
            fam = families.get(base)
            if fam is not None and suffix in _SUFFIXES.get(fam["type"], ()):
                return base
    return sample_name



class Families(dict):
    """{family name: Family}, as parse_exposition returns it."""

    def samples(self):
        """Every sample as (sample name, {label: value}, value), in exposition order per family."""
        for fam in self.values():
            yield from fam["samples"]

    def sample_count(self):
        return sum(len(f["samples"]) for f in self.values())


def find(fams, name, /, **labels):
    """Values of the samples named `name` whose labels include `labels`."""
    return [v for n, l, v in fams.samples() if n == name and all(l.get(k) == x for k, x in labels.items())]


def one(fams, name, /, **labels):
    """The value of the one sample named `name` whose labels include `labels`; AssertionError
    (naming what was found) unless there is exactly one."""
    vals = find(fams, name, **labels)
    assert len(vals) == 1, "%s%s: expected one sample, got %r" % (name, labels, vals)
    return vals[0]

"""YAML text for the tests' configurations: the target lists of every area, built
from dicts instead of repeated literal blocks (Python 3 stdlib only)."""

import json
import re

_PLAIN = re.compile(r"^[A-Za-z0-9_./+][A-Za-z0-9_./@?&%+=:, -]*$")


def yaml_scalar(v):
    """v as a YAML flow scalar: numbers and booleans as such, strings plain when that is
    unambiguous, otherwise double-quoted (JSON's escapes are YAML's)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(yaml_scalar(x) for x in v) + "]"
    v = str(v)
    if _PLAIN.match(v) and not v.endswith(" ") and ": " not in v and " #" not in v and \
            v.lower() not in ("true", "false", "null", "yes", "no", "on", "off", "~") and not _is_number(v):
        return v
    return json.dumps(v, ensure_ascii=False)


def _is_number(v):
    try:
        float(v)
        return True
    except ValueError:
        return False


def service_yaml(areas):
    """The configuration's target lists: {area: [{key: value}...]} -> YAML, e.g.
    service_yaml({"postgres": [{"name": "a", "dsn": "host=127.0.0.1"}]}) gives
    "postgres:\n  - name: a\n    dsn: host=127.0.0.1\n". Values: str, int, bool, lists."""
    out = []
    for area, targets in areas.items():
        out.append("%s:" % area)
        for t in targets:
            for i, (k, v) in enumerate(t.items()):
                out.append("%s%s: %s" % ("  - " if i == 0 else "    ", k, yaml_scalar(v)))
    return "\n".join(out) + "\n"

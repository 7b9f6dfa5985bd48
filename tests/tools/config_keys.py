#!/usr/bin/env python3
"""Every configuration key vigia's readers accept, taken from their sources.

    config_keys.py [SOURCE_DIR]     prints "file<TAB>key<TAB>kind" lines

Why from the sources, and how: every map vigia reads goes through YamlReader's allow-list
(core/yaml_reader.h): check_keys(node, what, {keys...}), read_named_list(node, section, noun,
{keys...}, ...) and notify's check_keys_am(r, node, what, known, unsupported) reject any key
not listed ("unknown key 'x' in host"). So the allow-lists ARE the set of keys the code
reads; a key cannot be read without being in one. This script finds each such call
(balanced parentheses, comments and strings respected), takes the argument that is the
allow-list (3rd of check_keys, 4th of read_named_list, 4th and 5th of check_keys_am) and
collects its string literals; when the argument is a variable (`keys`, `known`,
kUnsupportedIntegrations), its definition in the same file (`name = {...}`, `name{...}`,
`name[] = {...}`) is used, together with any `name.push_back("x")`/`insert`. The
top-level keys are the areas' section names (`name() const override { return "x"; }` and
extra_sections in exporters/*/area.cc), `alerting`, and the keys cmd/vigia/app.cc adds
(`keys.push_back("notify")`). Keys found in the second list of check_keys_am are
Alertmanager keys vigia refuses by name (kind "unsupported"). Python 3 stdlib only."""
import glob
import os
import re
import sys

CALLS = {"check_keys": [2], "read_named_list": [3], "check_keys_am": [3, 4]}
_LIT = re.compile(r'"((?:[^"\\]|\\.)*)"')


def _strip_comments(text):
    out, i, n = [], 0, len(text)
    while i < n:
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
        elif text[i] == '"':
            m = re.compile(r'"(?:[^"\\\n]|\\.)*"').match(text, i)
            j = m.end() if m else i + 1
            out.append(text[i:j])
            i = j
        elif text[i] == "'":
            m = re.compile(r"'(?:[^'\\\n]|\\.)*'").match(text, i)
            j = m.end() if m else i + 1
            out.append(text[i:j])
            i = j
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _args(text, start):
    """Top-level comma-separated arguments of the call whose '(' is at start."""
    depth, args, cur, i = 0, [], [], start
    while i < len(text):
        ch = text[i]
        if ch == '"':
            m = re.compile(r'"(?:[^"\\]|\\.)*"').match(text, i)
            cur.append(m.group())
            i = m.end()
            continue
        if ch in "([{":
            depth += 1
            if depth == 1 and ch == "(":
                i += 1
                continue
        elif ch in ")]}":
            depth -= 1
            if depth == 0:
                args.append("".join(cur).strip())
                return args
        elif ch == "," and depth == 1:
            args.append("".join(cur).strip())
            cur = []
            i += 1
            continue
        cur.append(ch)
        i += 1
    return args


def _resolve(text, arg):
    """String literals of an allow-list argument (a brace list, or a variable of the file)."""
    lits = _LIT.findall(arg)
    if lits or not re.match(r"^[A-Za-z_][A-Za-z0-9_:]*$", arg):
        return lits
    name = arg.split("::")[-1]
    found = []
    for m in re.finditer(r"\b%s\s*(?:\[\s*\])?\s*(?:=\s*)?\{" % re.escape(name), text):
        depth, i = 0, m.end() - 1
        while i < len(text):
            if text[i] == "{":
                depth += 1
            elif text[i] == "}":
                depth -= 1
                if depth == 0:
                    break
            i += 1
        body = text[m.end():i]
        found += _LIT.findall(body)
    for m in re.finditer(r"\b%s\.(?:push_back|emplace_back|insert)\(\s*(?:%s\.end\(\)\s*,\s*)?\{?\s*((?:\"[^\"]*\"\s*,?\s*)+)"
                         % (re.escape(name), re.escape(name)), text):
        found += _LIT.findall(m.group(1))
    # name.insert(name.end(), other.begin(), other.end()): other's keys too
    for m in re.finditer(r"\b%s\.insert\(\s*%s\.end\(\)\s*,\s*([A-Za-z_]\w*)\.begin\(\)" % (re.escape(name), re.escape(name)),
                         text):
        if m.group(1) != name:
            found += _resolve(text, m.group(1))
    return found


def source_files(src):
    pats = ["core/*.cc", "cmd/vigia/*.cc", "exporters/**/*.cc", "alerting/**/*.cc"]
    return sorted({f for p in pats for f in glob.glob(os.path.join(src, p), recursive=True)})


# Readers of files that are not vigia's configuration (promtool's rule unit-test format),
# whose keys the configuration reference does not list.
NOT_CONFIGURATION = {"alerting/rules/rule_test.cc"}


def config_keys(src):
    """[(relative file, key, kind)] with kind 'key', 'unsupported' or 'section'."""
    out = []
    for f in source_files(src):
        rel = os.path.relpath(f, src)
        if rel in NOT_CONFIGURATION or rel == "core/yaml_reader.cc":
            continue
        text = _strip_comments(open(f).read())
        for m in re.finditer(r"\b(check_keys_am|check_keys|read_named_list)\s*\(", text):
            # skip declarations/definitions (a type before the name's argument list)
            line_start = text.rfind("\n", 0, m.start()) + 1
            if re.match(r"^\s*(void|static|inline)\b", text[line_start:m.start()]):
                continue
            args = _args(text, m.end() - 1)
            for k, idx in enumerate(CALLS[m.group(1)]):
                if idx < len(args):
                    kind = "unsupported" if (m.group(1) == "check_keys_am" and k == 1) else "key"
                    out += [(rel, key, kind) for key in _resolve(text, args[idx])]
        if re.match(r"exporters/[^/]+/area\.cc$", rel):
            for m in re.finditer(r"name\(\) const override \{ return \"([a-z_]+)\"; \}", text):
                out.append((rel, m.group(1), "section"))
            for m in re.finditer(r"TargetListArea<[^>]*>>\(\"([a-z_]+)\"", text):
                out.append((rel, m.group(1), "section"))
            for m in re.finditer(r"extra_sections\(\) const override \{ return \{([^}]*)\}", text):
                out += [(rel, k, "section") for k in _LIT.findall(m.group(1))]
        if rel == "cmd/vigia/app.cc":
            out += [(rel, k, "section") for k in re.findall(r'keys\.push_back\("([a-z_]+)"\)', text)]
        if rel == "core/config.cc":
            out += [(rel, k, "section") for k in re.findall(r'"(alerting)"', text)[:1]]
    # one row per (file, key, kind)
    return sorted(set(out))


if __name__ == "__main__":
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    for f, k, kind in config_keys(src):
        print("%s\t%s\t%s" % (f, k, kind))

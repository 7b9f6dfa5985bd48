#!/usr/bin/env python3
"""docs/configuration.md is the reference of every key vigia reads, and its examples work:

  1. every key of the configuration readers' allow-lists (tests/tools/config_keys.py: the keys
     of every check_keys/read_named_list/check_keys_am call in the sources, which are exactly
     the keys the code accepts) appears, in backquotes, in the part of the page that names its
     source file with a `<!-- keys-from: FILE -->` marker (up to the next heading of the same
     or a higher level); a reader file without a marker fails too;
  2. every flag `vigia --help` prints appears as `--flag` on the page;
  3. every ```yaml example of docs/configuration.md and docs/getting-started.md whose first
     line is `# vigia.yml` passes `vigia check config`, and the same check refuses a copy of
     the first example with a misspelt key (so the check looks at the files).
  4. every ```yaml example of docs/migration.md whose first line is `# prometheus.yml` passes
     `promtool check config`;
  5. the first e-mail of docs/getting-started.md: its notify: example, the smarthost pointed at
     a local SMTP server (tests/lib/notify_servers.py, aiosmtpd) without TLS and auth, sends a
     mail through `vigia notify test ops` as the page says.
The checker itself is tried on a page with one key removed: it must report that key."""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
import harness as h  # noqa: E402
import config_keys  # noqa: E402

DOCS = os.path.join(h.SOURCE_DIR, "docs")
PAGE = os.path.join(DOCS, "configuration.md")


def sections_by_file(text):
    """{source file: set of words in backquotes in the parts marked keys-from: file}."""
    out = {}
    lines = text.split("\n")
    # headings only outside fenced code (a YAML comment "# vigia.yml" is not one)
    fence = False
    heading = {}
    for j, line in enumerate(lines):
        if line.startswith("```"):
            fence = not fence
        elif not fence:
            hm = re.match(r"^(#+) ", line)
            if hm:
                heading[j] = len(hm.group(1))
    for i, line in enumerate(lines):
        m = re.match(r"^<!-- keys-from: (\S+) -->$", line.strip())
        if not m:
            continue
        # the part: from the heading above the marker to the next heading of its level or higher
        above = [j for j in heading if j < i]
        level = heading[max(above)] if above else 6
        end = min([j for j in heading if j > i and heading[j] <= level] or [len(lines)])
        words = out.setdefault(m.group(1), set())
        for span in re.findall(r"`([^`\n]+)`", "\n".join(lines[i:end])):
            words.update(w for w in re.split(r"[^A-Za-z0-9_]+", span) if w)
    return out


def missing_keys(text, keys):
    marked = sections_by_file(text)
    missing = []
    for f, key, kind in keys:
        if f not in marked:
            missing.append("%s (no <!-- keys-from: %s --> marker)" % (key, f))
        elif key not in marked[f]:
            missing.append("%s (from %s%s)" % (key, f, ", refused by name" if kind == "unsupported" else ""))
    return missing


def yaml_examples(path, marker="vigia.yml"):
    text = open(path).read()
    return [(path, text[:m.start()].count("\n") + 2, m.group(1))
            for m in re.finditer(r"```yaml\n(# %s[^\n]*\n.*?)```" % re.escape(marker), text, re.S)]


def check_config(text, name):
    d = h.new_tmpdir("config-doc")
    path = os.path.join(d, "vigia.yml")
    with open(path, "w") as f:
        f.write(text)
    return h.run([h.VIGIA_BINARY, "check", "config", "--config.file=" + path], timeout=60, cwd=d,
                 env={"PG_PASSWORD": "x", "REDIS_PASSWORD": "x", "RABBITMQ_PASSWORD": "x"})


def body(c):
    page = open(PAGE).read()
    keys = config_keys.config_keys(h.SOURCE_DIR)
    files = sorted({f for f, _, _ in keys})
    c.check(len(keys) > 200 and len(files) > 15, "the readers' keys found in the sources (%d keys in %d files)" % (
        len(keys), len(files)))
    missing = missing_keys(page, keys)
    c.check(not missing, "every key the readers accept is in docs/configuration.md (%d distinct names)" % len(
        {k for _, k, _ in keys}), "%d missing: %s" % (len(missing), "; ".join(missing[:30])))
    # The checker sees a removal: drop every backquoted mention of one key.
    victim = next(k for f, k, kind in keys if f == "exporters/redis/config/config.cc" and k == "check_keys_limit")
    mutated = re.sub(r"`[^`\n]*\b%s\b[^`\n]*`" % victim, "", page)
    c.check(any(victim in m for m in missing_keys(mutated, keys)), "a key removed from the page is reported")

    helptext = h.run([h.VIGIA_BINARY, "--help"]).stdout
    flags = sorted(set(re.findall(r"^\s+--(?:\[no-\])?([a-z][a-z0-9.<>-]*)", helptext, re.M)))
    c.check(len(flags) > 30, "vigia --help lists flags (%d)" % len(flags))
    absent = [f for f in flags if "--" + f not in page and "`--%s`" % f not in page]
    c.check(not absent, "every flag of vigia --help is in docs/configuration.md", ", ".join(absent))

    examples = yaml_examples(PAGE) + yaml_examples(os.path.join(DOCS, "getting-started.md"))
    c.check(len(examples) >= 10, "examples marked # vigia.yml (%d)" % len(examples))
    for path, line, text in examples:
        r = check_config(text, path)
        c.check(r.returncode == 0, "vigia check config accepts %s:%d" % (os.path.basename(path), line),
                (r.stdout + r.stderr)[-600:])
    path, line, text = examples[0]
    bad = text.replace("name:", "nmae:", 1)
    r = check_config(bad, path)
    c.check(r.returncode != 0 and "nmae" in r.stdout + r.stderr, "vigia check config refuses a misspelt key",
            (r.stdout + r.stderr)[-300:])

    # prometheus.yml examples (docs/migration.md): promtool check config accepts them.
    proms = [(p, l, t) for p, l, t in yaml_examples(os.path.join(DOCS, "migration.md"), "prometheus.yml")]
    c.check(proms, "docs/migration.md has a prometheus.yml example")
    for path, line, text in proms:
        d = h.new_tmpdir("promcfg")
        f = os.path.join(d, "prometheus.yml")
        with open(f, "w") as out:
            out.write(text)
        r = h.run([h.PROMTOOL, "check", "config", f], timeout=60)
        c.check(r.returncode == 0, "promtool check config accepts %s:%d" % (os.path.basename(path), line),
                (r.stdout + r.stderr)[-600:])
    first_email(c, [e for e in examples if "email_configs" in e[2] and "getting-started" in e[0]])


def first_email(c, examples):
    import glob
    c.check(len(examples) == 1, "getting-started.md has one e-mail example")
    if not examples:
        return
    server = os.path.join(h.SOURCE_DIR, "tests", "lib", "notify_servers.py")
    h.need("/usr/bin/python3")
    if h.run(["/usr/bin/python3", "-c", "import aiosmtpd"]).returncode != 0:
        raise h.Skip("python3-aiosmtpd is not installed")
    d = h.new_tmpdir("smtp")
    port = h.free_port()
    h.Process("smtp", ["/usr/bin/python3", server, "smtp", str(port), d]).wait_tcp("127.0.0.1", port)
    text = examples[0][2]
    text = re.sub(r"smtp_smarthost: \S+", "smtp_smarthost: 127.0.0.1:%d" % port, text)
    text = re.sub(r"\n\s*smtp_auth_[a-z_]+: [^\n]*", "", text)
    text = text.replace("smtp_require_tls: true", "smtp_require_tls: false")
    cfg = os.path.join(h.new_tmpdir("first-email"), "vigia.yml")
    with open(cfg, "w") as f:
        f.write(text)
    r = h.run([h.VIGIA_BINARY, "notify", "test", "ops", "--config.file=" + cfg], timeout=60)
    c.check(r.returncode == 0, "vigia notify test ops sends the getting-started mail", r.stdout + r.stderr)
    mails = h.wait_for(lambda: glob.glob(os.path.join(d, "*.eml")), 20, "the mail on the SMTP server")
    body = open(mails[0]).read()
    c.contains(body, "To: ops@example.org", "the mail reached the SMTP server, to ops@example.org")


if __name__ == "__main__":
    h.main("docs/configuration.md: every key, every flag, working examples", body)

#!/usr/bin/env python3
"""The backups area through the binary: a dump directory with files of chosen
mtimes, gzip files written by Python's gzip module (complete, then one cut
short, then one too large to inflate whole, cut and complete), served on
/metrics as vigia_backup_*{name}; a bad key is a config error with its
file:line:column."""

import gzip
import os
import random
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import harness as h  # noqa: E402
from harness import find, one  # noqa: E402


def dump(n, seed):
    rng = random.Random(seed)
    return "".join("INSERT INTO orders VALUES (%d, 'customer-%d', %d.%02d);\n" % (
        rng.randrange(100000), rng.randrange(5000), rng.randrange(1000), rng.randrange(100))
        for _ in range(n)).encode()


def write(path, data, mtime):
    with open(path, "wb") as f:
        f.write(data)
    os.utime(path, (mtime, mtime))


def body(c):
    d = h.new_tmpdir("dumps")
    now = time.time()
    small = gzip.compress(dump(2000, 1))
    write(os.path.join(d, "app-1.sql.gz"), small, now - 3 * 86400)
    write(os.path.join(d, "app-2.sql.gz"), small, now - 2 * 86400)
    write(os.path.join(d, "other.txt"), b"x", now)
    config = h.service_yaml({"backups": [
        {"name": "pg", "path": d, "pattern": "app-*.sql.gz", "max_age": "26h"},
        {"name": "none", "path": d, "pattern": "nothing-*", "max_age": "1h"},
    ]})
    vigia = h.Vigia(config=config, collectors=["backup"])
    s = vigia.scrape()
    assert one(s, "vigia_backup_files", name="pg") == 2
    assert one(s, "vigia_backup_total_size_bytes", name="pg") == 2 * len(small)
    assert one(s, "vigia_backup_newest_size_bytes", name="pg") == len(small)
    assert abs(one(s, "vigia_backup_newest_mtime_seconds", name="pg") - (now - 2 * 86400)) < 1
    age = one(s, "vigia_backup_newest_age_seconds", name="pg")
    assert 2 * 86400 - 1 <= age <= 2 * 86400 + 120, age
    assert one(s, "vigia_backup_newest_gzip_complete", name="pg") == 1
    assert one(s, "vigia_backup_max_age_seconds", name="pg") == 26 * 3600
    assert one(s, "vigia_backup_files", name="none") == 0
    assert not find(s, "vigia_backup_newest_age_seconds", name="none")
    c.passed("files, sizes, newest mtime and age, a complete gzip, an empty match")

    big = gzip.compress(dump(200000, 2))  # several MiB: checked from its last 128 KiB
    assert len(big) > 1 << 20, len(big)
    write(os.path.join(d, "app-3.sql.gz"), big[:len(big) // 2], now - 60)
    s = vigia.scrape()
    assert one(s, "vigia_backup_files", name="pg") == 3
    assert one(s, "vigia_backup_newest_gzip_complete", name="pg") == 0
    write(os.path.join(d, "app-3.sql.gz"), big, now - 30)
    s = vigia.scrape()
    assert one(s, "vigia_backup_newest_gzip_complete", name="pg") == 1
    assert one(s, "vigia_backup_newest_size_bytes", name="pg") == len(big)
    write(os.path.join(d, "app-4.sql.gz"), small[:-3], now)
    s = vigia.scrape()
    assert one(s, "vigia_backup_newest_gzip_complete", name="pg") == 0
    c.passed("a %d-byte dump cut in half, then complete; a small one cut short" % len(big))

    bad = os.path.join(h.new_tmpdir("cfg"), "vigia.yml")
    with open(bad, "w") as f:
        f.write("backups:\n  - name: pg\n    path: /x\n    max_age: 1h\n    patern: '*.gz'\n")
    r = h.run([h.VIGIA_BINARY, "check", "config", "--config.file=" + bad])
    assert r.returncode != 0 and "vigia.yml:5:5: unknown key 'patern' in backups[0]" in r.stdout + r.stderr, \
        (r.returncode, r.stdout, r.stderr)
    c.passed("a bad key: file:line:column")


if __name__ == "__main__":
    h.main("backups", body)

#!/usr/bin/env python3
"""Writes the list of metric names a community Grafana dashboard queries, for
tests/fixtures/community/<name>.names (the dashboards' JSON is not committed: their
licenses are their authors'; the names are facts about the metrics they read).

    community_names.py DASHBOARD.json REPO PATH COMMIT TITLE > tests/fixtures/community/NAME.names

Names are read with tests/tools/metric_lint.py's dashboard reader (every "expr" and every
query variable), so the lists and the lint agree on what a name is. To refresh a list,
fetch the file at a newer commit (git show COMMIT:PATH) and run this again."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import metric_lint  # noqa: E402


def main(argv):
    if len(argv) != 6:
        print(__doc__.strip())
        return 2
    path, repo, src, commit, title = argv[1:]
    names = set()
    for _, ns in metric_lint.dashboard_exprs(path):
        names.update(ns)
    print("# Metric names queried by the community dashboard \"%s\"" % title)
    print("# source: https://github.com/%s/blob/%s/%s" % (repo, commit, src))
    print("# extracted by tests/tools/community_names.py (metric_lint's reader); one name a line")
    for n in sorted(names):
        print(n)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

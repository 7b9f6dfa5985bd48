#!/usr/bin/env python3
"""Every dashboards/*.json type-checked against Grafana's own schema types: the `Dashboard`
type of the npm package @grafana/schema (versions pinned in tests/schema/package.json and
package-lock.json), compiled by TypeScript with `tsc --noEmit --strict`. Each dashboard
becomes a .ts file `const d: Dashboard = <the JSON>;` (object literals get TypeScript's
excess-property checks: a misspelt or unknown key fails); each panel's `options` and
`fieldConfig.defaults.custom`, loosely typed in `Panel`, are checked too against the
panel plugin's own types (TimeSeries, Stat, Gauge, BarGauge, Table, StateTimeline, Text).
A broken copy (an unknown key, a wrong type) must fail, so the check is known to look.

The packages live in VIGIA_NPM_DIR (default ~/.cache/vigia/npm), installed by
scripts/install-deps.sh (`npm ci`); when they are missing or older than the lock file this
test runs `npm ci` itself; without node/npm or the registry it exits 77."""
import filecmp
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import harness as h  # noqa: E402
import grafana as g  # noqa: E402

PINS = os.path.join(h.SOURCE_DIR, "tests", "schema")
NPM_DIR = os.environ.get("VIGIA_NPM_DIR", os.path.join(os.path.expanduser("~"), ".cache", "vigia", "npm"))
COMPOSABLE = "@grafana/schema/dist/esm/raw/composable/"
PANEL_TYPES = {  # panel type -> (module, has a FieldConfig type)
    "timeseries": ("timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen", True),
    "stat": ("stat/panelcfg/x/StatPanelCfg_types.gen", False),
    "gauge": ("gauge/panelcfg/x/GaugePanelCfg_types.gen", False),
    "bargauge": ("bargauge/panelcfg/x/BarGaugePanelCfg_types.gen", False),
    "table": ("table/panelcfg/x/TablePanelCfg_types.gen", True),
    "state-timeline": ("statetimeline/panelcfg/x/StateTimelinePanelCfg_types.gen", True),
    "text": ("text/panelcfg/x/TextPanelCfg_types.gen", False),
}


# The types as JSON can meet them: a TypeScript string enum is nominal (the JSON text
# "absolute" is not assignable to ThresholdsMode.Absolute), so each string enum becomes the
# union of its values (`${E}`); numeric enums accept numbers as they are. Everything else,
# required keys and excess-property checks included, is kept. A panel plugin's options and
# custom field config are checked Loose: every key optional at every depth (the generated
# types make each option with a default required, and Grafana fills those defaults in when
# it loads the panel), known keys and value types still checked, unknown keys still errors.
JSONIFY = """type Json<T> = T extends string ? `${T}`
  : T extends number | boolean | null | undefined ? T
  : T extends Array<infer U> ? Array<Json<U>>
  : T extends object ? {[K in keyof T]: Json<T[K]>}
  : T;
type Loose<T> = T extends string ? `${T}`
  : T extends number | boolean | null | undefined ? T
  : T extends Array<infer U> ? Array<Loose<U>>
  : T extends object ? {[K in keyof T]?: Loose<T[K]>}
  : T;"""


# Two places where the schema types of 11.3 are stricter than the JSON model Grafana itself
# writes and that issue #14's conventions prescribe (/work/notes/H14.md): a dashboard link's
# icon, tooltip and targetBlank are required in the type (Grafana fills them in: '' and
# false), and a query variable's `definition` (which Grafana's own export writes) is not in
# VariableModel; a variable's `current` may be {} (Grafana writes it so for a datasource
# variable saved without a selection); a table's footer.fields is "" in Grafana's own exports
# (the type says string[]). Only these are relaxed; every other key keeps the schema's checks.
RELAXED = """type RelaxedKeys = 'icon' | 'tooltip' | 'targetBlank';
type Link = Omit<Json<DashboardLink>, RelaxedKeys> & Partial<Pick<Json<DashboardLink>, RelaxedKeys>>;
type Variable = Omit<Json<VariableModel>, 'current'> & {definition?: string;
  current?: Partial<NonNullable<Json<VariableModel>['current']>>};
type Board = Omit<Json<Dashboard>, 'links' | 'templating'> & {links?: Link[]; templating?: {list?: Variable[]}};"""


def ensure_packages():
    """The npm directory with node_modules matching the pinned lock file."""
    h.need("node", "npm")
    lock = os.path.join(PINS, "package-lock.json")
    have = os.path.join(NPM_DIR, "package-lock.json")
    tsc = os.path.join(NPM_DIR, "node_modules", "typescript", "bin", "tsc")
    if os.path.exists(tsc) and os.path.exists(have) and filecmp.cmp(lock, have, shallow=False):
        return tsc
    os.makedirs(NPM_DIR, exist_ok=True)
    for f in ("package.json", "package-lock.json"):
        shutil.copy(os.path.join(PINS, f), os.path.join(NPM_DIR, f))
    r = h.run(["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"], timeout=300, cwd=NPM_DIR)
    if r.returncode != 0 or not os.path.exists(tsc):
        raise h.Skip("npm ci of tests/schema/package-lock.json failed (registry unreachable?): %s"
                     % (r.stdout + r.stderr)[-600:])
    return tsc


def ts_source(d):
    """The TypeScript text checking one dashboard."""
    imports = ["import {Dashboard, DashboardLink, VariableModel} from '@grafana/schema';"]
    body = [JSONIFY, RELAXED, "const dashboard: Board = %s;" % json.dumps(d, indent=1), "export default dashboard;"]
    used = set()
    for i, p in enumerate(g.panels(d)):
        kind = p.get("type")
        if kind not in PANEL_TYPES:
            continue
        mod, has_fc = PANEL_TYPES[kind]
        alias = kind.replace("-", "_")
        if alias not in used:
            imports.append("import * as %s from '%s%s';" % (alias, COMPOSABLE, mod))
            used.add(alias)
        where = "panel %d %s" % (p.get("id", i), json.dumps(p.get("title", "")))
        body.append("// %s" % where)
        opt_type = "Loose<%s.Options>" % alias
        if kind == "table":
            opt_type = ("Omit<Loose<table.Options>, 'footer'> & {footer?: Omit<Loose<NonNullable<table.Options"
                        "['footer']>>, 'fields'> & {fields?: string | string[]}}")
        body.append("export const options_%d: %s = %s;" % (i, opt_type, json.dumps(p.get("options", {}))))
        custom = ((p.get("fieldConfig") or {}).get("defaults") or {}).get("custom")
        if has_fc and custom is not None:
            body.append("export const custom_%d: Loose<%s.FieldConfig> = %s;" % (i, alias, json.dumps(custom)))
    return "\n".join(imports + body) + "\n"


def tsc_check(tsc, sources):
    """{file: compiler output} of the files that fail (one tsc run for all of them)."""
    work = os.path.join(NPM_DIR, "check-%d" % os.getpid())
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    try:
        paths = []
        for name, text in sources.items():
            p = os.path.join(work, name + ".ts")
            with open(p, "w") as f:
                f.write(text)
            paths.append(p)
        r = h.run(["node", tsc, "--noEmit", "--strict", "--skipLibCheck", "--target", "es2020", "--module",
                   "commonjs", "--moduleResolution", "node", "--pretty", "false"] + paths, timeout=240, cwd=work)
        out = r.stdout + r.stderr
        if r.returncode not in (0, 1, 2):
            raise h.HarnessError("tsc exited %d: %s" % (r.returncode, out[-800:]))
        errors = {}
        for line in out.splitlines():
            for name in sources:
                if line.startswith(name + ".ts("):
                    errors.setdefault(name, []).append(line)
        if r.returncode != 0 and not errors:
            raise h.HarnessError("tsc failed without a dashboard error: %s" % out[-800:])
        return errors
    finally:
        shutil.rmtree(work, ignore_errors=True)


def body(c):
    files = g.dashboard_files()
    c.check(files, "dashboards/*.json exist (%d)" % len(files))
    if not files:
        return
    tsc = ensure_packages()
    with open(os.path.join(NPM_DIR, "node_modules", "@grafana", "schema", "package.json")) as f:
        schema_version = json.load(f)["version"]
    with open(os.path.join(NPM_DIR, "node_modules", "typescript", "package.json")) as f:
        ts_version = json.load(f)["version"]
    c.note("@grafana/schema %s, typescript %s" % (schema_version, ts_version))
    sources = {}
    for path in files:
        sources[os.path.splitext(os.path.basename(path))[0]] = ts_source(g.load(path))
    # Broken copies: an unknown dashboard key, a panel option of the wrong type.
    base = g.load(files[0])
    bad_key = dict(base, refreshh="30s")
    bad_type = json.loads(json.dumps(base))
    for p in g.panels(bad_type):
        if p.get("type") in ("timeseries", "stat", "gauge", "table", "state-timeline", "bargauge"):
            p.setdefault("options", {})["reduceOptions" if p["type"] in ("stat", "gauge", "bargauge")
                                       else "tooltip"] = {"calcs": "lastNotNull", "mode": 3}
            break
    bad_opt = json.loads(json.dumps(base))
    for p in g.panels(bad_opt):
        if p.get("type") in PANEL_TYPES:
            p.setdefault("options", {})["no_such_option"] = True
            break
    sources["zz_broken_option"] = ts_source(bad_opt)
    sources["zz_broken_key"] = ts_source(bad_key)
    sources["zz_broken_type"] = ts_source(bad_type)
    errors = tsc_check(tsc, sources)
    for name in sorted(sources):
        if name.startswith("zz_broken"):
            continue
        c.check(name not in errors, "%s.json type-checks as @grafana/schema's Dashboard (and its panels' options)"
                % name, "\n".join(errors.get(name, [])[:10]))
    c.check("zz_broken_key" in errors, "an unknown dashboard key fails the type check",
            repr(errors.get("zz_broken_key")))
    c.check("zz_broken_option" in errors, "an unknown panel option fails the type check",
            repr(errors.get("zz_broken_option")))
    c.check("zz_broken_type" in errors, "a panel option of the wrong type fails the type check",
            repr(errors.get("zz_broken_type")))


if __name__ == "__main__":
    h.main("dashboards type-checked against @grafana/schema", body)

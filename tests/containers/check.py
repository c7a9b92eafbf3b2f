#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""check.py: the containers suite (run by tests/containers.sh), TAP on stdout.

Owns every check of the container material that needs no Docker engine:
  - docker-compose.yml through Debian's docker-compose (`config`), and what
    it must say: published ports, networks, health checks, depends_on
    conditions, restart policies, limits, hardening, pinned images;
  - docker/Dockerfile against the native build: its build stage's packages
    are scripts/deps.sh's, its runtime packages carry every library bin/kore
    and the modules need, and its build stage builds from exactly the files
    it copies;
  - the environment variables the services read, derived from their sources
    (getenv calls, the tracing library's table, the Kore configurations'
    placeholders, scripts/env.sh), each present in docker-compose.yml,
    .env.example and docs/configuration.md's table, and every variable of
    .env.example documented there, once in all of docs/;
  - the production Kore configurations run for real by bin/kore through
    docker/entrypoint.sh, as root with privilege separation and chroot on,
    against a private PostgreSQL set up by docker/db-init.sh, a fake DNS
    server (names resolved inside the chroot, as Docker's DNS would) and a
    fake OTLP collector: start, module, workers' user, chroot and seccomp,
    readiness, one order, spans, fault files, and the limits documented in
    docs/containers.md.
"""

import glob
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(TOP, "tests", "e2e"))
from tap import ok, skip, run  # noqa: E402

import yaml  # python3-yaml, a dependency of Debian's docker-compose  # noqa: E402

SERVICES = ["api-gateway", "inventory-service", "order-service",
            "notification-service"]
# The services that are not ours (no Kore, no module) in docker-compose.yml.
PUBLISHED = {"api-gateway": 8080, "jaeger": 16686, "mailpit": 8025}


def path(*p):
    return os.path.join(TOP, *p)


def read(*p):
    with open(path(*p)) as f:
        return f.read()


def sh(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


# --- docker-compose.yml ----------------------------------------------------

_configs = {}


def compose_config(env_file):
    """docker-compose's own view of the file: anchors merged, variables
    interpolated from env_file only (never the developer's .env)."""
    if env_file not in _configs:
        env = {k: v for k, v in os.environ.items()
               if k in ("PATH", "HOME", "LANG", "LC_ALL")}
        r = sh(["docker-compose", "--project-directory", TOP, "-f",
                path("docker-compose.yml"), "--env-file", env_file, "config"],
               env=env, cwd=TOP)
        _configs[env_file] = (r, yaml.safe_load(r.stdout) if r.returncode == 0 else None)
    return _configs[env_file]


# docker-compose.yml has no default for the four secrets: the "defaults
# only" view gives those four (test values) and nothing else.
EMPTY_ENV = None
SECRETS = {"SERVICE_AUTH_KEY": "inventory-service=ct:ct-secret-inventory-0123456789,"
                               "order-service=ct:ct-secret-order-0123456789,"
                               "notification-service=ct:ct-secret-notification-0123456789",
           "SERVICE_AUTH_ACCEPT_INVENTORY_SERVICE": "api-gateway/ct:ct-secret-inventory-0123456789",
           "SERVICE_AUTH_ACCEPT_ORDER_SERVICE": "api-gateway/ct:ct-secret-order-0123456789",
           "SERVICE_AUTH_ACCEPT_NOTIFICATION_SERVICE": "api-gateway/ct:ct-secret-notification-0123456789",
           "DB_PASSWORD": "ct-app-password", "PG_SUPERUSER_PASSWORD": "ct-super-password"}


def cfg_defaults():
    return compose_config(EMPTY_ENV)[1]


def t_compose_config():
    r, c = compose_config(EMPTY_ENV)
    ok(r.returncode == 0 and c is not None,
       "docker-compose config accepts docker-compose.yml (defaults and the four secrets)",
       r.stderr)
    r0, _ = compose_config(path(".env.example"))
    ok(r0.returncode != 0 and "scripts/secrets.sh" in r0.stderr,
       "docker-compose config refuses .env.example alone: no key or password has a default, "
       "and the error says how to make them", r0.stderr[-300:])
    d = tempfile.mkdtemp(prefix="ct-secrets-")
    gen = os.path.join(d, "env")
    p = sh([path("scripts", "secrets.sh"), gen], cwd=TOP)
    mode = os.stat(gen).st_mode & 0o777 if os.path.exists(gen) else None
    r2, c2 = compose_config(gen)
    text = open(gen).read() if os.path.exists(gen) else ""
    again = sh([path("scripts", "secrets.sh"), gen], cwd=TOP)
    shutil.rmtree(d, ignore_errors=True)
    ok(p.returncode == 0 and mode == 0o600 and r2.returncode == 0 and c2 is not None and
       again.returncode != 0,
       "scripts/secrets.sh writes a .env (mode 0600) that docker-compose accepts, and will not "
       "overwrite it", (p.stderr, oct(mode or 0), r2.stderr[-300:], again.returncode))
    if c2 is None:
        return
    dump = json.dumps(c2)
    olds = ["tracing-dev", "tracing-admin-dev", "development-only-key"]
    ok(not any(o in dump or o in read(".env.example") or o in read("docker-compose.yml") for o in olds),
       "no shared default password or key is left in docker-compose.yml, .env.example or the "
       "configuration", [o for o in olds if o in dump])
    sos = glob.glob(path("bin", "*.so"))
    baked = [so for so in sos if b"password=" in open(so, "rb").read()]
    ok(sos and not baked, "no password is compiled into any service module (%d)" % len(sos), baked)
    env = c2["services"]["api-gateway"]["environment"]
    want = {"INVENTORY_URL": "http://inventory-service:8081",
            "ORDER_URL": "http://order-service:8082",
            "NOTIFICATION_URL": "http://notification-service:8083",
            "DB_HOST": "postgres", "DB_PORT": "5432", "BIND_HOST": "0.0.0.0",
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://jaeger:4318",
            "MAILDIR": "/maildir", "FAULTS_DIR": "/faults", "RUN_DIR": "/run/kore"}
    bad = {k: env.get(k) for k, v in want.items() if str(env.get(k)) != v}
    ok(not bad, "the native addresses of .env.example do not leak into the "
       "containers (URLs, DB_HOST, OTLP endpoint, paths)", bad)


def port_list(svc):
    out = []
    for p in svc.get("ports", []) or []:
        if isinstance(p, dict):
            out.append((p.get("host_ip", ""), int(p["published"]), int(p["target"])))
        else:
            parts = str(p).split(":")
            host = parts[0] if len(parts) == 3 else ""
            out.append((host, int(parts[-2]), int(parts[-1].split("/")[0])))
    return out


def t_compose_ports_networks():
    c = cfg_defaults()
    if c is None:
        ok(False, "compose: published ports (no configuration)")
        return
    published = {name: port_list(s) for name, s in c["services"].items()
                 if port_list(s)}
    want = {n: [("127.0.0.1", p, p)] for n, p in PUBLISHED.items()}
    ok(published == want, "only the gateway (8080), the Jaeger UI (16686) and "
       "the mail UI (8025) are published, on 127.0.0.1 by default", published)
    nets = c.get("networks", {})
    ok(nets.get("internal", {}).get("internal") is True,
       "the internal network has no route out (internal: true)", nets)
    wrong = {}
    for name, s in c["services"].items():
        n = s.get("networks", {})
        n = set(n) if not isinstance(n, list) else set(n)
        if name in PUBLISHED:
            if n != {"internal", "edge"}:
                wrong[name] = sorted(n)
        elif n != {"internal"}:
            wrong[name] = sorted(n)
    ok(not wrong, "every unpublished service sits on the internal network only",
       wrong)


def t_compose_health_depends():
    c = cfg_defaults()
    if c is None:
        ok(False, "compose: health checks (no configuration)")
        return
    svcs = c["services"]
    jobs = {n for n, s in svcs.items() if str(s.get("restart", "")) in ("no", "'no'")}
    ok(jobs == {"db-init"}, "db-init is the only one-shot job (restart: \"no\")",
       sorted(jobs))
    missing = [n for n, s in svcs.items() if n not in jobs and
               (not s.get("healthcheck") or s["healthcheck"].get("disable")
                or not s["healthcheck"].get("test"))]
    ok(not missing, "every long-running service has a health check", missing)
    bad = []
    for n, s in svcs.items():
        deps = s.get("depends_on", {})
        if isinstance(deps, list):
            bad.append("%s: depends_on without conditions" % n)
            continue
        for d, cond in deps.items():
            want = ("service_completed_successfully" if d in jobs
                    else "service_healthy")
            if cond.get("condition") != want:
                bad.append("%s -> %s: %s" % (n, d, cond.get("condition")))
    for s in SERVICES:
        if not svcs.get(s, {}).get("depends_on"):
            bad.append("%s depends on nothing" % s)
    gw = set(svcs["api-gateway"].get("depends_on", {}))
    if not {"inventory-service", "order-service", "notification-service",
            "db-init", "jaeger"} <= gw:
        bad.append("api-gateway waits only for %s" % sorted(gw))
    ok(not bad, "depends_on: service_healthy everywhere "
       "(service_completed_successfully for db-init)", bad)
    bad = [n for n, s in svcs.items() if n not in jobs and
           s.get("restart") not in ("unless-stopped", "always")]
    ok(not bad, "every long-running service has a restart policy", bad)
    bad = [n for n, s in svcs.items()
           if not (s.get("mem_limit") and s.get("cpus") and s.get("pids_limit"))]
    ok(not bad, "every service has memory, CPU and process limits", bad)


def t_compose_hardening():
    c = cfg_defaults()
    if c is None:
        ok(False, "compose: hardening (no configuration)")
        return
    allowed = {"CHOWN", "SETUID", "SETGID", "SYS_CHROOT", "KILL"}
    bad = []
    for n in SERVICES:
        s = c["services"][n]
        if s.get("read_only") is not True:
            bad.append("%s: not read_only" % n)
        if s.get("cap_drop") != ["ALL"]:
            bad.append("%s: cap_drop %s" % (n, s.get("cap_drop")))
        if not set(s.get("cap_add", [])) <= allowed:
            bad.append("%s: cap_add %s" % (n, s.get("cap_add")))
        if "no-new-privileges:true" not in s.get("security_opt", []):
            bad.append("%s: no no-new-privileges" % n)
        if any("seccomp" in o for o in s.get("security_opt", [])):
            bad.append("%s: changes the seccomp profile" % n)
        if s.get("privileged"):
            bad.append("%s: privileged" % n)
        if s.get("init") is not True:
            bad.append("%s: no init" % n)
        if s.get("build", {}).get("args", {}).get("SERVICE") != n:
            bad.append("%s: not built with SERVICE=%s" % (n, n))
        hc = " ".join(s.get("healthcheck", {}).get("test", []))
        if "entrypoint.sh health" not in hc:
            bad.append("%s: health check %r" % (n, hc))
    ok(not bad, "the Kore services: read-only, only the capabilities privsep "
       "needs, no-new-privileges, default seccomp profile, init, own image", bad)


def jaeger_v2_version():
    gomod = read("jaeger", "go.mod")
    m = re.search(r"github\.com/jaegertracing/jaeger (v[0-9.]+)", gomod)
    if not m:
        return None, "jaeger/go.mod pins no github.com/jaegertracing/jaeger"
    r = sh(["go", "env", "GOMODCACHE"]) if shutil.which("go") else None
    cache = r.stdout.strip() if r and r.returncode == 0 else ""
    log = os.path.join(cache, "github.com", "jaegertracing",
                       "jaeger@" + m.group(1), "CHANGELOG.md")
    if not os.path.exists(log):
        return None, "module %s not in the Go module cache" % m.group(1)
    v2 = re.search(re.escape(m.group(1)) + r" / v(2\.[0-9.]+)", open(log).read())
    return (v2.group(1) if v2 else None), "no v2 line for %s" % m.group(1)


def t_compose_images():
    c = cfg_defaults()
    if c is None:
        ok(False, "compose: images (no configuration)")
        return
    svcs = c["services"]
    v2, why = jaeger_v2_version()
    if v2 is None:
        skip("Jaeger's image is the version jaeger/go.mod pins", why)
    else:
        ok(svcs["jaeger"]["image"] == "jaegertracing/jaeger:" + v2,
           "Jaeger's image is jaegertracing/jaeger:%s, the version jaeger/go.mod "
           "pins" % v2, svcs["jaeger"]["image"])
    r = sh(["psql", "--version"])
    major = re.search(r" (\d+)\.\d+", r.stdout)
    pg = [svcs[n]["image"] for n in ("postgres", "db-init")]
    good = major and all(re.fullmatch(r"postgres:%s\.\d+-bookworm" % major.group(1), i)
                         for i in pg)
    ok(bool(good), "PostgreSQL is pinned to the Debian 12 major version (%s.x-bookworm)"
       % (major.group(1) if major else "?"), pg)
    ok(re.fullmatch(r"axllent/mailpit:v\d+\.\d+\.\d+", svcs["mailpit"]["image"])
       is not None, "Mailpit is pinned to an exact release",
       svcs["mailpit"]["image"])
    bad = [n for n, s in svcs.items() if "build" not in s and
           (":" not in s.get("image", "") or s["image"].endswith(":latest"))]
    ok(not bad, "no pulled image is unpinned", bad)
    j = svcs["jaeger"]
    cmd = " ".join(j.get("command", []))
    mounts = [v if isinstance(v, str) else "%s:%s" % (v.get("source"), v.get("target"))
              for v in j.get("volumes", [])]
    ok("/etc/jaeger/memory.yaml" in cmd and
       any(m.endswith("conf/jaeger.yaml:/etc/jaeger/memory.yaml:ro") or
           ("conf/jaeger.yaml" in m and "/etc/jaeger/memory.yaml" in m) for m in mounts),
       "Jaeger runs conf/jaeger.yaml, the native configuration", [cmd, mounts])


# --- docker/Dockerfile -----------------------------------------------------

def dockerfile_stages():
    text = read("docker", "Dockerfile").replace("\\\n", " ")
    stages, cur = {}, None
    args = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        word = line.split()[0].upper()
        if word == "ARG" and cur is None:
            k, _, v = line.split(None, 1)[1].partition("=")
            args[k] = v
        if word == "FROM":
            m = re.match(r"FROM\s+(\S+)(?:\s+AS\s+(\S+))?", line, re.I)
            cur = m.group(2) or str(len(stages))
            stages[cur] = {"from": m.group(1), "lines": []}
        elif cur is not None:
            stages[cur]["lines"].append(line)
    return args, stages


def apt_packages(stage):
    pk = []
    for line in stage["lines"]:
        for m in re.finditer(r"apt-get install ([^&;]+)", line):
            pk += [w for w in m.group(1).split() if not w.startswith("-")]
    return pk


def deps_packages():
    m = re.search(r"pkgs=\(([^)]*)\)", read("scripts", "deps.sh"))
    return m.group(1).split()


def needed_packages():
    """Debian packages of the libraries bin/kore and the modules link."""
    libs, pk = set(), {}
    for f in [path("bin", "kore")] + [path("bin", s + ".so") for s in SERVICES]:
        r = sh(["objdump", "-p", f])
        libs |= set(re.findall(r"NEEDED\s+(\S+)", r.stdout))
    for lib in sorted(libs):
        r = sh(["dpkg", "-S", "*/" + lib])
        owners = [l.split(":")[0] for l in r.stdout.splitlines()
                  if not l.split(":")[0].endswith("-dev")]
        pk[lib] = owners[0] if owners else None
    return pk


def t_dockerfile():
    args, st = dockerfile_stages()
    deb = open("/etc/debian_version").read().strip()
    ver = args.get("DEBIAN_VERSION", "")
    ok(ver.split(".")[0] == deb.split(".")[0] and re.fullmatch(r"\d+\.\d+", ver),
       "the images build on Debian %s like our machines (DEBIAN_VERSION=%s, "
       "an exact point release)" % (deb.split(".")[0], ver), args)
    ok(set(st) == {"protos", "build", "runtime"} and
       st["build"]["from"] == "debian:${DEBIAN_VERSION}" and
       st["runtime"]["from"] == "debian:${DEBIAN_VERSION}-slim",
       "multi-stage: protos and build on debian, runtime on debian-slim",
       {k: v["from"] for k, v in st.items()})
    deps = set(deps_packages())
    build = apt_packages(st.get("build", {"lines": []}))
    ok(build and set(build) <= deps, "the build stage installs only packages of "
       "scripts/deps.sh (%d)" % len(build), sorted(set(build) - deps))
    need = ["kore", "build-essential", "libcurl4-openssl-dev", "libpq-dev",
            "libjansson-dev", "libprotobuf-c-dev", "protobuf-c-compiler",
            "libyaml-dev"]
    ok(set(need) <= set(build), "the build stage has kore's source and every "
       "-dev package the native build uses", sorted(set(need) - set(build)))
    text = "\n".join(st["build"]["lines"])
    ok("make kore services" in text and "build-kore.sh" in text,
       "the build stage runs the native targets (make kore services, "
       "scripts/build-kore.sh with CURL=1 PGSQL=1 TASKS=1)",
       text)
    kv = subprocess.run([os.path.join(TOP, "bin", "kore"), "-v"], capture_output=True, text=True)
    feats = kv.stdout.split()
    ok(kv.returncode == 0 and {"pgsql", "tasks"} <= set(feats) and any(f.startswith("curl-") for f in feats),
       "scripts/build-kore.sh built kore with curl, pgsql and tasks (kore -v: %s)" % kv.stdout.strip(), kv.stderr)
    runtime = apt_packages(st["runtime"])
    pk = needed_packages()
    essential = {"libc6"}  # every Debian image: Essential packages need it
    missing = {lib: p for lib, p in pk.items()
               if p is None or (p not in runtime and p not in essential)}
    ok(pk and not missing, "the runtime image installs the package of every "
       "library bin/kore and the modules link (%s)" %
       ", ".join(sorted(set(p for p in pk.values() if p))), missing)
    heavy = [p for p in runtime if p.endswith("-dev") or p in
             ("build-essential", "kore", "gcc", "make", "npm")]
    ok(runtime and not heavy, "the runtime image carries no build tools",
       heavy)
    rt = "\n".join(st["runtime"]["lines"])
    ok(re.search(r'ENTRYPOINT \["/opt/tracing-ref/docker/entrypoint.sh"\]', rt)
       and "HEALTHCHECK" in rt and "USER root" not in rt and
       re.search(r"useradd .*--uid 10001 .*kore", rt),
       "runtime: exec-form entrypoint, health check, the unprivileged user kore")
    ok(os.access(path("docker", "entrypoint.sh"), os.X_OK) and
       os.access(path("docker", "db-init.sh"), os.X_OK),
       "docker/entrypoint.sh and docker/db-init.sh are executable")
    ign = read(".dockerignore").split()
    ok({".env", ".run", "bin", "build", ".git"} <= set(ign),
       ".dockerignore keeps .env, .run, bin, build and .git out of the images",
       ign)


def t_dockerfile_build_stage():
    """Replays the build stage's COPY lines into an empty directory and runs
    its make there: the image builds from exactly what it copies."""
    _, st = dockerfile_stages()
    proto = path("build", "tracing", "proto")
    if not os.path.isdir(proto):
        skip("the build stage builds from the files it copies",
             "no OTLP protos fetched yet (build/tracing/proto)")
        return
    tmp = tempfile.mkdtemp(prefix="ct-build-")
    try:
        make = None
        for line in st["build"]["lines"]:
            m = re.match(r"COPY\s+(--from=(\S+)\s+)?(.+)", line)
            if m:
                words = m.group(3).split()
                srcs, dest = words[:-1], words[-1]
                for s in srcs:
                    src = proto if m.group(2) == "protos" else path(s.rstrip("/"))
                    d = os.path.join(tmp, dest)
                    if os.path.isdir(src):
                        shutil.copytree(src, d if dest.endswith("/") and s.endswith("/")
                                        else os.path.join(d, os.path.basename(src)),
                                        dirs_exist_ok=True,
                                        ignore=shutil.ignore_patterns("__pycache__"))
                    else:
                        target = os.path.join(d, os.path.basename(s)) if dest.endswith("/") else d
                        os.makedirs(os.path.dirname(target), exist_ok=True)
                        shutil.copy2(src, target)
            m = re.match(r"RUN (make [a-z ]+?)\s*&&", line)
            if m:
                make = m.group(1).split()
        r = sh(make + ["-s", "-j%d" % (os.cpu_count() or 2)], cwd=tmp)
        mods = [s for s in SERVICES if not os.path.exists(os.path.join(tmp, "bin", s + ".so"))]
        v = sh([os.path.join(tmp, "bin", "kore"), "-v"]) if r.returncode == 0 else r
        ok(r.returncode == 0 and not mods and
           all(f in v.stdout for f in ("curl", "pgsql", "tasks")),
           "the build stage builds kore (curl, pgsql, tasks) and the four "
           "modules from exactly the files it copies (%s)" % " ".join(make or []),
           (r.stderr[-2000:] or "") + " missing: %s" % mods)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# --- environment variables -------------------------------------------------

ENV_CALL = re.compile(r'\b(?:getenv|svc_env_str|svc_env_int|svc_env_double)'
                      r'\(\s*"([A-Z][A-Z0-9_]*)"')
ENV_FMT = re.compile(r'"([A-Z][A-Z0-9_]*_)%s"\s*,\s*svc_(?:service|name\(\))')
TRACING_TABLE = re.compile(r'\{\s*"([A-Z][A-Z0-9_]*)",\s*set_\w+\s*\}')
PLACEHOLDER = re.compile(r"\$\{([A-Za-z_]\w*)\}")


def env_internal():
    """What scripts/env.sh derives from the checkout's location (TOP, BIN):
    paths of this checkout or of the image, not settings."""
    return set(re.findall(r'\b([A-Z][A-Z0-9_]*)="\$top', read("scripts", "env.sh")))


def service_vars(svc):
    """Every variable one service reads, from its sources."""
    files = glob.glob(path("kore-apps", "common", "*.c")) + \
        glob.glob(path("kore-apps", svc, "src", "*.c"))
    name = None
    out = set()
    for f in files:
        s = open(f).read()
        out |= set(ENV_CALL.findall(s))
        m = re.search(r'svc_init\("([a-z0-9-]+)"', s)
        if m and "/%s/" % svc in f:
            name = m.group(1)
    for f in files:
        for prefix in ENV_FMT.findall(open(f).read()):
            out.add(prefix + name.upper().replace("-", "_"))
    for f in glob.glob(path("tracing", "src", "*.c")):
        s = open(f).read()
        out |= set(TRACING_TABLE.findall(s)) | set(ENV_CALL.findall(s))
    for f in glob.glob(path("kore-apps", svc, "conf", "*.conf")):
        out |= set(PLACEHOLDER.findall(open(f).read()))
    return out - env_internal()


def envsh_vars():
    s = read("scripts", "env.sh")
    names = set(re.findall(r"\$\{?([A-Z][A-Z0-9_]*)", s))
    return {n for n in names if not n.startswith("BASH")} - env_internal()


def dotenv_names():
    return set(re.findall(r"^([A-Z_][A-Z0-9_]*)=", read(".env.example"), re.M))


CONFIG_DOC = "docs/configuration.md"


VAR_CELL = re.compile(r"`[A-Z][A-Z0-9_]*`(\s*,\s*`[A-Z][A-Z0-9_]*`)*")


def table_names(text):
    """The variables a Markdown text documents in its tables: a row whose
    first cell is nothing but variable names (`A`, `B`) documents them
    (a cell such as "body over `ORDER_BODY_MAX`" only names one);
    {name: number of rows documenting it}."""
    names = {}
    fence = False
    for l in text.splitlines():
        if l.lstrip().startswith("```"):
            fence = not fence
        if fence or not l.startswith("|"):
            continue
        first = l.split("|")[1].strip()
        if not VAR_CELL.fullmatch(first):
            continue
        for n in re.findall(r"`([A-Z][A-Z0-9_]*)`", first):
            names[n] = names.get(n, 0) + 1
    return names


def config_doc_names():
    """The variables docs/configuration.md's table documents."""
    if not os.path.exists(path(CONFIG_DOC)):
        return set()
    return set(table_names(read(CONFIG_DOC)))


def t_env_coverage():
    c = cfg_defaults()
    per = {s: service_vars(s) for s in SERVICES}
    allv = set().union(*per.values()) | envsh_vars()
    ok(len(allv) > 40 and "OTEL_EXPORTER_OTLP_ENDPOINT" in allv and
       "FAULTS_API_GATEWAY" in allv and "INVENTORY_DB_CONNINFO" in allv,
       "derived %d variables from the sources (getenv, the tracing table, "
       "configuration placeholders, scripts/env.sh)" % len(allv))
    if c is None:
        ok(False, "compose: environment (no configuration)")
    else:
        for s in SERVICES:
            env = c["services"][s].get("environment", {})
            miss = sorted(per[s] - set(env))
            ok(not miss, "docker-compose.yml sets or defaults every variable "
               "%s reads (%d)" % (s, len(per[s])), miss)
        anywhere = set()
        for s in c["services"].values():
            anywhere |= set(s.get("environment", {}) or {})
        miss = sorted(envsh_vars() - anywhere)
        ok(not miss, "docker-compose.yml sets every variable scripts/env.sh reads",
           miss)
    miss = sorted(allv - dotenv_names())
    ok(not miss, ".env.example lists every variable the services read", miss)
    miss = sorted(allv - config_doc_names())
    ok(not miss, "%s's table lists every variable the services read" % CONFIG_DOC,
       miss)
    used = set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*)", read("docker-compose.yml")))
    miss = sorted(used - dotenv_names())
    ok(not miss, "every variable docker-compose.yml reads is in .env.example",
       miss)
    miss = sorted(used - config_doc_names())
    ok(not miss, "every variable docker-compose.yml reads is in %s's table"
       % CONFIG_DOC, miss)


def t_env_documented_once():
    """Every variable of .env.example has one row in docs/, in
    docs/configuration.md's table; the other pages only name them."""
    count = {}
    where = {}
    for f in sorted(glob.glob(path("docs", "*.md"))):
        for n, k in table_names(open(f).read()).items():
            count[n] = count.get(n, 0) + k
            where.setdefault(n, []).append(os.path.relpath(f, TOP))
    env = dotenv_names()
    miss = sorted(env - config_doc_names())
    ok(len(env) > 100 and not miss, "%s documents every one of the %d variables of "
       ".env.example" % (CONFIG_DOC, len(env)), miss)
    twice = sorted("%s: %d rows (%s)" % (n, count[n], ", ".join(where[n]))
                   for n in env if count.get(n, 0) > 1)
    ok(not twice, "each variable of .env.example is documented once in docs/ "
       "(one table row)", twice)
    extra = sorted(config_doc_names() - env)
    ok(not extra, "%s documents no variable that .env.example lacks" % CONFIG_DOC,
       extra)
    # Where a row gives plain defaults, one `value` per variable, they are
    # .env.example's (an empty one there means "made" or "none": not compared).
    values = dict(re.findall(r"^([A-Z_][A-Z0-9_]*)=(.*)$", read(".env.example"), re.M))
    bad, n = [], 0
    for l in read(CONFIG_DOC).splitlines():
        cells = [x.strip() for x in l.strip().strip("|").split("|")]
        if len(cells) < 3 or not VAR_CELL.fullmatch(cells[0]) or \
                not re.fullmatch(r"`[^`]*`(\s*,\s*`[^`]*`)*", cells[1]):
            continue
        names = re.findall(r"`([A-Z][A-Z0-9_]*)`", cells[0])
        defaults = re.findall(r"`([^`]*)`", cells[1])
        if len(names) != len(defaults):
            continue
        for name, d in zip(names, defaults):
            if values.get(name):
                n += 1
                if values[name] != d:
                    bad.append("%s: %s says %s, .env.example %s"
                               % (name, CONFIG_DOC, d, values[name]))
    ok(n > 80 and not bad, "the defaults %s gives agree with .env.example's (%d)"
       % (CONFIG_DOC, n), bad)


# --- the production configuration, documented ------------------------------

def conf_values(p):
    vals = {}
    for line in open(p):
        w = line.split()
        if len(w) >= 2 and not w[0].startswith("#") and w[0].islower():
            vals.setdefault(w[0], " ".join(w[1:]))
    return vals


LIMITS_DOC = "docs/containers.md"


def documented_limits():
    """docs/containers.md's table of Kore directives, in its section
    "Production Kore configuration": {directive: (dev, prod)}."""
    text = read(LIMITS_DOC) if os.path.exists(path(LIMITS_DOC)) else ""
    m = re.search(r"^## Production Kore configuration\n(.*?)(?=^## |\Z)", text,
                  re.M | re.S)
    rows = {}
    for l in (m.group(1).splitlines() if m else []):
        cells = [x.strip() for x in l.strip().strip("|").split("|")]
        if len(cells) == 4 and re.fullmatch(r"`[a-z_]+`", cells[0]):
            rows[cells[0].strip("`")] = (cells[1].strip("`"), cells[2].strip("`"))
    return rows


def t_prod_conf_static():
    rows = documented_limits()
    ok(len(rows) >= 10, "%s documents the Kore limits of both configurations "
       "(%d directives)" % (LIMITS_DOC, len(rows)), rows)
    bad = []
    for s in SERVICES:
        dev = conf_values(path("kore-apps", s, "conf", s + ".conf"))
        prod_p = path("kore-apps", s, "conf", s + ".prod.conf")
        if not os.path.exists(prod_p):
            bad.append("%s: no %s.prod.conf" % (s, s))
            continue
        prod = conf_values(prod_p)
        for d, (dv, pv) in rows.items():
            if dev.get(d, "(default)") != dv:
                bad.append("%s dev %s: %s, documented %s" % (s, d, dev.get(d), dv))
            if prod.get(d, "(default)") != pv:
                bad.append("%s prod %s: %s, documented %s" % (s, d, prod.get(d), pv))
        for d in ("root", "runas"):
            if d not in prod:
                bad.append("%s prod: no %s" % (s, d))
        if prod.get("load") != "${BIN}/%s.so" % s:
            bad.append("%s prod: load %s" % (s, prod.get("load")))
    ok(not bad, "the four production configurations have the documented "
       "limits, root and runas, and the development ones theirs", bad)


# --- the production configuration, run --------------------------------------

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class FakeDNS(threading.Thread):
    """A-records for a few names, NXDOMAIN otherwise: what Docker's embedded
    DNS (127.0.0.11) does for the service names."""

    def __init__(self, addr, names):
        super().__init__(daemon=True)
        self.names = names
        self.queries = []
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((addr, 53))
        self.sock.settimeout(0.5)
        self.stop = False

    def run(self):
        while not self.stop:
            try:
                data, peer = self.sock.recvfrom(512)
            except socket.timeout:
                continue
            except OSError:
                return
            try:
                self.sock.sendto(self.answer(data), peer)
            except Exception:
                pass

    def answer(self, q):
        qid, = struct.unpack("!H", q[:2])
        i, labels = 12, []
        while q[i]:
            labels.append(q[i + 1:i + 1 + q[i]].decode().lower())
            i += 1 + q[i]
        qtype, = struct.unpack("!H", q[i + 1:i + 3])
        question = q[12:i + 5]
        name = ".".join(labels)
        self.queries.append((name, qtype))
        if name not in self.names:
            return struct.pack("!HHHHHH", qid, 0x8183, 1, 0, 0, 0) + question
        if qtype != 1:
            return struct.pack("!HHHHHH", qid, 0x8180, 1, 0, 0, 0) + question
        rr = struct.pack("!HHHIH", 0xC00C, 1, 1, 5, 4) + socket.inet_aton(self.names[name])
        return struct.pack("!HHHHHH", qid, 0x8180, 1, 1, 0, 0) + question + rr


def req(method, port, path_, body=None, headers=None, timeout=10):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request(method, path_, body=body, headers=headers or {})
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


def raw(port, data, timeout=15):
    """Sends bytes; returns (answer bytes, seconds until the server closed,
    None if it did not within timeout)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    t = time.time()
    out = b""
    try:
        s.sendall(data)
        while True:
            d = s.recv(65536)
            if not d:
                break
            out += d
    except ConnectionResetError:
        pass
    except socket.timeout:
        return out, None
    finally:
        s.close()
    return out, time.time() - t


def wait_for(fn, seconds):
    end = time.time() + seconds
    while True:
        try:
            v = fn()
            if v:
                return v
        except Exception:
            pass
        if time.time() > end:
            return None
        time.sleep(0.2)


class Live:
    """The private PostgreSQL, DNS, collector and the four services."""

    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="ct-live-")
        os.chmod(self.tmp, 0o755)
        self.procs = {}
        self.pg = None
        self.dns = None
        self.collector = None

    # PostgreSQL, as postgres (initdb refuses root), set up by db-init.sh.
    def start_pg(self):
        pgbin = sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1]
        d = os.path.join(self.tmp, "pg")
        os.makedirs(d)
        shutil.chown(d, "postgres", "postgres")
        pw = os.path.join(d, "pw")
        with open(pw, "w") as f:
            f.write("ct-super\n")
        shutil.chown(pw, "postgres", "postgres")
        self.pg_port = free_port()
        r = sh(["runuser", "-u", "postgres", "--", pgbin + "/initdb", "-D", d + "/data",
                "--locale=C.UTF-8", "-E", "UTF8", "-U", "postgres", "--auth-local=peer",
                "--auth-host=scram-sha-256", "--pwfile=" + pw])
        if r.returncode != 0:
            return r.stderr
        r = sh(["runuser", "-u", "postgres", "--", pgbin + "/pg_ctl", "-D", d + "/data",
                "-l", d + "/log", "-w", "-t", "30", "-o",
                "-c listen_addresses=127.0.0.1 -c port=%d -c unix_socket_directories=%s"
                % (self.pg_port, d), "start"])
        if r.returncode != 0:
            return r.stderr + open(d + "/log").read()
        self.pg = (pgbin, d)
        return None

    def db_init(self):
        env = dict(os.environ, PGHOST="127.0.0.1", PGPORT=str(self.pg_port),
                   PG_SUPERUSER_PASSWORD="ct-super", DB_USER="tracing",
                   DB_PASSWORD="ct-app", INVENTORY_DB="inventory",
                   ORDER_DB="orders", GATEWAY_DB="gateway")
        return sh(["bash", path("docker", "db-init.sh"), path("conf", "sql")], env=env)

    def stop_pg(self):
        if self.pg:
            pgbin, d = self.pg
            sh(["runuser", "-u", "postgres", "--", pgbin + "/pg_ctl", "-D", d + "/data",
                "-m", "immediate", "-w", "stop"])

    def start_collector(self):
        pf = os.path.join(self.tmp, "otlp.port")
        self.collector = subprocess.Popen(
            [sys.executable, path("tracing", "tests", "fake_otlp.py"), pf],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        p = wait_for(lambda: os.path.exists(pf) and open(pf).read().strip(), 10)
        self.otlp_port = int(p) if p else None

    def spans_received(self):
        c = http.client.HTTPConnection("127.0.0.1", self.otlp_port, timeout=3)
        c.request("GET", "/__log")
        lines = c.getresponse().read().decode().splitlines()
        c.close()
        return [l for l in lines if "/v1/traces" in l]

    def start(self, svc, env):
        d = os.path.join(self.tmp, svc)
        os.makedirs(d + "/run")
        resolv = os.path.join(self.tmp, "resolv.conf")
        log = open(d + "/log", "w")
        e = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "KORE_ROOT": d + "/root",
             "RUN_DIR": d + "/run", "KORE_USER": "nobody", "BIND_HOST": "127.0.0.1"}
        e.update(env)
        # Like Docker: the container's /etc/resolv.conf is bind-mounted; here a
        # private mount namespace gives the entrypoint our fake DNS's.
        p = subprocess.Popen(
            ["unshare", "-m", "sh", "-c",
             'mount --bind "$1" /etc/resolv.conf && exec "$2" "$3"', "sh",
             resolv, path("docker", "entrypoint.sh"), svc],
            env=e, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.procs[svc] = (p, d)

    def log(self, svc):
        return open(os.path.join(self.procs[svc][1], "log")).read()

    def workers(self, svc):
        pid = self.procs[svc][0].pid
        r = sh(["pgrep", "-P", str(pid)])
        return [int(x) for x in r.stdout.split()]

    def stop(self):
        for svc, (p, _) in self.procs.items():
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for svc, (p, _) in self.procs.items():
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        if self.collector:
            self.collector.stdin.close()
            self.collector.wait(5)
        if self.dns:
            self.dns.stop = True
            self.dns.sock.close()
        self.stop_pg()
        shutil.rmtree(self.tmp, ignore_errors=True)


def proc_status(pid):
    st = {}
    for line in open("/proc/%d/status" % pid):
        k, _, v = line.partition(":")
        st[k] = v.split()
    return st


def t_live():
    what = "the production configurations run by bin/kore"
    if os.geteuid() != 0:
        skip(what, "needs root: Kore's privilege separation and chroot")
        return
    for f in ["kore"] + [s + ".so" for s in SERVICES]:
        if not os.path.exists(path("bin", f)):
            skip(what, "bin/%s is not built (make all)" % f)
            return
    if shutil.which("unshare") is None:
        skip(what, "no unshare(1)")
        return
    live = Live()
    try:
        live_checks(live)
    finally:
        live.stop()


def live_checks(live):
    err = live.start_pg()
    if err:
        ok(False, "a private PostgreSQL for the live checks", err)
        return
    r1, r2 = live.db_init(), live.db_init()
    env = dict(os.environ, PGPASSWORD="ct-app")
    q = sh(["psql", "-X", "-tA", "-h", "127.0.0.1", "-p", str(live.pg_port), "-U",
            "tracing", "-d", "inventory", "-c",
            "SELECT available FROM stock WHERE sku = 'SKU123'"], env=env)
    ok(r1.returncode == 0 and r2.returncode == 0 and q.stdout.strip().isdigit(),
       "docker/db-init.sh creates the role, the databases, the schema and the "
       "seed, and runs again harmlessly", r1.stderr + r2.stderr + q.stderr)

    names = {n: "127.0.0.1" for n in ("postgres.ct.test", "inventory.ct.test",
                                      "order.ct.test", "notification.ct.test",
                                      "jaeger.ct.test")}
    try:
        live.dns = FakeDNS("127.0.0.77", names)
        live.dns.start()
    except OSError as e:
        ok(False, "a fake DNS server on 127.0.0.77:53", e)
        return
    with open(os.path.join(live.tmp, "resolv.conf"), "w") as f:
        f.write("nameserver 127.0.0.77\noptions timeout:1 attempts:2\n")
    live.start_collector()
    if not live.otlp_port:
        ok(False, "the fake OTLP collector started")
        return

    ports = {s: free_port() for s in SERVICES}
    ct_secret = secrets.token_hex(24)
    common = {
        "GATEWAY_PORT": str(ports["api-gateway"]),
        "INVENTORY_PORT": str(ports["inventory-service"]),
        "ORDER_PORT": str(ports["order-service"]),
        "NOTIFICATION_PORT": str(ports["notification-service"]),
        "SERVICE_WORKERS": "2", "DB_HOST": "postgres.ct.test",
        "DB_PORT": str(live.pg_port), "DB_USER": "tracing", "DB_PASSWORD": "ct-app",
        "OTEL_EXPORTER_OTLP_ENDPOINT": "http://jaeger.ct.test:%d" % live.otlp_port,
        "OTEL_BSP_SCHEDULE_DELAY": "200", "SMTP_URL": "",
        "INVENTORY_URL": "http://inventory.ct.test:%d" % ports["inventory-service"],
        "ORDER_URL": "http://order.ct.test:%d" % ports["order-service"],
        "NOTIFICATION_URL": "http://notification.ct.test:%d" % ports["notification-service"],
        "SERVICE_AUTH_KEY": "ct:" + ct_secret,
        "SERVICE_AUTH_ACCEPT": "api-gateway/ct:" + ct_secret,
        "ADMIN_HOST": "127.0.0.1",
    }
    for s, var in (("api-gateway", "GATEWAY_ADMIN_PORT"), ("inventory-service", "INVENTORY_ADMIN_PORT"),
                   ("order-service", "ORDER_ADMIN_PORT"), ("notification-service", "NOTIFICATION_ADMIN_PORT")):
        common[var] = str(free_port())
    for s in SERVICES:
        live.start(s, common)

    for s in SERVICES:
        st = wait_for(lambda: req("GET", ports[s], "/health", timeout=2), 15)
        body = json.loads(st[1]) if st and st[0] == 200 else {}
        ok(body.get("service") == s, "%s: kore runs the rendered production "
           "configuration and the module answers /health" % s,
           (st, live.log(s)[-1500:]))
        if body.get("service") != s:
            continue
        parent = live.procs[s][0].pid
        cmd = open("/proc/%d/cmdline" % parent).read().split("\0")
        root = os.path.join(live.procs[s][1], "root")
        seen = {}

        def dropped():
            # One worker may answer /health while the other is still
            # starting: wait until both have dropped privileges.
            ws = live.workers(s)
            seen["facts"] = facts = []
            for w in ws:
                stt = proc_status(w)
                facts.append((stt["Uid"][0], os.readlink("/proc/%d/root" % w),
                              stt.get("Seccomp", ["?"])[0],
                              stt.get("NoNewPrivs", ["?"])[0]))
            return len(ws) == 2 and all(f == ("65534", root, "2", "1") for f in facts)
        good = wait_for(dropped, 5)
        ok("-n" not in cmd and "-r" not in cmd and good and
           proc_status(parent)["Uid"][0] == "0",
           "%s: privilege separation: 2 workers as nobody, chrooted in "
           "KORE_ROOT, seccomp filter on; the parent (root) is not" % s,
           (cmd, seen.get("facts")))

    for s in ["inventory-service", "order-service", "notification-service",
              "api-gateway"]:
        st = wait_for(lambda: req("GET", ports[s], "/ready", timeout=5)[0] == 200, 15)
        ok(st, "%s: /ready from inside the chroot (names through DNS, "
           "PostgreSQL, Maildir, the other services)" % s, live.log(s)[-1500:])

    order = json.dumps({"userId": 1, "items": [{"sku": "SKU123", "quantity": 1,
                        "price": 5.0}], "email": "customer@example.com"})
    st, body = req("POST", ports["api-gateway"], "/api/orders", order,
                    {"Content-Type": "application/json"}, timeout=15)
    mails = glob.glob(os.path.join(live.procs["notification-service"][1], "root",
                                   "maildir", "new", "*"))
    ok(st == 201 and json.loads(body).get("notification", {}).get("sent") is True
       and len(mails) == 1, "an order through the four chrooted services: 201, "
       "its e-mail in the chroot's Maildir", (st, body[:300], mails))
    spans = wait_for(live.spans_received, 10)
    ok(spans, "spans reach the collector by its name from the sandboxed workers",
       [q for q in live.dns.queries][:10])

    inv = ports["inventory-service"]
    fault = os.path.join(live.procs["inventory-service"][1], "root", "faults",
                         "inventory-service.json")
    with open(fault, "w") as f:
        f.write('{"outage":true}')
    down = wait_for(lambda: req("GET", inv, "/ready", timeout=3)[0] == 503, 5)
    os.unlink(fault)
    up = wait_for(lambda: req("GET", inv, "/ready", timeout=3)[0] == 200, 5)
    ok(down and up, "fault files in the chroot's FAULTS_DIR take effect and clear")

    gw = ports["api-gateway"]
    a, _ = raw(gw, b"POST /api/orders HTTP/1.1\r\nHost: x\r\nContent-Type: "
               b"application/json\r\nContent-Length: 131073\r\n\r\n")
    ok(a.startswith(b"HTTP/1.1 413 ") and b"content-type: application/json" in a
       and a.endswith(b'{"error":{"code":"body_too_large","message":"Request Entity Too Large"}}'),
       "a body over http_body_max (131072) gets Kore's JSON 413 before it is read",
       a[:300])
    big = json.dumps({"userId": 1, "items": [{"sku": "SKU123", "quantity": 1,
                      "price": 1.0}], "email": "a@b.example", "pad": "x" * 70000})
    st, body = req("POST", gw, "/api/orders", big, {"Content-Type": "application/json"})
    ok(st == 413 and b"body_too_large" in body, "a body between ORDER_BODY_MAX "
       "and http_body_max gets the gateway's JSON 413", (st, body[:200]))
    a, _ = raw(gw, b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Pad: "
               + b"a" * 8000 + b"\r\n\r\n")
    b, _ = raw(gw, b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Pad: "
               + b"a" * 8300 + b"\r\n\r\n")
    ok(a.startswith(b"HTTP/1.1 200 ") and not b.startswith(b"HTTP/1.1 2"),
       "headers under http_header_max (8192) are served, over it refused",
       (a[:60], b[:60]))

if __name__ == "__main__":
    fd, EMPTY_ENV = tempfile.mkstemp(prefix="ct-env-")
    os.write(fd, "".join("%s=%s\n" % kv for kv in SECRETS.items()).encode())
    os.close(fd)
    try:
        rc = run([t_compose_config, t_compose_ports_networks, t_compose_health_depends,
                  t_compose_hardening, t_compose_images, t_dockerfile,
                  t_dockerfile_build_stage, t_env_coverage, t_env_documented_once,
                  t_prod_conf_static, t_live])
    finally:
        os.unlink(EMPTY_ENV)
    sys.exit(rc)

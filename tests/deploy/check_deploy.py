"""Checks of the files in deploy/, one per ctest test (the first argument names it).

  yaml        every YAML file parses; the Slack manifest and the Kubernetes objects hold what
              SPEC §3 and the deployment need
  dockerfile  the Dockerfile's build packages are scripts/setup.sh's, its runtime packages cover
              every shared library of the built binary (ldd + dpkg -S), and it runs non-root
  secrets     no file in deploy/ holds anything shaped like a real Slack or GitLab token
  k8s-config  the ConfigMap's environment and policy load in `patbot audit verify`, as does
              patbot.example.toml

Environment: PATBOT_SOURCE_DIR (repository), PATBOT_BUILD_DIR (build tree with bot/patbot).
Exit 0 when every check holds, else 1 with one line per failed check.
"""
import os
import re
import shlex
import subprocess
import sys
import tempfile

import yaml

SOURCE = os.environ["PATBOT_SOURCE_DIR"]
BUILD = os.environ.get("PATBOT_BUILD_DIR", "")
DEPLOY = os.path.join(SOURCE, "deploy")
K8S = os.path.join(DEPLOY, "k8s")

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
    return condition


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def yaml_files():
    found = []
    for root, _, files in os.walk(DEPLOY):
        found += [os.path.join(root, f) for f in files if f.endswith((".yaml", ".yml"))]
    return sorted(found)


def load_all(path):
    return [d for d in yaml.safe_load_all(read(path)) if d is not None]


# ---- yaml -----------------------------------------------------------------------------------

def check_manifest_common(m, label):
    # Limits of slackapi/manifest-schema 1.0.0 (reference/slack-api.md §7).
    name = m["display_information"]["name"]
    check(1 <= len(name) <= 35, f"{label}: display_information.name must be 1..35 characters")
    check(len(m["display_information"].get("description", "")) <= 140, f"{label}: description over 140")
    bot = m["features"]["bot_user"]
    check(bot["display_name"] == "patbot", f"{label}: bot display name is not patbot")
    commands = m["features"]["slash_commands"]
    check(len(commands) == 1, f"{label}: expected exactly one slash command")
    c = commands[0]
    check(c["command"] == "/pat", f"{label}: the command is not /pat")
    check(0 < len(c.get("description", "")) <= 2000, f"{label}: command description missing or too long")
    check(0 < len(c.get("usage_hint", "")) <= 1000, f"{label}: usage_hint missing or too long")
    check(c.get("should_escape") is False, f"{label}: should_escape must be false")
    scopes = m["oauth_config"]["scopes"]["bot"]
    check(sorted(scopes) == ["chat:write", "commands"], f"{label}: bot scopes {scopes}")
    check(m["settings"]["interactivity"]["is_enabled"] is True, f"{label}: interactivity disabled")
    known_top = {"_metadata", "display_information", "features", "oauth_config", "settings"}
    check(set(m) <= known_top, f"{label}: unknown top-level keys {set(m) - known_top}")
    return c, m["settings"]


def check_manifest():
    m = yaml.safe_load(read(os.path.join(DEPLOY, "slack-app-manifest.yaml")))
    c, s = check_manifest_common(m, "manifest")
    check(c["url"] == "https://patbot.example.com/slack/commands", "manifest: wrong command URL")
    check(s["interactivity"]["request_url"] == "https://patbot.example.com/slack/interactions",
          "manifest: wrong interactivity URL")
    check(s.get("socket_mode_enabled") is False, "manifest: socket mode must be off")
    # Socket Mode (reference/slack-socket-mode.md §5): no request URLs at all.
    sm = yaml.safe_load(read(os.path.join(DEPLOY, "slack-app-manifest-socket-mode.yaml")))
    c, s = check_manifest_common(sm, "socket-mode manifest")
    check("url" not in c, "socket-mode manifest: the slash command must have no url")
    check("request_url" not in s["interactivity"], "socket-mode manifest: interactivity must have no request_url")
    check(s.get("socket_mode_enabled") is True, "socket-mode manifest: socket_mode_enabled must be true")
    check(m["features"]["slash_commands"][0]["usage_hint"] == c["usage_hint"],
          "the two manifests disagree on the usage hint")


def k8s_objects():
    objects = {}
    for f in sorted(os.listdir(K8S)):
        if f.endswith(".yaml") and f != "kustomization.yaml":
            for d in load_all(os.path.join(K8S, f)):
                objects[(d["kind"], d["metadata"]["name"])] = (f, d)
    return objects


def check_k8s():
    objects = k8s_objects()
    for kind, name in [("Deployment", "patbot"), ("Service", "patbot"), ("Secret", "patbot"),
                       ("ConfigMap", "patbot-env"), ("ConfigMap", "patbot-policy"),
                       ("PersistentVolumeClaim", "patbot-data")]:
        check((kind, name) in objects, f"k8s: no {kind} {name}")
    if ("Deployment", "patbot") not in objects:
        return
    d = objects[("Deployment", "patbot")][1]
    spec = d["spec"]
    check(spec.get("replicas") == 1, "k8s: Deployment must have exactly 1 replica")
    check(spec.get("strategy", {}).get("type") == "Recreate", "k8s: Deployment strategy must be Recreate")
    pod_meta = spec["template"]["metadata"]
    check(spec["selector"]["matchLabels"].items() <= pod_meta["labels"].items(), "k8s: selector does not match pod labels")
    ann = pod_meta.get("annotations", {})
    check(ann.get("prometheus.io/scrape") == "true" and ann.get("prometheus.io/path") == "/metrics",
          "k8s: Prometheus scrape annotations missing on the pod")
    pod = spec["template"]["spec"]
    psc = pod.get("securityContext", {})
    check(psc.get("runAsNonRoot") is True and psc.get("runAsUser", 0) != 0, "k8s: pod must run non-root")
    containers = pod["containers"]
    check(len(containers) == 1, "k8s: expected one container")
    c = containers[0]
    sc = c.get("securityContext", {})
    check(sc.get("readOnlyRootFilesystem") is True, "k8s: root filesystem must be read-only")
    check(sc.get("allowPrivilegeEscalation") is False, "k8s: allowPrivilegeEscalation must be false")
    check(sc.get("capabilities", {}).get("drop") == ["ALL"], "k8s: capabilities must drop ALL")
    check(c.get("resources", {}).get("requests") and c.get("resources", {}).get("limits"),
          "k8s: resources requests and limits missing")
    ports = {p["name"]: p["containerPort"] for p in c.get("ports", [])}
    check(str(ports.get("http")) == ann.get("prometheus.io/port"), "k8s: scrape port is not the http port")
    for probe, path in [("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")]:
        got = c.get(probe, {}).get("httpGet", {}).get("path")
        check(got == path, f"k8s: {probe} must GET {path} (got {got})")

    env = {e["name"]: e.get("value") for e in c.get("env", [])}
    env_from = [e.get("configMapRef", {}).get("name") for e in c.get("envFrom", [])]
    check("patbot-env" in env_from, "k8s: container does not take its environment from ConfigMap patbot-env")
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    mounts = {m["mountPath"]: m for m in c.get("volumeMounts", [])}

    def volume_at(directory):
        m = mounts.get(directory)
        return volumes.get(m["name"]) if m else None

    # Secrets arrive as files from Secret patbot, one key per <VAR>_FILE.
    secret_keys = set(objects.get(("Secret", "patbot"), ("", {}))[1].get("stringData", {}))
    for var in ["SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN", "GITLAB_TOKEN"]:
        check(var not in env, f"k8s: {var} must come from a file, not a value")
        path = env.get(var + "_FILE")
        if not check(path, f"k8s: {var}_FILE not set"):
            continue
        v = volume_at(os.path.dirname(path))
        check(v and v.get("secret", {}).get("secretName") == "patbot", f"k8s: {var}_FILE is not on Secret patbot")
        check(os.path.basename(path) in secret_keys, f"k8s: Secret patbot has no key {os.path.basename(path)}")

    # Policy from ConfigMap patbot-policy at PATBOT_CONFIG; database on the PVC at PATBOT_DB.
    config_path = env.get("PATBOT_CONFIG", "")
    v = volume_at(os.path.dirname(config_path))
    check(v and v.get("configMap", {}).get("name") == "patbot-policy", "k8s: PATBOT_CONFIG is not on ConfigMap patbot-policy")
    policy = objects.get(("ConfigMap", "patbot-policy"), ("", {"data": {}}))[1]["data"]
    check(os.path.basename(config_path) in policy, f"k8s: ConfigMap patbot-policy has no {os.path.basename(config_path)}")
    env_map = objects.get(("ConfigMap", "patbot-env"), ("", {"data": {}}))[1]["data"]
    db = env_map.get("PATBOT_DB", "")
    v = volume_at(os.path.dirname(db))
    check(v and v.get("persistentVolumeClaim", {}).get("claimName") == "patbot-data", "k8s: PATBOT_DB is not on the PVC")
    check(env_map.get("PATBOT_LISTEN", "").endswith(":%d" % ports.get("http", 0)), "k8s: PATBOT_LISTEN is not the http port")
    check(env_map.get("PATBOT_LISTEN", "").startswith("0.0.0.0:"), "k8s: PATBOT_LISTEN must bind 0.0.0.0 in a pod")
    if sc.get("readOnlyRootFilesystem"):
        check("/tmp" in mounts, "k8s: a read-only root needs a writable /tmp for SQLite")

    svc = objects.get(("Service", "patbot"), ("", None))[1]
    if svc:
        check(svc["spec"]["selector"].items() <= pod_meta["labels"].items(), "k8s: Service selector matches no pod")
        check(any(p.get("targetPort") in ("http", ports.get("http")) for p in svc["spec"]["ports"]),
              "k8s: Service does not target the http port")

    k = yaml.safe_load(read(os.path.join(K8S, "kustomization.yaml")))
    listed = k.get("resources", [])
    for f in listed:
        check(os.path.exists(os.path.join(K8S, f)), f"k8s: kustomization lists missing {f}")
    expected = sorted(f for f in os.listdir(K8S)
                      if f.endswith(".yaml") and f not in ("kustomization.yaml", "secret.example.yaml"))
    check(sorted(listed) == expected, f"k8s: kustomization lists {sorted(listed)}, expected {expected}")
    check("secret.example.yaml" not in listed, "k8s: the placeholder Secret must not be applied")


def run_yaml():
    files = yaml_files()
    check(len(files) >= 7, f"yaml: expected the manifest and six k8s files, found {len(files)}")
    for f in files:
        try:
            check(load_all(f), f"yaml: {f} is empty")
        except yaml.YAMLError as e:
            check(False, f"yaml: {f}: {e}")
    if not failures:
        check_manifest()
        check_k8s()
    if failures:
        return
    kubectl = shutil_which("kubectl")
    if kubectl:  # optional: kustomize renders offline when kubectl is there
        r = subprocess.run([kubectl, "kustomize", K8S], capture_output=True, text=True)
        check(r.returncode == 0, f"k8s: kubectl kustomize failed: {r.stderr.strip()}")


def shutil_which(name):
    import shutil
    return shutil.which(name)


# ---- dockerfile -----------------------------------------------------------------------------

def dockerfile_stages():
    stages, current = [], None
    # Join continuation lines first.
    text = re.sub(r"\\\n", " ", read(os.path.join(DEPLOY, "Dockerfile")))
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        instr, _, rest = line.partition(" ")
        if instr.upper() == "FROM":
            current = {"from": rest, "lines": []}
            stages.append(current)
        elif current is not None:
            current["lines"].append((instr.upper(), rest.strip()))
    return stages


def apt_packages(stage):
    pkgs = []
    for instr, rest in stage["lines"]:
        if instr == "RUN":
            for part in rest.split("&&"):
                words = shlex.split(part)
                if words[:2] == ["apt-get", "install"]:
                    pkgs += [w for w in words[2:] if not w.startswith("-")]
    return pkgs


def setup_runtime_packages():
    text = read(os.path.join(SOURCE, "scripts", "setup.sh"))
    m = re.search(r"^packages=\((.*?)\)", text, re.S | re.M)
    return shlex.split(m.group(1)) if m else []


def package_of(library):
    candidates = [library, os.path.realpath(library)]
    for c in list(candidates):
        if c.startswith("/usr/lib/"):
            candidates.append(c[len("/usr"):])
        elif c.startswith("/lib/"):
            candidates.append("/usr" + c)
    for c in candidates:
        r = subprocess.run(["dpkg", "-S", c], capture_output=True, text=True)
        if r.returncode == 0:
            return r.stdout.split(":")[0].split(",")[0].strip()
    return None


def run_dockerfile():
    stages = dockerfile_stages()
    if not check(len(stages) == 2, f"docker: expected a build and a runtime stage, found {len(stages)}"):
        return
    build, runtime = stages
    check(build["from"].startswith("debian:12") and runtime["from"].startswith("debian:12"), "docker: stages must be debian:12")
    wanted = setup_runtime_packages()
    check(wanted, "docker: cannot read the package list of scripts/setup.sh")
    check(sorted(apt_packages(build)) == sorted(wanted),
          f"docker: build packages differ from scripts/setup.sh runtime: {sorted(set(apt_packages(build)) ^ set(wanted))}")
    check(any(i == "RUN" and "scripts/setup.sh runtime" in r and "BUILD_DIR=/build" in r for i, r in build["lines"]),
          "docker: build stage does not run BUILD_DIR=/build scripts/setup.sh runtime")

    runtime_pkgs = set(apt_packages(runtime))
    for p in ["ca-certificates", "curl"]:
        check(p in runtime_pkgs, f"docker: runtime stage lacks {p}")
    binary = os.path.join(BUILD, "bot", "patbot")
    if check(os.access(binary, os.X_OK), f"docker: {binary} not built; cannot compare its libraries"):
        ldd = subprocess.run(["ldd", binary], capture_output=True, text=True, check=True).stdout
        libs = re.findall(r"=> (/\S+)", ldd)
        check(libs, "docker: ldd listed no libraries")
        in_base = {"libc6", "libgcc-s1", "zlib1g"}  # Essential in every debian:12 image
        for lib in libs:
            pkg = package_of(lib)
            if check(pkg, f"docker: no Debian package owns {lib}"):
                pkg = pkg.split(":")[0]
                check(pkg in runtime_pkgs or pkg in in_base, f"docker: runtime stage lacks {pkg} (for {lib})")
        dev = [p for p in runtime_pkgs if p.endswith("-dev") or p in ("build-essential", "cmake")]
        check(not dev, f"docker: build tools in the runtime stage: {dev}")

    instr = {}
    for i, r in runtime["lines"]:
        instr.setdefault(i, []).append(r)
    user = instr.get("USER", [""])[-1]
    check(user and user.split(":")[0] not in ("root", "0"), "docker: runtime must run as a non-root USER")
    check("/var/lib/patbot" in " ".join(instr.get("VOLUME", [])), "docker: VOLUME /var/lib/patbot missing")
    env = " ".join(instr.get("ENV", []))
    for kv in ["PATBOT_DB=/var/lib/patbot/patbot.db", "PATBOT_LISTEN=0.0.0.0:8080", "PATBOT_LOG_FORMAT=json"]:
        check(kv in env.split(), f"docker: ENV {kv} missing")
    check("8080" in instr.get("EXPOSE", [""])[0], "docker: EXPOSE 8080 missing")
    hc = " ".join(instr.get("HEALTHCHECK", []))
    check("http://127.0.0.1:8080/healthz" in hc and "curl" in hc, "docker: HEALTHCHECK on /healthz missing")
    check(instr.get("ENTRYPOINT") == ['["patbot"]'], "docker: ENTRYPOINT must be [\"patbot\"]")
    check(instr.get("CMD") == ['["serve"]'], "docker: CMD must be [\"serve\"]")
    copies = " ".join(instr.get("COPY", []))
    check("--from=build" in copies and "/usr/local/bin/patbot" in copies, "docker: binary not copied from the build stage")

    ignore = read(os.path.join(SOURCE, ".dockerignore")).split()
    for p in [".git", "build*"]:
        check(p in ignore, f".dockerignore: {p} missing")


# ---- secrets --------------------------------------------------------------------------------

TOKEN_SHAPES = [
    re.compile(r"xox[abposre]-[0-9A-Za-z]{4,}(-[0-9A-Za-z]+)*"),   # Slack tokens
    re.compile(r"xapp-\d-[0-9A-Za-z-]{10,}"),                      # Slack app-level tokens
    re.compile(r"glpat-[0-9A-Za-z_-]{16,}"),                       # GitLab personal access tokens
    re.compile(r"gl(dt|ptt|rt|cbt|soat|oas)-[0-9A-Za-z_-]{16,}"),  # other GitLab token kinds
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
]
PLACEHOLDER = re.compile(r"(xox[a-z]|glpat)-(\.\.\.|…|<)")


def scan_text(name, text):
    for n, line in enumerate(text.splitlines(), 1):
        for shape in TOKEN_SHAPES:
            m = shape.search(line)
            if m and not PLACEHOLDER.search(m.group(0)):
                check(False, f"secrets: {name}:{n} holds something shaped like a real token")


def run_secrets():
    files = [os.path.join(SOURCE, ".dockerignore")]
    for root, _, names in os.walk(DEPLOY):
        files += [os.path.join(root, f) for f in names]
    check(len(files) >= 12, f"secrets: only {len(files)} files scanned")
    for f in files:
        scan_text(os.path.relpath(f, SOURCE), read(f))
    # The scan itself must catch a real-looking token.
    before = len(failures)
    scan_text("self-test", "token: xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy glpat-Fmnvoj6H8eg7Re8TNztv")
    caught = len(failures) - before
    del failures[before:]
    check(caught == 2, "secrets: the scanner missed a token-shaped self-test line")
    secret = yaml.safe_load(read(os.path.join(K8S, "secret.example.yaml")))
    for key, value in secret.get("stringData", {}).items():
        check(value.startswith("<") and value.endswith(">"), f"secrets: secret.example.yaml {key} is not a <placeholder>")


# ---- k8s-config -----------------------------------------------------------------------------

def audit_verify(env, what):
    binary = os.path.join(BUILD, "bot", "patbot")
    if not check(os.access(binary, os.X_OK), f"{what}: {binary} not built"):
        return
    with tempfile.TemporaryDirectory() as tmp:
        full = {k: v for k, v in os.environ.items() if not k.startswith(("PATBOT_", "GITLAB_", "SLACK_"))}
        full.update(env)
        full["PATBOT_DB"] = os.path.join(tmp, "patbot.db")
        if "PATBOT_CONFIG_TEXT" in full:
            path = os.path.join(tmp, "policy.toml")
            with open(path, "w", encoding="utf-8") as f:
                f.write(full.pop("PATBOT_CONFIG_TEXT"))
            full["PATBOT_CONFIG"] = path
        r = subprocess.run([binary, "audit", "verify"], env=full, capture_output=True, text=True, timeout=60)
        check(r.returncode == 0, f"{what}: patbot audit verify exited {r.returncode}: {(r.stdout + r.stderr).strip()}")
        return r


def run_k8s_config():
    objects = k8s_objects()
    env = dict(objects[("ConfigMap", "patbot-env")][1]["data"])
    env["PATBOT_CONFIG_TEXT"] = objects[("ConfigMap", "patbot-policy")][1]["data"]["policy.toml"]
    audit_verify(env, "k8s ConfigMap")
    audit_verify({"PATBOT_CONFIG": os.path.join(DEPLOY, "patbot.example.toml")}, "patbot.example.toml")
    # The same command must refuse a broken policy, or the two checks above prove nothing.
    before = len(failures)
    audit_verify({"PATBOT_CONFIG_TEXT": "[rotation]\nexpires_in_dayz = 3\n"}, "broken policy")
    refused = len(failures) > before
    del failures[before:]
    check(refused, "k8s-config: patbot audit verify accepted a misspelled policy key")


def main():
    checks = {"yaml": run_yaml, "dockerfile": run_dockerfile, "secrets": run_secrets, "k8s-config": run_k8s_config}
    if len(sys.argv) != 2 or sys.argv[1] not in checks:
        print(f"usage: {sys.argv[0]} {'|'.join(checks)}", file=sys.stderr)
        return 2
    try:
        checks[sys.argv[1]]()
    except (KeyError, TypeError, AttributeError, yaml.YAMLError, OSError) as e:
        failures.append(f"{sys.argv[1]}: unexpected structure: {type(e).__name__}: {e}")
    for f in failures:
        print("FAIL:", f)
    print(f"{sys.argv[1]}: {'ok' if not failures else f'{len(failures)} problem(s)'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

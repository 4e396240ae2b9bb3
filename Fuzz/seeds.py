#!/usr/bin/env python3
"""Writes the fuzzers' seed corpus, Tests/FuzzCorpus/<target>/seed-*, from shapes built here.

Run it again after changing it; the seeds are committed so `make fuzz` needs no Python. Crash inputs
the fuzzers find are added to the same folders by hand (named crash-*), next to a regression test.
Each target's input layout is described at the top of its Fuzz/Targets/<target>.swift.
"""

import base64
import io
import json
import os
import shutil
import struct
import sys
import tarfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "Tests", "FuzzCorpus")


def write(target, name, data):
    folder = os.path.join(CORPUS, target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "seed-" + name), "wb") as file:
        file.write(data if isinstance(data, bytes) else data.encode())


def reset(target):
    folder = os.path.join(CORPUS, target)
    if os.path.isdir(folder):
        for name in os.listdir(folder):
            if name.startswith("seed-"):
                os.remove(os.path.join(folder, name))


# --- Alerts ---------------------------------------------------------------------------------

ALERT = {
    "hostname": "node-1",
    "output": "11:24:13.352372868: Critical Executing binary not part of base image (proc_exepath=/tmp/payload)",
    "output_fields": {
        "container.id": "0a8f2c69d33f",
        "container.image.repository": "lab/busybox",
        "container.name": "web",
        "evt.arg.flags": "EXE_WRITABLE|EXE_UPPER_LAYER",
        "evt.time": 1795951453352372868,
        "proc.cmdline": "payload --serve",
        "proc.exepath": "/tmp/payload",
        "proc.pid": 4961,
        "user.name": "root",
    },
    "priority": "Critical",
    "rule": "Drop and execute new binary in container",
    "source": "syscall",
    "tags": ["container", "mitre_persistence"],
    "time": "2026-11-29T11:24:13.352372868Z",
}


def alerts():
    target = "AlertParser"
    reset(target)
    one = json.dumps(ALERT)
    write(target, "json-line", one + "\n")
    write(target, "pretty", json.dumps(ALERT, indent=2, sort_keys=True))
    hostile = dict(ALERT, rule="Drop \u001b]0;owned\u0007 and \u001b[2J execute\b\b\u0000")
    hostile["output_fields"] = dict(ALERT["output_fields"], **{"proc.cmdline": "sh -c '\u009b31m\u202e'", "big": 1e400})
    write(target, "escapes", json.dumps(hostile) + "\n")
    write(target, "lines-with-bad", one + "\nnot an alert\n{\"rule\": 1}\n\n" + one + "\r\n{\"rule\":\"x\"")
    write(target, "sidekick", json.dumps({"uuid": "5a1e", "output": ALERT["output"], "priority": "Critical",
                                          "rule": ALERT["rule"], "time": ALERT["time"],
                                          "output_fields": ALERT["output_fields"], "hostname": "node-1",
                                          "tags": ["a"], "source": "syscalls"}))
    write(target, "plain-text",
          "11:24:13.352372868: Critical Executing binary not part of base image (user=root "
          "proc_exepath=/tmp/payload container_id=0a8f2c69d33f container_name=web image=lab/busybox)\n")
    fields = {"n": 12345678901234567890123, "f": -0.0e-5, "t": True, "z": None, "a": [1, [2, {}]], "dup": 1}
    text = json.dumps(dict(ALERT, output_fields=fields)).replace('"dup": 1', '"dup": 1, "dup": 2')
    write(target, "bom-numbers", b"\xef\xbb\xbf" + text.encode())
    # Log prefixes, journal exports, encodings and old text forms: the shapes responders hold alerts in.
    write(target, "journald-prefix", "Feb 13 20:33:20 node-1 falco[19460]: " + one + "\n"
          "Feb  3 07:01:02 node-2 falco: 07:01:02.123456789: Notice A shell was spawned in a container "
          "with an attached terminal (user=root shell (id=0a8f2c69d33f))\n")
    write(target, "iso-syslog-prefix", "2026-02-13T20:33:20+0000 node-1 falco[1]: " + one + "\n")
    write(target, "kubectl-prefix", "2026-02-13T20:33:20.105000123Z " + one + "\n")
    write(target, "journal-json", json.dumps({"__CURSOR": "s=1", "__REALTIME_TIMESTAMP": "1771014800105432",
                                              "_HOSTNAME": "node-1", "SYSLOG_IDENTIFIER": "falco", "_PID": "7",
                                              "MESSAGE": one}) + "\n"
          + json.dumps({"__CURSOR": "s=2", "MESSAGE": list(b"11:24:13.1: Debug x\xff")}) + "\n")
    crlf = (one + "\n" + ALERT["output"] + "\n").replace("\n", "\r\n")
    write(target, "utf16le-bom-crlf", b"\xff\xfe" + crlf.encode("utf-16-le"))
    write(target, "utf16be-bom", b"\xfe\xff" + (one + "\n").encode("utf-16-be"))
    write(target, "utf16le-no-bom", (one + "\n").encode("utf-16-le"))
    write(target, "pretty-two", json.dumps(ALERT, indent=4) + "\n" + json.dumps(ALERT, indent=1) + "\n")
    write(target, "old-text-forms",
          "03:00:45.1: Notice A shell was spawned in a container with an attached terminal (user=root "
          "k8s.ns=default k8s.pod=web container=4f2a1c9e8b7d shell=bash)\n"
          "2019-03-07 03:00:48: Critical Executing binary not part of base image (comm=mount -o size=1 /x "
          "exe=/usr/bin/mount api (id=5c6d7e8f9a0b))\n"
          "03:00:49.0: Debug Falco internal: syscall event drop. 9 system calls dropped in last second. (n_drops=9)\n"
          "03:00:50.0: warn Someone wrote no rule name (user=root)\n")
    write(target, "invalid-utf8", b'{"rule":"r\xff\xfe","priority":"Warning","time":"2024-01-01T00:00:00Z",'
                                  b'"output_fields":{"k\xc3":"\xed\xa0\x80"}}\n')


# --- Log frames -----------------------------------------------------------------------------

def frame(kind, payload):
    return bytes([kind, 0, 0, 0]) + struct.pack(">I", len(payload)) + payload


def logs():
    target = "LogFrames"
    reset(target)
    stamp = b"2026-11-29T11:24:13.352372868Z "
    # Control byte: bit0 tty, bit1 timestamps, bit2 small piece cap, bit3 small line cap, high nibble chunk size.
    body = frame(1, stamp + b"line one\n") + frame(2, stamp + b"error \x1b[31mred\x1b[0m\n")
    write(target, "multiplexed", bytes([0x32]) + body)
    write(target, "engine-error", bytes([0x02]) + body + frame(3, b"Error grabbing logs: unexpected EOF\n") + body)
    write(target, "split-line", bytes([0x5e]) + frame(1, stamp + b"a" * 100) + frame(1, stamp + b"b" * 50 + b"\n"))
    write(target, "oversized-claim", bytes([0x10]) + b"\x01\x00\x00\x00\xff\xff\xff\xff" + b"short")
    write(target, "bad-type", bytes([0x00]) + frame(7, b"x"))
    write(target, "tty", bytes([0x73]) + stamp + b"\x1b]0;title\x07prompt$ \x08\x08ls\r\n" + stamp + b"\xff\xfe\x00\r\n")
    write(target, "header-cut", bytes([0x00]) + frame(1, b"ok\n") + b"\x02\x00\x00")


# --- Archive stat header --------------------------------------------------------------------

def stats():
    target = "PathStatHeader"
    reset(target)
    docker = {"name": "payload", "size": 770888, "mode": 0o755, "mtime": "2026-11-29T11:24:13.352372868Z",
              "linkTarget": ""}
    write(target, "docker", base64.b64encode(json.dumps(docker).encode()))
    podman = dict(docker, isDir=False, linkTarget="/tmp/payload", mode=(1 << 23) | 0o4755)
    write(target, "podman-urlsafe", base64.urlsafe_b64encode(json.dumps(podman).encode()).rstrip(b"="))
    link = dict(docker, name="sh", mode=(1 << 27) | 0o777, linkTarget="/bin/busybox")
    write(target, "symlink", base64.b64encode(json.dumps(link).encode()))
    huge = dict(docker, size=10 << 30, mtime="0001-01-01T00:00:00Z", name="../../etc/\u001b[2Jx")
    write(target, "huge", base64.b64encode(json.dumps(huge).encode()))
    write(target, "not-base64", "{\"name\":\"x\"} not base64 !!")
    write(target, "padding", "e30=")


# --- Tar ------------------------------------------------------------------------------------

def tar(members, fmt=tarfile.USTAR_FORMAT, record=1024):
    tarfile.RECORDSIZE = record  # the end marker only, unless a seed wants a full record's padding
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=fmt) as archive:
        for info, data in members:
            archive.addfile(info, io.BytesIO(data) if data is not None else None)
    return buffer.getvalue()


def member(name, data=b"", kind=tarfile.REGTYPE, link="", mode=0o755):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mode = mode
    info.mtime = 1795951453
    if kind == tarfile.REGTYPE:
        info.size = len(data)
        return info, data
    info.linkname = link
    if kind in (tarfile.CHRTYPE, tarfile.BLKTYPE):
        info.devmajor, info.devminor = 1, 3
    return info, None


def tars():
    target = "TarArchive"
    reset(target)
    # First byte: chunk size selector.
    write(target, "one-file", bytes([3]) + tar([member("payload", b"\x7fELF" + b"\x00" * 600)], record=10240))
    write(target, "escapes", bytes([0]) + tar([
        member("../../etc/cron.d/x", b"* * * * * root sh\n"),
        member("/etc/passwd", b"root::0:0::/:/bin/sh\n"),
        member("link", kind=tarfile.SYMTYPE, link="/etc/shadow"),
        member("hard", kind=tarfile.LNKTYPE, link="../../../etc/shadow"),
        member("dev/mem", kind=tarfile.CHRTYPE),
        member("dev/sda", kind=tarfile.BLKTYPE),
        member("fifo", kind=tarfile.FIFOTYPE),
        member("dir/", kind=tarfile.DIRTYPE),
    ]))
    write(target, "pax", bytes([1]) + tar([member("x" * 200 + "/\u00e9\u001b[2J", b"pax content"),
                                           member("l", kind=tarfile.SYMTYPE, link="y" * 300)],
                                          fmt=tarfile.PAX_FORMAT))
    write(target, "gnu", bytes([2]) + tar([member("z" * 150, b"gnu long name")], fmt=tarfile.GNU_FORMAT))
    whole = tar([member("payload", b"A" * 2000)])
    write(target, "truncated", bytes([5]) + whole[:512 + 700])
    header = bytearray(tar([member("big", b"")])[:512])
    header[124:136] = b"\x80" + b"\x00" * 6 + struct.pack(">Q", 10 << 30)[3:]  # base-256 size: 10 GiB
    header[148:156] = b" " * 8
    header[148:155] = ("%06o\x00" % sum(header)).encode()
    write(target, "claims-10GiB", bytes([7]) + bytes(header) + b"\x00" * 1024)


# --- Recordings -----------------------------------------------------------------------------

SEPARATOR = b"\x00BODY\x00"


def recording(exchanges, bodies):
    index = {"format": "alert-inspect/recording/v1", "synthetic": True, "endpoint": "unix:///fuzz.sock",
             "recordedBy": "seeds", "exchanges": exchanges, "observations": []}
    return json.dumps(index, sort_keys=True).encode() + b"".join(SEPARATOR + body for body in bodies)


def exchange(target, body_index, size, status=200, method="GET", headers=None):
    return {"method": method, "target": target, "occurrence": 1, "status": status,
            "headers": dict({"api-version": "1.41", "content-type": "application/json"}, **(headers or {})),
            "body": None if body_index is None else "bodies/%d" % body_index, "bytes": size}


def recordings():
    target = "RecordingReader"
    reset(target)
    container = "c0ffee"
    inspect = json.dumps({"Id": container * 10 + "abcd", "Name": "/web", "Image": "sha256:1",
                          "State": {"Status": "running", "Running": True, "Pid": 42,
                                    "StartedAt": "2026-11-29T11:24:13.352372868Z"},
                          "Config": {"Image": "lab/busybox", "Tty": False, "Env": ["A_TOKEN=x"]},
                          "GraphDriver": {"Name": "overlay2", "Data": {"UpperDir": "/x/diff",
                                                                       "LowerDir": "/a/diff:/b/diff"}}}).encode()
    changes = json.dumps([{"Path": "/tmp", "Kind": 0}, {"Path": "/tmp/payload", "Kind": 1}]).encode()
    top = json.dumps({"Titles": ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"],
                      "Processes": [["root", "4961", "4900", "0", "11:24", "?", "00:00:00", "/tmp/payload"]]}).encode()
    logs_body = frame(1, b"2026-11-29T11:24:13.352372868Z hello\n") + frame(3, b"Error grabbing logs\n")
    archive = tar([member("payload", b"\x7fELF" + b"\x00" * 100)])
    stat = base64.b64encode(json.dumps({"name": "payload", "size": 104, "mode": 0o755,
                                        "mtime": "2026-11-29T11:24:13Z", "linkTarget": ""}).encode()).decode()
    events = b'{"Type":"container","Action":"exec_start: sh -c id","Actor":{"ID":"c0","Attributes":{"name":"web"}},' \
             b'"time":1795951453,"timeNano":1795951453352372868}\n'
    base = "/v1.41/containers/" + container
    bodies = [b"OK", inspect, changes, top, logs_body, archive, events, b"null"]
    exchanges = [
        exchange("/_ping", 0, 2, headers={"content-type": "text/plain"}),
        exchange(base + "/json", 1, len(inspect)),
        exchange(base + "/changes", 2, len(changes)),
        exchange(base + "/top", 3, len(top)),
        exchange(base + "/logs?stdout=1&stderr=1&timestamps=1&since=1795951333.0&until=1795951573.0", 4,
                 len(logs_body), headers={"content-type": "application/vnd.docker.raw-stream"}),
        exchange(base + "/archive?path=%2Ftmp%2Fpayload", None, 0, method="HEAD",
                 headers={"x-docker-container-path-stat": stat}),
        exchange(base + "/archive?path=%2Ftmp%2Fpayload", 5, len(archive),
                 headers={"content-type": "application/x-tar", "x-docker-container-path-stat": stat}),
        exchange("/v1.41/events?since=1795951333.0&until=1795951573.0&filters=%7B%7D", 6, len(events)),
        exchange("/v1.41/containers/gone/json", 7, 4, status=404),
    ]
    write(target, "investigation", recording(exchanges, bodies))
    write(target, "refused-method", recording([exchange("/_ping", 0, 2), exchange(base + "/kill", None, 0,
                                                                                 method="POST")], [b"OK"]))
    write(target, "escaping-body", recording([exchange("/_ping", 0, 2),
                                              dict(exchange(base + "/json", 1, 2), body="bodies/../../etc/passwd")],
                                             [b"OK", b"{}"]))
    old = recording([dict(exchange("/_ping", 0, 2), headers={"api-version": "1.24"})], [b"OK"])
    write(target, "old-engine", old)


def main():
    if len(sys.argv) > 1:
        sys.exit("usage: Fuzz/seeds.py")
    alerts()
    logs()
    stats()
    tars()
    recordings()


if __name__ == "__main__":
    main()

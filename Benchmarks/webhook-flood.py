#!/usr/bin/env python3
"""Loads `watch --listen` the way a hostile network would, and checks it keeps taking authenticated alerts.

    webhook-flood.py PORT TOKEN_FILE [IDLE] [FLOOD] [ALERTS]

Opens IDLE idle connections (they send nothing), then, from 4 threads, FLOOD POSTs of 1 MB (half without
the token, half valid alerts with it), and meanwhile ALERTS small authenticated alerts, one at a time.
Prints one JSON line: idle connections opened, flood answers by status, alerts accepted (200) and the
slowest alert's seconds. Every loop is bounded; every socket has a time limit. Loopback only.
"""
import json
import socket
import sys
import threading
import time

port = int(sys.argv[1])
token = open(sys.argv[2]).read().strip()
idle_count = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
flood_count = int(sys.argv[4]) if len(sys.argv) > 4 else 200
alert_count = int(sys.argv[5]) if len(sys.argv) > 5 else 50


def alert(container, uuid, padding=0):
    return json.dumps({
        "uuid": uuid, "hostname": "vm", "output": "p" * padding, "priority": "Critical",
        "rule": "Drop and execute new binary in container", "source": "syscall", "tags": [],
        "time": "2026-11-29T11:24:13.352372868Z",
        "output_fields": {"container.id": container, "evt.type": "execve",
                          "evt.arg.flags": "EXE_WRITABLE|EXE_UPPER_LAYER", "proc.exepath": "/tmp/payload"},
    }).encode()


def post(body, authorized, timeout=30):
    """The answer's status, or an error name."""
    head = "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
    head += "Content-Length: %d\r\nConnection: close\r\n" % len(body)
    if authorized:
        head += "Authorization: Bearer %s\r\n" % token
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
            conn.settimeout(timeout)
            conn.sendall(head.encode() + b"\r\n" + body)
            answer = b""
            for _ in range(64):
                chunk = conn.recv(4096)
                if not chunk:
                    break
                answer += chunk
                if b"\r\n\r\n" in answer:
                    break
            return int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else "no-answer"
    except OSError as error:
        return type(error).__name__


idle = []
for _ in range(idle_count):
    try:
        conn = socket.socket()
        conn.setblocking(False)
        conn.connect_ex(("127.0.0.1", port))
        idle.append(conn)
    except OSError:
        break

flood_answers = {}
lock = threading.Lock()


def flood(worker):
    for number in range(worker, flood_count, 4):
        authorized = number % 2 == 0
        body = alert("f00dcafe0001", "0b0e8a6c-0000-4000-8000-%012d" % number, padding=1_000_000) if authorized \
            else b"x" * 1_000_000
        status = post(body, authorized)
        with lock:
            key = "%s/%s" % ("token" if authorized else "none", status)
            flood_answers[key] = flood_answers.get(key, 0) + 1


threads = [threading.Thread(target=flood, args=(worker,)) for worker in range(4)]
for thread in threads:
    thread.start()
accepted = 0
slowest = 0.0
for number in range(alert_count):
    started = time.monotonic()
    status = post(alert("a%011d" % number, "0b0e8a6c-0000-4000-9000-%012d" % number), True)
    slowest = max(slowest, time.monotonic() - started)
    accepted += status == 200
for thread in threads:
    thread.join(timeout=600)
for conn in idle:
    conn.close()
print(json.dumps({"idle": len(idle), "flood": flood_answers, "alertsSent": alert_count, "alertsAccepted": accepted,
                  "slowestAlertSeconds": round(slowest, 2)}, sort_keys=True))

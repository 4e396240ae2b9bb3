#!/usr/bin/env python3
"""Writes the synthetic recordings: engine shapes no lab engine produces on demand.

Each is derived from a real recording (docker-dropped) and changed only where the documented shape
differs, so everything else stays real. Marked "synthetic": true in its index, with a note naming
what changed and where it is documented. Run by `make fixtures` after the real recordings.

- synthetic-docker29-containerd: Docker 29 (API 1.52) with the containerd image store: inspect has
  no GraphDriver but `Storage.RootFS.Snapshot.Name` (moby api/swagger.yaml, v1.52), /info reports the
  snapshotter driver and DriverStatus [["driver-type","io.containerd.snapshotter.v1"]]
  (moby daemon/containerd/service.go), no overlay paths are visible from the host, and the log stream
  carries an engine error frame (stream type 3, moby api/pkg/stdcopy) between two container lines.
"""
import json
import shutil
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "Fixtures/recordings/docker-dropped"
TARGET = ROOT / "Fixtures/recordings/synthetic-docker29-containerd"
OLD, NEW = "1.41", "1.52"
SERVER = "Docker/29.0.0 (linux)"


def frames(body: bytes):
    """Splits a multiplexed log body into (type, payload) frames."""
    out, i = [], 0
    while i + 8 <= len(body):
        kind, size = body[i], struct.unpack(">I", body[i + 4:i + 8])[0]
        out.append((kind, body[i + 8:i + 8 + size]))
        i += 8 + size
    return out


def join(parts):
    return b"".join(bytes([kind, 0, 0, 0]) + struct.pack(">I", len(p)) + p for kind, p in parts)


def main():
    index = json.loads((SOURCE / "recording.json").read_text())
    if TARGET.exists():
        shutil.rmtree(TARGET)
    (TARGET / "bodies").mkdir(parents=True)
    index["synthetic"] = True
    index["note"] = __doc__.split("- synthetic-docker29-containerd: ")[1].strip().replace("\n  ", " ")
    index["recordedBy"] += " (derived by Lab/make-synthetic.py)"
    upper_paths = set()
    for exchange in index["exchanges"]:
        exchange["target"] = exchange["target"].replace(f"/v{OLD}/", f"/v{NEW}/")
        headers = exchange["headers"]
        if "api-version" in headers:
            headers["api-version"] = NEW
        if "server" in headers:
            headers["server"] = SERVER
        if not exchange.get("body"):
            continue
        name = exchange["body"].replace(f"v{OLD}", f"v{NEW}")
        data = (SOURCE / exchange["body"]).read_bytes()
        target = exchange["target"]
        if "/containers/" in target and target.endswith("/json"):
            inspect = json.loads(data)
            upper_paths.update((inspect.get("GraphDriver") or {}).get("Data", {}).values())
            inspect.pop("GraphDriver", None)
            inspect["Driver"] = "overlayfs"
            inspect["Storage"] = {"RootFS": {"Snapshot": {"Name": "overlayfs"}}}
            data = json.dumps(inspect, separators=(",", ":")).encode() + b"\n"
        elif target.endswith("/info"):
            info = json.loads(data)
            info.update(Driver="overlayfs", DriverStatus=[["driver-type", "io.containerd.snapshotter.v1"]],
                        ServerVersion="29.0.0")
            data = json.dumps(info, separators=(",", ":")).encode() + b"\n"
        elif target.endswith("/version"):
            version = json.loads(data)
            version.update(Version="29.0.0", ApiVersion=NEW, MinAPIVersion="1.44")
            data = json.dumps(version, separators=(",", ":")).encode() + b"\n"
        elif "/logs?" in target:
            parts = frames(data)
            middle = len(parts) // 2
            error = b"Error grabbing logs: log message is too large (synthetic, stdcopy Systemerr)"
            data = join(parts[:middle] + [(3, error)] + parts[middle:])
        elif target.endswith("/images/") or "/images/" in target and target.endswith("/json"):
            image = json.loads(data)
            image.pop("GraphDriver", None)
            data = json.dumps(image, separators=(",", ":")).encode() + b"\n"
        (TARGET / name).write_bytes(data)
        exchange["body"] = name
        exchange["bytes"] = len(data)
    # The host shows no overlay dirs with the containerd store: drop what was read from them.
    lab_root = "/overlay2/"
    index["observations"] = [o for o in index["observations"] if lab_root not in o["path"]]
    index["exchanges"].sort(key=lambda e: (e["target"], e["method"], e["occurrence"]))
    (TARGET / "recording.json").write_text(json.dumps(index, indent=2, sort_keys=True) + "\n")
    shutil.copy(SOURCE / "alert.json", TARGET / "alert.json")
    scenario = json.loads((SOURCE / "scenario.json").read_text())
    scenario["description"] = "the dropped binary on Docker 29 with the containerd image store (synthetic)"
    (TARGET / "scenario.json").write_text(json.dumps(scenario, indent=2, sort_keys=True) + "\n")
    print(f"fixtures: {TARGET.name} (synthetic)", file=sys.stderr)


if __name__ == "__main__":
    main()

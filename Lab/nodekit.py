#!/usr/bin/env python3
"""The lab node's CRI client, called by Lab/node.sh with the node's own venv (grpcio).

  nodekit.py setup --lab-dir L --socket S --cgroup-parent C --image REF --bin DIR --pid N
                                   create the scenario pods through CRI, write their alerts and L/node.json
  nodekit.py check --lab-dir L --socket S    exit 0 when the scenarios are all still as recorded
  nodekit.py teardown --socket S             stop and remove the lab's pods

The writing RPCs (RunPodSandbox, CreateContainer, StartContainer, ExecSync, Stop*, Remove*) are the
lab's alone. Pods carry the labels kubelet gives them (io.kubernetes.pod.name, .namespace, .uid;
io.kubernetes.container.name), so the product sees them as it would on a Kubernetes node. Alerts
follow Falco 0.43's JSON output, with the k8s fields and the 12-character CRI container id; every
value comes from the live container, its process in /proc and its files in the overlay layers.
"""

import argparse
import json
import os
import sys
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import labkit  # noqa: E402  (the Docker lab's process, alert-format and file helpers)

NAMESPACE = "lab-node"
LAB_LABEL = "alert-inspect.lab"
UPPER = "EXE_WRITABLE|EXE_UPPER_LAYER"
LOOP = ('i=0; while :; do i=$((i+1)); now=$(date -u +%Y-%m-%dT%H:%M:%SZ); '
        'echo "$LAB_SCENARIO tick $i at $now on stdout"; echo "$LAB_SCENARIO tick $i at $now on stderr" >&2; '
        'sleep 2; done')
SCENARIOS = ["dropped", "deleted", "memfd", "false-claim", "risky"]


def stubs(lab_dir):
    sys.path.insert(0, os.path.join(lab_dir, "node", "stubs"))
    import cri_pb2, cri_lab_pb2, cri_lab_pb2_grpc  # noqa: E401
    return cri_pb2, cri_lab_pb2, cri_lab_pb2_grpc


class Node:
    def __init__(self, lab_dir, socket_path):
        import grpc
        self.pb, self.lab, grpc_stubs = stubs(lab_dir)
        self.channel = grpc.insecure_channel(f"unix://{socket_path}")
        self.runtime = grpc_stubs.RuntimeServiceStub(self.channel)
        self.images = grpc_stubs.ImageServiceStub(self.channel)

    def version(self):
        return self.runtime.Version(self.pb.VersionRequest(), timeout=10)

    def status(self, container_id):
        answer = self.runtime.ContainerStatus(self.pb.ContainerStatusRequest(container_id=container_id, verbose=True), timeout=10)
        return answer.status, json.loads(answer.info.get("info", "{}"))

    def exec(self, container_id, command, timeout=20):
        answer = self.runtime.ExecSync(self.lab.ExecSyncRequest(container_id=container_id, cmd=command, timeout=timeout), timeout=timeout + 5)
        if answer.exit_code != 0:
            labkit.fail(f"exec {command} in {container_id[:12]}: exit {answer.exit_code}: {answer.stderr.decode(errors='replace')}")
        return answer.stdout.decode(errors="replace")

    def lab_pods(self):
        selector = self.pb.PodSandboxFilter(label_selector={LAB_LABEL: "1"})
        return self.runtime.ListPodSandbox(self.pb.ListPodSandboxRequest(filter=selector), timeout=10).items

    def remove_all(self):
        for pod in self.lab_pods():
            containers = self.runtime.ListContainers(self.pb.ListContainersRequest(
                filter=self.pb.ContainerFilter(pod_sandbox_id=pod.id)), timeout=10).containers
            for container in containers:
                self.runtime.StopContainer(self.lab.StopContainerRequest(container_id=container.id, timeout=2), timeout=30)
                self.runtime.RemoveContainer(self.lab.RemoveContainerRequest(container_id=container.id), timeout=30)
            self.runtime.StopPodSandbox(self.lab.StopPodSandboxRequest(pod_sandbox_id=pod.id), timeout=30)
            self.runtime.RemovePodSandbox(self.lab.RemovePodSandboxRequest(pod_sandbox_id=pod.id), timeout=30)

    def start_pod(self, scenario, args, host_pid=False, privileged=False, mounts=()):
        """A pod named lab-SCENARIO in namespace lab-node with one container `app` running the log loop."""
        pb, lab = self.pb, self.lab
        name, uid = f"lab-{scenario}", str(uuid.uuid4())
        pid_mode = pb.NODE if host_pid else pb.CONTAINER
        labels = {"io.kubernetes.pod.name": name, "io.kubernetes.pod.namespace": NAMESPACE,
                  "io.kubernetes.pod.uid": uid, LAB_LABEL: "1", f"{LAB_LABEL}.scenario": scenario}
        sandbox = lab.PodSandboxConfig(
            metadata=pb.PodSandboxMetadata(name=name, uid=uid, namespace=NAMESPACE, attempt=0),
            log_directory=os.path.join(args.lab_dir, "node", "pods", f"{NAMESPACE}_{name}_{uid}"),
            labels=labels,
            linux=lab.LinuxPodSandboxConfig(
                cgroup_parent=args.cgroup_parent,
                security_context=lab.LinuxSandboxSecurityContext(
                    namespace_options=pb.NamespaceOption(network=pb.NODE, pid=pid_mode, ipc=pb.POD),
                    privileged=privileged)))
        pod_id = self.runtime.RunPodSandbox(lab.RunPodSandboxRequest(config=sandbox), timeout=60).pod_sandbox_id
        config = lab.ContainerConfig(
            metadata=pb.ContainerMetadata(name="app", attempt=0),
            image=pb.ImageSpec(image=args.image),
            command=["/bin/sh", "-c", LOOP],
            envs=[lab.KeyValue(key="LAB_SCENARIO", value=scenario)],
            mounts=[pb.Mount(container_path=inside, host_path=host, readonly=readonly) for host, inside, readonly in mounts],
            labels={"io.kubernetes.container.name": "app", "io.kubernetes.pod.name": name,
                    "io.kubernetes.pod.namespace": NAMESPACE, "io.kubernetes.pod.uid": uid, LAB_LABEL: "1"},
            log_path="app/0.log",
            linux=lab.LinuxContainerConfig(security_context=lab.LinuxContainerSecurityContext(
                privileged=privileged,
                namespace_options=pb.NamespaceOption(network=pb.NODE, pid=pid_mode, ipc=pb.POD))))
        container_id = self.runtime.CreateContainer(lab.CreateContainerRequest(
            pod_sandbox_id=pod_id, config=config, sandbox_config=sandbox), timeout=60).container_id
        self.runtime.StartContainer(lab.StartContainerRequest(container_id=container_id), timeout=60)
        return {"scenario": scenario, "podName": name, "podUid": uid, "podSandboxId": pod_id, "containerId": container_id}


def layers(pid):
    """(upper dir, lower dirs) of the overlay mounted at the root of process PID."""
    for line in (labkit.read_text(f"/proc/{pid}/mountinfo") or "").splitlines():
        before, _, after = line.partition(" - ")
        if before.split()[4] == "/" and after.startswith("overlay "):
            options = dict(o.partition("=")[::2] for o in after.split()[2].split(","))
            return options.get("upperdir"), [d for d in options.get("lowerdir", "").split(":") if d]
    labkit.fail(f"no overlay root for pid {pid}")


def layer_stat(pid, path, where):
    upper, lower = layers(pid)
    for root in ([upper] if where == "upper" else lower):
        try:
            return os.stat(root + path)
        except FileNotFoundError:
            continue
    labkit.fail(f"{path} not found in the {where} layer(s) of pid {pid}")


def wait_pid(container_id, exe=None, memfd=None):
    for _ in range(50):
        pid = labkit.find_pid(container_id, exe=exe, memfd=memfd)
        if pid:
            return pid
        time.sleep(0.1)
    labkit.fail(f"no process for {exe or memfd} in {container_id[:12]}")


def write_alert(node, args, pod, pid, *, rule, flags, exe, sha_of, change, verdict, description,
                stat="upper", image_file=None, parent_was=None, risks=()):
    status, info = node.status(pod["containerId"])
    proc = labkit.process(pid)
    repository, tag = labkit.image_reference(status.image.image.removeprefix("docker.io/"))
    exepath = labkit.falco_exepath(proc["exe"])
    parent, grandparent = proc["parent"], proc["grandparent"]
    if parent_was:
        # The launcher that forked it is gone; at execve time its parent was the shim's child shell.
        parent, grandparent = parent_was, labkit.comm(int(labkit.stat_fields(info["pid"])[1]))
    fields = {
        "container.id": pod["containerId"][:12],
        "container.image.repository": repository,
        "container.image.tag": tag,
        "container.name": status.metadata.name,
        "container.start_ts": status.started_at,
        "evt.arg.flags": flags,
        "evt.type": "execve",
        "k8s.ns.name": NAMESPACE,
        "k8s.pod.name": pod["podName"],
        "proc.aname[2]": grandparent,
        "proc.cmdline": " ".join([proc["comm"]] + proc["argv"][1:]),
        "proc.cwd": proc["cwd"] if proc["cwd"].endswith("/") else proc["cwd"] + "/",
        "proc.exepath": exepath,
        "proc.name": proc["comm"],
        "proc.pname": parent,
        "proc.sname": proc["session_leader"],
        "proc.tty": proc["tty"],
        "user.loginuid": proc["loginuid"],
        "user.name": "root" if proc["uid"] == 0 else None,
        "user.uid": proc["uid"],
    }
    event_ns = proc["started_ns"]
    if rule == "drop":
        layer = layer_stat(pid, exe, stat)
        event_ns = max(event_ns, layer.st_ctime_ns + 1_000)
        fields.update({
            "proc.exe": proc["argv"][0] if proc["argv"] else exepath,
            "proc.exe_ino.ctime": layer.st_ctime_ns,
            "proc.exe_ino.mtime": layer.st_mtime_ns,
            "proc.exe_ino.ctime_duration_proc_start": (event_ns - layer.st_ctime_ns) % (1 << 64),
        })
        name, tags, text, layout = labkit.DROP_RULE, labkit.DROP_TAGS, "Executing binary not part of base image", labkit.DROP_FORMAT
    else:
        fields["evt.res"] = "SUCCESS"
        name, tags, text, layout = labkit.MEMFD_RULE, labkit.MEMFD_TAGS, "Fileless execution via memfd_create", labkit.MEMFD_FORMAT
    fields["evt.time.iso8601"] = event_ns
    line = " ".join(f"{key}={labkit.render(fields[field])}" for key, field in layout + labkit.CONTAINER_SUFFIX)
    alert = {
        "hostname": os.uname().nodename,
        "output": f"{labkit.iso_ns(event_ns, '+0000')}: Critical {text} | {line}",
        "output_fields": fields,
        "priority": "Critical",
        "rule": name,
        "source": "syscall",
        "tags": tags,
        "time": labkit.iso_ns(event_ns),
    }
    alert_path = os.path.join(args.lab_dir, "alerts", f"node-{pod['scenario']}.json")
    labkit.atomic_write(alert_path, json.dumps(alert, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n")
    upper, _ = layers(pid)
    pod.update({
        "engine": "containerd",
        "description": description,
        "podNamespace": NAMESPACE,
        "containerName": status.metadata.name,
        "image": status.image.image,
        "imageRef": status.image_ref,
        "exePath": exepath,
        "alert": alert_path,
        "alertTime": alert["time"],
        "rule": name,
        "flags": flags,
        "sha256": labkit.sha256_file(sha_of),
        "size": os.path.getsize(sha_of),
        "imageSha256": labkit.sha256_file(image_file) if image_file else None,
        "hostPid": pid,
        "containerPid": info["pid"],
        "logPath": status.log_path,
        "snapshotter": info.get("snapshotter"),
        "snapshotKey": info.get("snapshotKey"),
        "upperDir": upper,
        "running": True,
        "expectedChange": change,
        "expectedVerdict": verdict,
        "expectedRisks": list(risks),
    })
    print(f"node/{pod['scenario']}: {NAMESPACE}/{pod['podName']} pid {pid} {exepath} -> {alert_path}", file=sys.stderr)
    return pod


def drop(node, pod, source, path):
    """Copies a host file into the running container's root (its upper layer), as an intruder's download would."""
    _, info = node.status(pod["containerId"])
    target = f"/proc/{info['pid']}/root{path}"
    with open(source, "rb") as src, open(target, "wb") as dst:
        dst.write(src.read())
    os.chmod(target, 0o755)


def run_detached(node, pod, command, logpid=1):
    """Runs COMMAND from a shell that stays its parent; both write to the container's own log."""
    node.exec(pod["containerId"], ["/bin/sh", "-c",
              f'sh -c "{command}; echo exit \\$?" >/proc/{logpid}/fd/1 2>/proc/{logpid}/fd/2 </dev/null &'])


def command_setup(args):
    node = Node(args.lab_dir, args.socket)
    node.remove_all()
    for old in os.listdir(os.path.join(args.lab_dir, "alerts")):
        if old.startswith("node-"):
            os.remove(os.path.join(args.lab_dir, "alerts", old))
    payload, tool, memfd = (os.path.join(args.bin, n) for n in ("payload", "lab-tool", "lab-memfd"))
    pods = {
        "dropped": node.start_pod("dropped", args),
        "deleted": node.start_pod("deleted", args),
        "memfd": node.start_pod("memfd", args, mounts=[(args.bin, "/lab", True)]),
        "false-claim": node.start_pod("false-claim", args),
        "risky": node.start_pod("risky", args, host_pid=True, privileged=True,
                                mounts=[(args.socket, "/run/containerd/containerd.sock", False),
                                        ("/etc", "/host/etc", True)]),
    }
    time.sleep(3)  # a few log lines before each alert
    records = {}

    pod = pods["dropped"]
    drop(node, pod, payload, "/tmp/payload")
    run_detached(node, pod, "/tmp/payload")
    records["dropped"] = write_alert(
        node, args, pod, wait_pid(pod["containerId"], exe="/tmp/payload"), rule="drop", flags=UPPER,
        exe="/tmp/payload", sha_of=payload, change="added", verdict="confirmed",
        description="a static binary dropped into /tmp of a running pod's container and executed; still running")

    pod = pods["deleted"]
    drop(node, pod, payload, "/tmp/payload")
    run_detached(node, pod, "/tmp/payload")
    pid = wait_pid(pod["containerId"], exe="/tmp/payload")
    records["deleted"] = write_alert(
        node, args, pod, pid, rule="drop", flags=UPPER, exe="/tmp/payload", sha_of=payload,
        change="deleted", verdict=None,
        description="dropped into /tmp and executed, then deleted from inside the container; the process keeps running")
    node.exec(pod["containerId"], ["rm", "/tmp/payload"])
    if not (labkit.readlink(f"/proc/{pid}/exe") or "").endswith(" (deleted)"):
        labkit.fail(f"deleted: /proc/{pid}/exe is not marked deleted")

    pod = pods["memfd"]
    node.exec(pod["containerId"], ["/bin/sh", "-c",
              "lab-memfd lab-payload </lab/payload >/proc/1/fd/1 2>/proc/1/fd/2 &"])
    records["memfd"] = write_alert(
        node, args, pod, wait_pid(pod["containerId"], memfd="lab-payload"), rule="memfd",
        flags="EXE_WRITABLE|EXE_FROM_MEMFD", exe=None, sha_of=payload, image_file=memfd, parent_was="lab-memfd",
        change="memfd", verdict="confirmed",
        description="a program run from a memfd by the image's /usr/bin/lab-memfd, read from a read-only host mount; nothing on the container's disk")
    records["memfd"]["launcher"] = "/usr/bin/lab-memfd"

    pod = pods["false-claim"]
    run_detached(node, pod, "lab-tool")
    records["false-claim"] = write_alert(
        node, args, pod, wait_pid(pod["containerId"], exe="/usr/bin/lab-tool"), rule="drop", flags=UPPER,
        exe="/usr/bin/lab-tool", stat="lower", sha_of=tool, image_file=tool, change="unchanged", verdict="disputed",
        description="the alert claims EXE_UPPER_LAYER for /usr/bin/lab-tool, which really runs unchanged from the image")

    pod = pods["risky"]
    _, info = node.status(pod["containerId"])
    drop(node, pod, payload, "/tmp/payload")
    run_detached(node, pod, "/tmp/payload", logpid=info["pid"])
    records["risky"] = write_alert(
        node, args, pod, wait_pid(pod["containerId"], exe="/tmp/payload"), rule="drop", flags=UPPER,
        exe="/tmp/payload", sha_of=payload, change="added", verdict="confirmed",
        risks=["privileged", "host-pid", "runtime-socket", "sensitive-mount", "root-user"],
        description="a privileged pod in the node's PID namespace with the runtime socket and host /etc mounted, and a dropped binary running")

    version = node.version()
    image = node.images.ImageStatus(node.pb.ImageStatusRequest(image=node.pb.ImageSpec(image=args.image)), timeout=10).image
    manifest = {
        "node": {
            "endpoint": f"unix://{args.socket}",
            "socket": args.socket,
            "pid": args.pid,
            "runtimeName": version.runtime_name,
            "runtimeVersion": version.runtime_version,
            "runtimeApiVersion": version.runtime_api_version,
            "image": args.image,
            "imageId": image.id,
            "cgroupParent": args.cgroup_parent,
            "namespace": NAMESPACE,
        },
        "scenarios": records,
        "alerts": os.path.join(args.lab_dir, "alerts", "node-alerts.jsonl"),
    }
    with open(manifest["alerts"] + ".tmp", "w", encoding="utf-8") as out:
        for name in SCENARIOS:
            out.write(labkit.read_text(records[name]["alert"]))
    os.replace(manifest["alerts"] + ".tmp", manifest["alerts"])
    labkit.atomic_write(os.path.join(args.lab_dir, "node.json"), labkit.dump(manifest))
    problem = check(node, args.lab_dir)
    if problem:
        labkit.fail(f"the scenarios do not hold right after setting them up: {problem}")


def check(node, lab_dir):
    try:
        with open(os.path.join(lab_dir, "node.json"), encoding="utf-8") as handle:
            records = json.load(handle)["scenarios"]
    except (OSError, ValueError, KeyError):
        return "no node.json"
    if sorted(records) != sorted(SCENARIOS):
        return f"scenarios {sorted(records)}, expected {sorted(SCENARIOS)}"
    for name, record in records.items():
        try:
            status, _ = node.status(record["containerId"])
        except Exception as error:  # noqa: BLE001  (any RPC failure means the scenario is gone)
            return f"{name}: {error}"
        if status.state != node.pb.CONTAINER_RUNNING:
            return f"{name}: container not running"
        if not labkit.exe_matches(labkit.readlink(f"/proc/{record['hostPid']}/exe"),
                                  record["exePath"], record["exePath"][len("memfd:"):] if name == "memfd" else None):
            return f"{name}: process {record['hostPid']} is gone"
    return None


def command_check(args):
    problem = check(Node(args.lab_dir, args.socket), args.lab_dir)
    if problem:
        print(problem, file=sys.stderr)
        sys.exit(1)


def command_teardown(args):
    Node(os.environ.get("LAB_DIR", "/tmp/alert-inspect-lab"), args.socket).remove_all()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("setup")
    for option in ("--lab-dir", "--socket", "--cgroup-parent", "--image", "--bin"):
        p.add_argument(option, required=True)
    p.add_argument("--pid", type=int, required=True)
    p.set_defaults(run=command_setup)
    p = commands.add_parser("check")
    p.add_argument("--lab-dir", required=True)
    p.add_argument("--socket", required=True)
    p.set_defaults(run=command_check)
    p = commands.add_parser("teardown")
    p.add_argument("--socket", required=True)
    p.set_defaults(run=command_teardown)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()

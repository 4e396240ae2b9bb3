# Thin layer over swift and the lab scripts. Every target works on a fresh Debian machine as root.
SWIFT ?= swift
LAB_DIR ?= /tmp/alert-inspect-lab
export LAB_DIR
BIN = .build/debug/alert-inspect

.PHONY: all build release test deps deps-build lab lab-docker lab-docker26 lab-docker26-containerd lab-podman lab-down fixtures demo bench bench-triage bench-collect bench-watch fuzz faults clean

all: build

## deps: install the Debian packages the build and the lab need (only what is missing).
deps:
	@scripts/install-deps.sh

## deps-build: only what building needs (libcurl's headers, pkg-config).
deps-build:
	@scripts/install-deps.sh build

build: deps-build
	$(SWIFT) build

## release: a statically linked Swift runtime starts faster (and the binary needs no Swift install).
release: deps-build
	$(SWIFT) build -c release --static-swift-stdlib --scratch-path .build-static

## demo: the classic drop-and-execute alert checked against a bundled recording; no engine needed.
demo: deps-build
	@$(SWIFT) build --product alert-inspect >&2
	@$(BIN) inspect --replay Fixtures/recordings/docker-dropped \
		--alert Fixtures/recordings/docker-dropped/alert.json --max-log-lines 12

## test: everything, live lab included (CI runs exactly this).
test: deps lab
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

## lab: private engines with the investigation scenarios (idempotent): Docker 20.10 (overlay2),
## Docker 26.1 (overlay2, and containerd's image store; Debian 13's packages, fetched once) and Podman 4.3.
lab: lab-docker lab-docker26 lab-docker26-containerd lab-podman

lab-docker: deps
	@Lab/lab.sh up docker

lab-docker26: deps
	@Lab/lab.sh up docker26

lab-docker26-containerd: deps
	@Lab/lab.sh up docker26-containerd

lab-podman: deps
	@Lab/lab.sh up podman

lab-down:
	@Lab/lab.sh down

## fixtures: re-record Fixtures/recordings from the live lab. Never hand-edit a recording.
fixtures: build lab
	@Lab/record-fixtures.sh

## bench: investigation latency against the docker CLI and the curl floor, start-up, and the other benches.
bench: deps lab-docker
	@Benchmarks/bench.sh

## fuzz: build the libFuzzer targets (Fuzz/Targets) and run each FUZZ_SECONDS (default 20; try 600).
fuzz: deps-build
	@Fuzz/run.sh

## faults: only the hostile-engine, fault (a private dockerd, started and stopped by the test) and read-only tests.
faults: deps lab
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --filter 'Hostile|FaultTests|ReadOnlyPromiseTests'

bench-triage: deps
	@Benchmarks/bench-triage.sh

## bench-collect: collect a large file and large logs beside curl fetching the same (FILE_MIB, LOG_MIB, RUNS).
bench-collect: deps lab-docker
	@Benchmarks/bench-collect.sh

## bench-watch: watch --input - on a large duplicate-heavy stream: alerts/s accepted and decided, peak RSS (LINES, RUNS).
bench-watch: deps lab-docker
	@Benchmarks/bench-watch.sh

clean:
	rm -rf .build

# Thin layer over swift and the lab scripts. Every target works on a fresh Debian machine as root.
SWIFT ?= swift
LAB_DIR ?= /tmp/alert-inspect-lab
export LAB_DIR
BIN = .build/debug/alert-inspect
# The release build: only the product, the Swift runtime linked in, so it runs on a host without Swift.
RELEASE_DIR = .build-static
RELEASE_BIN = $(RELEASE_DIR)/alert-inspect
# Man page and completions, generated from the command definitions.
GENERATED = $(RELEASE_DIR)/share
PREFIX ?= /usr/local
DESTDIR ?=
# A clean Debian 12 root (debootstrap) for the package test, kept between runs.
DEBIAN_ROOT_CACHE ?= .build-debian12

.PHONY: all build release man completions install deb test-deb test deps deps-build lab lab-docker lab-docker26 lab-docker26-containerd lab-podman lab-node lab-down fixtures demo bench bench-triage bench-collect bench-watch bench-webhook fuzz faults clean

all: build

## deps: install the Debian packages the build and the lab need (only what is missing).
deps:
	@scripts/install-deps.sh

## deps-build: only what building needs (libcurl's headers, pkg-config).
deps-build:
	@scripts/install-deps.sh build

build: deps-build
	$(SWIFT) build

## release: only the product, the Swift runtime linked in (no Swift needed where it runs), stripped: .build-static/alert-inspect
release: deps-build
	$(SWIFT) build -c release --static-swift-stdlib --scratch-path $(RELEASE_DIR) --product alert-inspect
	strip -o $(RELEASE_BIN) $(RELEASE_DIR)/release/alert-inspect
	@ls -l $(RELEASE_BIN) | awk '{printf "release: %s, %.1f MiB stripped\n", $$9, $$5 / 1048576}'

## man, completions: generated from the command definitions (swift-argument-parser), from the release binary.
man: release
	$(SWIFT) build --product generate-manual >&2
	@rm -rf $(GENERATED)/man && mkdir -p $(GENERATED)/man
	.build/debug/generate-manual $(RELEASE_BIN) --output-directory $(GENERATED)/man \
		--date "$$(date -u +%Y-%m-%d)" --section 1 --authors "the alert-inspect authors"

completions: release
	@mkdir -p $(GENERATED)/completions
	$(RELEASE_BIN) --generate-completion-script bash > $(GENERATED)/completions/alert-inspect
	$(RELEASE_BIN) --generate-completion-script zsh > $(GENERATED)/completions/_alert-inspect
	$(RELEASE_BIN) --generate-completion-script fish > $(GENERATED)/completions/alert-inspect.fish

## install: the release binary, its man page and bash/zsh/fish completions under DESTDIR$(PREFIX) (default /usr/local).
install: release man completions
	@scripts/install-files.sh "$(DESTDIR)$(PREFIX)" $(RELEASE_BIN) $(GENERATED)

## deb: a Debian package (dpkg-deb) of the release build; it depends only on the libraries the binary loads.
deb: release man completions
	@scripts/make-deb.sh $(RELEASE_BIN) $(GENERATED) $(RELEASE_DIR)/deb

## test-deb: install the package with apt into a clean Debian 12 root (no Swift) and run it there: --version,
## the demo's replay, and an investigation of the lab engine. Required when CI=true; skipped elsewhere unless root.
test-deb:
	@scripts/test-deb.sh $(RELEASE_DIR)/deb $(DEBIAN_ROOT_CACHE)

## demo: the classic drop-and-execute alert checked against a bundled recording; no engine needed.
demo: deps-build
	@$(SWIFT) build --product alert-inspect >&2
	@$(BIN) inspect --replay Fixtures/recordings/docker-dropped \
		--alert Fixtures/recordings/docker-dropped/alert.json --max-log-lines 12

## test: everything, live lab and lab node included, then the Debian package in a clean root (CI runs exactly this).
test: deps lab lab-node
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	@if scripts/test-deb.sh --wanted; then $(MAKE) --no-print-directory deb test-deb; fi

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

## lab-node: a private containerd whose CRI plugin runs the scenarios as pods (idempotent).
lab-node: deps
	@Lab/node.sh up

lab-down:
	@Lab/node.sh down
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

## faults: the hostile-engine, hostile-webhook, fault (a private dockerd, started and stopped by the test) and
## read-only tests, and the hardening ones: recordings, tar, bundles, verify, watch's disk budget, redaction.
faults: deps lab
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --filter 'Hostile|FaultTests|ReadOnlyPromiseTests|RecordingTests|TarReaderTests|VerifierTests|StagingFolderTests|WatchBudgetTests|Redaction|Acquisition|ProcessHold'

bench-triage: deps
	@Benchmarks/bench-triage.sh

## bench-collect: collect a large file and large logs beside curl fetching the same (FILE_MIB, LOG_MIB, RUNS).
bench-collect: deps lab-docker
	@Benchmarks/bench-collect.sh

## bench-watch: watch --input - on a large duplicate-heavy stream: alerts/s accepted and decided, peak RSS (LINES, RUNS).
bench-watch: deps lab-docker
	@Benchmarks/bench-watch.sh

## bench-webhook: watch --listen under 2,000 idle connections and 1 MB POST floods (IDLE, FLOOD, ALERTS, BIN).
bench-webhook: build
	@Benchmarks/bench-webhook.sh

clean:
	rm -rf .build $(RELEASE_DIR)

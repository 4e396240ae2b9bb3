#!/usr/bin/env bash
# Builds the libFuzzer targets in Fuzz/Targets and runs each for a set time.
#
#   Fuzz/run.sh [TARGET...]        every target (default) or the named ones, FUZZ_SECONDS each (default 20)
#   FUZZ_SECONDS=600 Fuzz/run.sh   a longer local run
#
# The library modules are built by SwiftPM with the fuzzer and address sanitizers into their own
# scratch path (.build-fuzz, so the ordinary build is untouched); each target is one Swift file
# linked against them with swiftc. Seeds come from Tests/FuzzCorpus/<target> (read only); what the
# fuzzer learns goes to .build-fuzz/corpus/<target>, crashes to .build-fuzz/crashes/. Ends with a
# line per target (executions, crashes) and exits 1 if any target crashed.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
SWIFT=${SWIFT:-swift}
SWIFTC=${SWIFTC:-swiftc}
SECONDS_EACH=${FUZZ_SECONDS:-20}
SCRATCH=.build-fuzz
ALL_TARGETS=(AlertParser LogFrames PathStatHeader TarArchive RecordingReader)
TARGETS=("${@:-${ALL_TARGETS[@]}}")

log() { echo "fuzz: $*" >&2; }

# The module each target fuzzes, and the longest input worth trying.
module_of() { [ "$1" = AlertParser ] && echo FalcoAlerts || echo DockerEngine; }
max_len_of() {
    case "$1" in
        TarArchive) echo 16384 ;;
        RecordingReader) echo 32768 ;;
        *) echo 8192 ;;
    esac
}

for target in "${TARGETS[@]}"; do
    [ -f "Fuzz/Targets/$target.swift" ] || { log "no target $target (have: ${ALL_TARGETS[*]})"; exit 64; }
done

# --- Build ----------------------------------------------------------------------------------

# One -sanitize flag with both: swiftc keeps only the last of several (SwiftPM's `--sanitize fuzzer
# --sanitize address` would leave the modules without coverage instrumentation, fuzzing blind).
build_module() {
    log "building $1 with -sanitize=fuzzer,address"
    "$SWIFT" build --scratch-path "$SCRATCH" --target "$1" -Xswiftc -sanitize=fuzzer,address >&2
}
build_module FalcoAlerts
build_module DockerEngine
BIN=$("$SWIFT" build --scratch-path "$SCRATCH" --show-bin-path)

# SwiftPM's package name (the root folder's name), which `package` declarations are visible under.
PACKAGE_NAME=$(grep -- '"-module-name","DockerEngine"' "$SCRATCH/debug.yaml" | grep -o -- '"-package-name","[^"]*"' |
    head -1 | cut -d'"' -f4)
[ -n "$PACKAGE_NAME" ] || { log "cannot find the package name in $SCRATCH/debug.yaml"; exit 1; }

# Clang modules the Swift modules import (libcurl's shim, swift-crypto's C parts).
MODULE_MAPS=(-Xcc "-fmodule-map-file=$ROOT/Sources/CCurl/module.modulemap")
while IFS= read -r map; do
    MODULE_MAPS+=(-Xcc "-fmodule-map-file=$map" -Xcc -I -Xcc "$(dirname "$map")")
done < <(find "$SCRATCH/checkouts" -path '*/include/module.modulemap' 2>/dev/null | sort)

objects_for() {
    if [ "$1" = FalcoAlerts ]; then
        find "$BIN/FalcoAlerts.build" -name '*.o'
    else
        # DockerEngine and everything it depends on (swift-crypto's Swift and C parts).
        find "$BIN" -path '*.build/*' -name '*.o' -not -path '*/FalcoAlerts.build/*' -not -path '*/ModuleCache/*'
    fi
}

mkdir -p "$SCRATCH/fuzzers"
# Coverage must reach the code under test, not only the target file.
for module in FalcoAlerts DockerEngine; do
    object=$(find "$BIN/$module.build" -name '*.o' | sort | head -1)
    sections=$(objdump -h "$object")
    [[ $sections == *__sancov_pcs* ]] ||
        { log "$object has no coverage instrumentation: libFuzzer would fuzz blind"; exit 1; }
done

for target in "${TARGETS[@]}"; do
    module=$(module_of "$target")
    log "linking $target"
    mapfile -t objects < <(objects_for "$module")
    extra=()
    [ "$module" = DockerEngine ] && extra=(-lcurl)
    "$SWIFTC" -sanitize=fuzzer,address -parse-as-library -g -use-ld=lld \
        -package-name "$PACKAGE_NAME" -I "$BIN/Modules" "${MODULE_MAPS[@]}" \
        -module-name "Fuzz$target" "Fuzz/Targets/$target.swift" "${objects[@]}" "${extra[@]}" \
        -o "$SCRATCH/fuzzers/$target"
done

# --- Run ------------------------------------------------------------------------------------

# Swift's runtime keeps caches for the life of the process: leak reports would be noise.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
# A crash is libFuzzer's to report; Swift's own backtracer would only trip over the sanitizer.
export SWIFT_BACKTRACE=enable=no
failed=0
summary=()
for target in "${TARGETS[@]}"; do
    corpus="$SCRATCH/corpus/$target"
    crashes="$SCRATCH/crashes/$target"
    mkdir -p "$corpus" "$crashes"
    seeds="Tests/FuzzCorpus/$target"
    log "running $target for ${SECONDS_EACH}s"
    output="$SCRATCH/$target.log"
    set +e
    "$SCRATCH/fuzzers/$target" "$corpus" ${seeds:+"$seeds"} \
        -max_total_time="$SECONDS_EACH" -max_len="$(max_len_of "$target")" -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$crashes/" -print_final_stats=1 >"$output" 2>&1
    status=$?
    set -e
    runs=$(grep -o 'Done [0-9]* runs' "$output" | tail -1 | grep -o '[0-9]*' || true)
    [ -n "$runs" ] || runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$output" | grep -o '[0-9]*$' || echo "?")
    found=$(find "$crashes" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
    if [ "$status" -ne 0 ]; then
        failed=1
        log "$target FAILED (exit $status); see $output and $crashes"
        grep -m 20 -E 'ERROR|Fatal error|SUMMARY|Test unit written' "$output" >&2 || true
    fi
    summary+=("$(printf '%-16s %10s executions  %d crash file(s)  %s' "$target" "$runs" "$found" \
        "$([ "$status" -eq 0 ] && echo ok || echo FAILED)")")
done

echo "fuzz summary (${SECONDS_EACH}s per target):"
printf '  %s\n' "${summary[@]}"
exit "$failed"

#!/usr/bin/env bash
# Fuzzes Encore's parsers with libFuzzer and AddressSanitizer:
#   scripts/fuzz.sh [SECONDS] [TARGET...]     (default: 60 s for each target)
# Targets: FuzzDelimitedReader FuzzNetflixReader FuzzModelFile FuzzTitleReader FuzzUserRatings
# FuzzOptionParser. A target with a dictionary in Fuzz/Dictionaries/TARGET.dict gets it.
# Each starts from its committed corpus in Fuzz/Corpus/TARGET (new finds go to a scratch copy,
# so the committed corpus stays small) and stops at the first crash, leaving crash-* files in
# Fuzz/findings/ (git-ignored). Prints one line per target: runs, coverage, seconds, result.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(FuzzDelimitedReader FuzzNetflixReader FuzzModelFile FuzzTitleReader FuzzUserRatings FuzzOptionParser)
# Coverage and ASan on every target (Encore's Swift and C too). libFuzzer's own main stays
# out: SwiftPM gives each executable its main, which calls libFuzzer's driver.
flags=(-c release -Xswiftc -sanitize=fuzzer,address -Xswiftc -g -Xswiftc -use-ld=lld -Xcc -fsanitize=fuzzer-no-link,address
  --scratch-path Fuzz/.build)
swift build --package-path Fuzz "${flags[@]}" 2>&1 | grep -E "error|warning: unre|Compiling|Build complete" | grep -v "^\[" | tail -3
bin=$(swift build --package-path Fuzz "${flags[@]}" --show-bin-path)
mkdir -p Fuzz/findings
status=0
for target in "${targets[@]}"; do
  work=$(mktemp -d)
  cp -r "Fuzz/Corpus/$target/." "$work/" 2> /dev/null || true
  log=Fuzz/findings/$target.log
  dict=()
  [ -f "Fuzz/Dictionaries/$target.dict" ] && dict=(-dict="Fuzz/Dictionaries/$target.dict")
  if LSAN_OPTIONS=suppressions=Fuzz/lsan.supp:print_suppressions=0 "$bin/$target" "$work" "${dict[@]}" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=4096 \
    -artifact_prefix="Fuzz/findings/$target-" -print_final_stats=1 > "$log" 2>&1; then
    result=clean
  else
    result="FOUND A CRASH (see $log and Fuzz/findings/$target-*)"
    status=1
  fi
  runs=$(grep -oE "stat::number_of_executed_units: *[0-9]+" "$log" | grep -oE "[0-9]+$" || echo "?")
  cov=$(grep -oE "cov: [0-9]+" "$log" | tail -1 | grep -oE "[0-9]+" || echo "?")
  echo "$target: $runs runs in ${seconds}s, coverage $cov edges, corpus $(ls "$work" | wc -l) inputs: $result"
  rm -rf "$work"
done
exit $status

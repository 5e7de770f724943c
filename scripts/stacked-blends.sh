#!/usr/bin/env bash
# The README's stacked blends (issue 17) on MovieLens-100K's canonical splits u1–u5: eight
# members whose blend weights are fitted on 5-fold out-of-fold predictions of every u<k>.base
# rating (--stack-folds 5), plain and support-weighted (--support-weighted), members then
# refitted on every training rating. u<k>.test is opened once per model, to score it.
# Prints a markdown table; about 16 minutes per configuration on 2 cores.
#
#     ../shared/datasets/get-movielens .data
#     bash scripts/stacked-blends.sh [ENCORE_BINARY] [ML100K_FOLDER]
#     ONLY=support bash scripts/stacked-blends.sh    # only configurations whose label matches
set -euo pipefail
encore=${1:-.build/release/encore}
data=${2:-.data/ml-100k}
members="i-autorec:ensemble=5,svdpp,knn-baseline:item-based:similarity=pearson-baseline,u-autorec,deep-ae,knn-baseline:similarity=pearson-baseline,svd,baseline"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

run() {  # label, then extra options
  local label=$1
  shift
  [[ -n "${ONLY:-}" && "$label" != *"$ONLY"* ]] && return 0
  for k in 1 2 3 4 5; do
    "$encore" train --train "$data/u$k.base" --test "$data/u$k.test" --model blend --members "$members" "$@" --json \
      > "$work/$label.u$k.json"
  done
}
run "blend:stack-folds=5" --stack-folds 5
run "blend:stack-folds=5:support-weighted" --stack-folds 5 --support-weighted

python3 - "$work" <<'PY'
import glob, json, os, statistics, sys
work = sys.argv[1]
labels = sorted({os.path.basename(p).rsplit(".u", 1)[0] for p in glob.glob(os.path.join(work, "*.json"))})
print("| model (8 members) | u1 | u2 | u3 | u4 | u5 | mean ± std | fit s (mean) |")
print("|---|---|---|---|---|---|---|---|")
for label in labels:
    runs = [json.load(open(os.path.join(work, f"{label}.u{k}.json"))) for k in range(1, 6)]
    rmse = [r["test_rmse"] for r in runs]
    print(f"| {label} | " + " | ".join(f"{x:.4f}" for x in rmse)
          + f" | **{statistics.mean(rmse):.4f}** ± {statistics.stdev(rmse):.4f} | {statistics.mean(r['fit_seconds'] for r in runs):.1f} |")
PY

#!/usr/bin/env bash
# Issue 17's held-out check: do the stacked, support-weighted blends that reach the ML-100K
# target (scripts/stacked-blends.sh) also help on data they were not chosen on? Two shapes
# from scripts/defaults-carry-over.sh: a sparse synthetic set (6,000 × 10,000, 100,000
# ratings, most items with a few) and KMRD-small (seed 000's Korean ratings, 52,028 users,
# most with one to three ratings, 600 items, 1–10). Each model is trained with `encore train`
# on a 90/10 holdout (seed 42); the test part is scored once. Prints a markdown table. About
# 35 minutes for the sparse set and well over an hour for KMRD-small (its 8-member blend most).
#
#     (mkdir -p .data/synth-sparse && encore data synth --out .data/synth-sparse/ratings.csv \
#        --users 6000 --items 10000 --ratings 100000)
#     KMRD-small's rates.csv and movies.txt under .data/kmrd-small (see defaults-carry-over.sh)
#     bash scripts/blends-held-out.sh [ENCORE_BINARY]
#     ONLY=PATTERN bash scripts/blends-held-out.sh   # only models whose label matches (grep -E)
set -euo pipefail
encore=${1:-.build/release/encore}
data=${DATA:-.data}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
four="i-autorec:ensemble=5,svdpp,knn-baseline:item-based:similarity=pearson-baseline,u-autorec"
eight="$four,deep-ae,knn-baseline:similarity=pearson-baseline,svd,baseline"
# label|encore train settings
models=(
  "baseline|--model baseline"
  "i-autorec|--model i-autorec"
  "i-autorec:ensemble=5|--model i-autorec --ensemble 5"
  "i-autorec:ensemble=5:no-shrink|--model i-autorec --ensemble 5 --no-shrink"
  "knn-baseline:item-based|--model knn-baseline --item-based --similarity pearson-baseline"
  "blend:refit (4 members)|--model blend --members $four --refit"
  "blend:stack-folds=5:support-weighted (4 members)|--model blend --members $four --stack-folds 5 --support-weighted"
  "blend:stack-folds=5:support-weighted (8 members)|--model blend --members $eight --stack-folds 5 --support-weighted"
)
shapes=(
  "sparse|--data $data/synth-sparse/ratings.csv"
  "kmrd-small|--data $data/kmrd-small --duplicates keep-last"
)
for shape in "${shapes[@]}"; do
  name=${shape%%|*}; args=${shape#*|}
  for model in "${models[@]}"; do
    label=${model%%|*}; settings=${model#*|}
    if [ -n "${ONLY:-}" ] && ! echo "$label" | grep -qE "$ONLY"; then continue; fi
    # shellcheck disable=SC2086
    "$encore" train $args $settings --json 2>/dev/null |
      python3 -c 'import json, sys; d = json.load(sys.stdin); print(json.dumps({"shape": sys.argv[1], "model": sys.argv[2], "test": d["test_rmse"], "fit": d["fit_seconds"]}))' "$name" "$label" |
      tee -a "$work/rows.jsonl" >&2
  done
done
python3 - "$work/rows.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
shapes = list(dict.fromkeys(r["shape"] for r in rows))
models = list(dict.fromkeys(r["model"] for r in rows))
print("| model | " + " | ".join(shapes) + " |")
print("|---|" + "---|" * len(shapes))
for m in models:
    cells = []
    for s in shapes:
        rs = [r for r in rows if r["shape"] == s and r["model"] == m]
        cells.append(f"{rs[0]['test']:.4f}, {rs[0]['fit']:.0f} s" if rs else "–")
    print(f"| {m} | " + " | ".join(cells) + " |")
PY

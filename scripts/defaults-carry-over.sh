#!/usr/bin/env bash
# Issue 17, part 5: do the networks' defaults carry over from MovieLens-100K to other data?
# Four shapes: ML-100K (u1–u5), a MovieLens-1M-sized synthetic set (6,040 × 3,706, 1M ratings),
# a sparse one (6,000 × 10,000, 100,000 ratings, most items with a few) and KMRD-small (52,028
# users, most with one to three ratings, 600 items, 1–10). Each model is trained with
# `encore train` on each shape's training part; its validation part (carved from training) is
# all that any choice sees; the test part is scored once. Prints a markdown table of test RMSE
# with the validation RMSE and the shrink weight beside it.
#
#     ../shared/datasets/get-movielens .data
#     (cd .data && git clone https://github.com/lovit/kmrd)   # or fetch; KMRD-small under .data/kmrd-small
#     bash scripts/defaults-carry-over.sh [ENCORE_BINARY]
set -euo pipefail
encore=${1:-.build/release/encore}
data=${DATA:-.data}
out=${OUT:-$data/defaults-carry-over}
mkdir -p "$out"
[ -f "$data/synth-1m/ratings.csv" ] || { mkdir -p "$data/synth-1m"; "$encore" data synth --out "$data/synth-1m/ratings.csv" --users 6040 --items 3706 --ratings 1000000 --seed 11; }
[ -f "$data/synth-sparse/ratings.csv" ] || { mkdir -p "$data/synth-sparse"; "$encore" data synth --out "$data/synth-sparse/ratings.csv" --users 6000 --items 10000 --ratings 100000; }

# label|encore train settings
models=(
  "baseline|--model baseline"
  "deep-ae, old default (weight decay 0.0016, no shrink)|--model deep-ae --weight-decay 0.0016 --no-shrink"
  "deep-ae, new default (λ 60, shrink)|--model deep-ae"
  "i-autorec, no shrink (old default)|--model i-autorec --no-shrink"
  "i-autorec, default (shrink)|--model i-autorec"
  "u-autorec, no shrink (old default)|--model u-autorec --no-shrink"
  "u-autorec, default (shrink)|--model u-autorec"
)
shapes=(
  "ml-100k|u1 u2 u3 u4 u5"
  "synth-1m|--data $data/synth-1m/ratings.csv"
  "sparse|--data $data/synth-sparse/ratings.csv"
  "kmrd-small|--data $data/kmrd-small --duplicates keep-last"
)
# ONLY=PATTERN re-runs the models whose label matches (grep -E); the others' results are kept.
for model in "${models[@]}"; do
  label=${model%%|*}
  if [ -z "${ONLY:-}" ] || echo "$label" | grep -qE "$ONLY"; then : > "$out/$(echo "$label" | tr -c 'A-Za-z0-9\n' '-').jsonl"; fi
done
for shape in "${shapes[@]}"; do
  name=${shape%%|*}; args=${shape#*|}
  for model in "${models[@]}"; do
    label=${model%%|*}; settings=${model#*|}
    if [ -n "${ONLY:-}" ] && ! echo "$label" | grep -qE "$ONLY"; then continue; fi
    results="$out/$(echo "$label" | tr -c 'A-Za-z0-9\n' '-').jsonl"
    if [ "$name" = ml-100k ]; then
      runs=(); for k in $args; do runs+=("--train $data/ml-100k/$k.base --test $data/ml-100k/$k.test"); done
    else
      runs=("$args")
    fi
    for run in "${runs[@]}"; do
      # shellcheck disable=SC2086
      "$encore" train $run $settings --json 2>/dev/null |
        python3 -c 'import json, sys; d = json.load(sys.stdin); print(json.dumps({"shape": sys.argv[1], "model": sys.argv[2], "test": d["test_rmse"], "baseline_test": d["baseline_test_rmse"], "validation": d["validation_rmse"], "shrink": (d["shrink"] or {}).get("weight"), "fit": d["fit_seconds"]}))' "$name" "$label" >> "$results"
    done
  done
done
for model in "${models[@]}"; do echo "$out/$(echo "${model%%|*}" | tr -c 'A-Za-z0-9\n' '-').jsonl"; done > "$out/files"
python3 - "$out/files" <<'PY'
import json, sys, statistics
rows = [json.loads(l) for f in open(sys.argv[1]).read().split() for l in open(f)]
shapes = list(dict.fromkeys(r["shape"] for r in rows))
models = list(dict.fromkeys(r["model"] for r in rows))
print("| model | " + " | ".join(shapes) + " |")
print("|---|" + "---|" * len(shapes))
for m in models:
    cells = []
    for s in shapes:
        rs = [r for r in rows if r["shape"] == s and r["model"] == m]
        test = statistics.mean(r["test"] for r in rs)
        ws = [r["shrink"] for r in rs if r["shrink"] is not None]
        extra = f" (w {statistics.mean(ws):.2f})" if ws else ""
        fit = statistics.mean(r["fit"] for r in rs)
        cells.append(f"{test:.4f}{extra}, {fit:.0f} s")
    print(f"| {m} | " + " | ".join(cells) + " |")
print()
print("ML-100K: mean over u1–u5; others: one 90/10 holdout (seed 42). w: the mean shrink weight on the network.")
PY

#!/usr/bin/env bash
# The README's side-by-side table of issue 17 on MovieLens-100K's canonical splits u1–u5:
# single models at their defaults, an ensemble of five I-AutoRec seeds, a blend of every
# compared model (weights fitted on each split's validation part, then refitted), and tuned
# baselines (encore tune: 3-fold cross-validation on each u<k>.base only, the winner scored on
# u<k>.test once). No test file chooses anything. Prints a markdown table.
#
#     ../shared/datasets/get-movielens .data
#     bash scripts/ensembles.sh [ENCORE_BINARY] [ML100K_FOLDER]
set -euo pipefail
encore=${1:-.build/release/encore}
data=${2:-.data/ml-100k}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

trains=$(printf "$data/u%d.base," 1 2 3 4 5 | sed 's/,$//')
tests=$(printf "$data/u%d.test," 1 2 3 4 5 | sed 's/,$//')
"$encore" compare --train "$trains" --test "$tests" \
  --models "i-autorec,i-autorec:ensemble=5,u-autorec,svd,svdpp,knn-baseline:item-based:similarity=pearson-baseline" \
  --blend --blend-refit --json > "$work/compare.json"

tune() {  # label model grid
  local label=$1 model=$2 grid=$3
  for k in 1 2 3 4 5; do
    python3 - "$encore" "$model" "$grid" "$data/u$k.base" "$data/u$k.test" "$work/tuned-$k.safetensors" <<'PY' >> "$work/tuned-$label.txt"
import json, subprocess, sys, time
encore, model, grid, train, test, save = sys.argv[1:]
start = time.monotonic()
out = subprocess.run([encore, "tune", "--model", model, "--grid", grid, "--train", train, "--test", test, "--cv-folds", "3",
                      "--save", save, "--json"], check=True, capture_output=True, text=True).stdout
seconds = time.monotonic() - start
d = json.loads(out)
print(json.dumps({"rmse": d["final_test_rmse"], "seconds": seconds, "best": d["best"]}))
PY
  done
}
tune "svd (tuned)" svd "factors=50,100;reg=0.02,0.05;epochs=20,40"
tune "svdpp (tuned)" svdpp "factors=20,50;reg=0.02,0.05;learning-rate=0.005,0.007"
tune "knn-baseline (tuned)" knn-baseline "item-based=true;similarity=pearson-baseline;neighbours=20,40,80;shrinkage=50,100,200"

python3 - "$work" <<'PY'
import json, os, statistics, sys
work = sys.argv[1]
d = json.load(open(os.path.join(work, "compare.json")))
rows = []
for s in d["summary"]:
    runs = [r for r in d["runs"] if r["model"] == s["model"]]
    rows.append((s["model"], [r["rmse"] for r in runs], [r["fit_seconds"] for r in runs]))
for name in sorted(os.listdir(work)):
    if name.startswith("tuned-") and name.endswith(".txt"):
        lines = [json.loads(l) for l in open(os.path.join(work, name))]
        rows.append((name[6:-4], [l["rmse"] for l in lines], [l["seconds"] for l in lines]))
print("| model | u1 | u2 | u3 | u4 | u5 | mean ± std | fit s (mean) |")
print("|---|---|---|---|---|---|---|---|")
for label, rmse, seconds in rows:
    print(f"| {label} | " + " | ".join(f"{r:.4f}" for r in rmse)
          + f" | **{statistics.mean(rmse):.4f}** ± {statistics.stdev(rmse):.4f} | {statistics.mean(seconds):.1f} |")
PY

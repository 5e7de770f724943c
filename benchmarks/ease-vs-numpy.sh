#!/usr/bin/env bash
# EASE on the synthetic ML-20M implicit shape (136,677 users × 20,108 items, 10M interactions),
# Encore against the numpy reference (benchmarks/implicit_reference.py: Steck's code, float64
# np.linalg.inv) on the same split files, one after the other: wall time, peak memory and
# test NDCG@100 of each. Usage: benchmarks/ease-vs-numpy.sh [ENCORE] [LAMBDA]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
encore=${1:-$here/.build/release/encore}
lambda=${2:-600}
data=$here/.data/synth
mkdir -p "$data"
[ -s "$data/ml20m-implicit.csv" ] || "$encore" data synth --like ml-20m-implicit --out "$data/ml20m-implicit.csv"
echo "== Encore (release build), --lambda $lambda, every core =="
/usr/bin/time -f "encore: %e s wall, %M KB peak" "$encore" train --model ease --data "$data/ml20m-implicit.csv" --lambda "$lambda" \
  --test-users 10000 --write-split "$data/sg20m" --json 2> "$data/encore-ease.err" > "$data/encore-ease.json" || { cat "$data/encore-ease.err"; exit 1; }
grep -E "ease|wall" "$data/encore-ease.err"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); f={x["metric"]: x["mean"] for x in d["test"]["figures"]}; print("encore: train %.1f s, test NDCG@100 %.4f, Recall@20 %.4f" % (d["train_seconds"], f["ndcg@100"], f["recall@20"]))' "$data/encore-ease.json"
echo "== numpy reference (float64, OpenBLAS threads as numpy finds them) =="
/usr/bin/time -f "numpy: %e s wall, %M KB peak" python3 "$here/benchmarks/implicit_reference.py" "$data/sg20m" --model ease --lambda "$lambda"

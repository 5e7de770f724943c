#!/usr/bin/env bash
# iALS at 128 factors on the synthetic ML-20M implicit shape: Encore against benfred's
# `implicit` (CPU ALS, conjugate gradient, the same threads), alternating, on the same split
# files. Each side is timed at 1 and 3 epochs; the difference over 2 is one epoch (what
# set-up costs drops out). Usage: benchmarks/ials-vs-implicit.sh [ENCORE] [ROUNDS]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
encore=${1:-$here/.build/release/encore}
rounds=${2:-2}
data=$here/.data/synth
mkdir -p "$data"
[ -s "$data/ml20m-implicit.csv" ] || "$encore" data synth --like ml-20m-implicit --out "$data/ml20m-implicit.csv"
[ -s "$data/sg20m/train.csv" ] || "$encore" train --model most-popular --data "$data/ml20m-implicit.csv" --test-users 10000 --write-split "$data/sg20m" > /dev/null
py=$(bash "$here/benchmarks/setup-venv.sh")
encore_fit() {
  "$encore" train --model ials --factors 128 --epochs "$1" --split-folder "$data/sg20m" --validation-users 0 --threads 2 --json 2>/dev/null |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["train_seconds"])'
}
implicit_fit() {
  "$py" "$here/benchmarks/ials_reference.py" "$data/sg20m" --factors 128 --iterations "$1" --threads 2 --json 2>/dev/null |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["fit_seconds"])'
}
for r in $(seq "$rounds"); do
  e1=$(encore_fit 1); e3=$(encore_fit 3); i1=$(implicit_fit 1); i3=$(implicit_fit 3)
  python3 -c "e=($e3-$e1)/2; i=($i3-$i1)/2; print('round $r: one epoch, Encore %.2f s, implicit %.2f s: Encore %.2fx' % (e, i, i/e))"
done

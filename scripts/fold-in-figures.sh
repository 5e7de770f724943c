#!/usr/bin/env bash
# Fold-in against retraining for users never trained on (README "New users without retraining"):
# ML-100K's u.data, 10% of users held out (seed 42), 80% of each one's ratings folded in and
# 20% scored; the retrain puts those 80% into training instead. Needs .data/ml-100k.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-.build/release/encore}
[ -f .data/ml-100k/u.data ] || ../shared/datasets/get-movielens .data > /dev/null
echo "| model | fold-in RMSE | retrain RMSE | baseline folded in | fold-in MAE | fold-in NDCG@10 | fold-in ms/user |"
echo "|---|---|---|---|---|---|---|"
for model in i-autorec u-autorec deep-ae svd svdpp baseline; do
  fold=$("$bin" train --model $model --data .data/ml-100k/u.data --split users --seed 42 --json 2> /dev/null)
  retrain=$("$bin" train --model $model --data .data/ml-100k/u.data --split users --train-on-fold-in --seed 42 --json 2> /dev/null)
  python3 - "$model" "$fold" "$retrain" <<'PY'
import json, sys
model, fold, retrain = sys.argv[1], json.loads(sys.argv[2])["held_out_users"], json.loads(sys.argv[3])["held_out_users"]
print(f"| {model} | {fold['rmse']:.4f} | {retrain['rmse']:.4f} | {fold['baseline_rmse']:.4f} | {fold['mae']:.4f} | {fold['ranking']['ndcg']:.4f} | {fold['fold_in_ms_per_user']:.3f} |")
PY
done

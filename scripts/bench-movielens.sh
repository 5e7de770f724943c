#!/usr/bin/env bash
# Test RMSE of Encore's models with DEFAULT settings on MovieLens-100K's canonical splits
# u1..u5 (release build). Downloads MovieLens-100K into .data/ (not committed) if needed.
#   usage: scripts/bench-movielens.sh [models, default "i-autorec u-autorec baseline"]
set -euo pipefail
cd "$(dirname "$0")/.."
models=${1:-"i-autorec u-autorec baseline"}
[ -f .data/ml-100k/u1.base ] || ../shared/datasets/get-movielens .data
swift build -c release > /dev/null
for model in $models; do
  for k in 1 2 3 4 5; do
    .build/release/encore train --model "$model" --train .data/ml-100k/u$k.base --test .data/ml-100k/u$k.test --json 2> /dev/null \
      | python3 -c "import json,sys; d=json.load(sys.stdin); print('$model u$k %.4f %.4f %d %.1f' % (d['test_rmse'], d['test_mae'], d['best_epoch'], d['train_seconds']))"
  done
done | python3 -c '
import sys, collections
rows = collections.OrderedDict()
for line in sys.stdin:
    m, split, rmse, mae, epoch, secs = line.split()
    rows.setdefault(m, []).append((split, float(rmse), float(mae), int(epoch), float(secs)))
print("| model | u1 | u2 | u3 | u4 | u5 | mean RMSE | mean MAE | s/run |")
print("|---|---|---|---|---|---|---|---|---|")
for m, r in rows.items():
    print("| %s | %s | **%.4f** | %.4f | %.1f |" % (m, " | ".join("%.4f" % x[1] for x in r),
          sum(x[1] for x in r) / len(r), sum(x[2] for x in r) / len(r), sum(x[4] for x in r) / len(r)))
'

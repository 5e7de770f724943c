#!/usr/bin/env bash
# Prints the figures behind the README's MovieLens-100K and compare tables, one per line, so
# that two builds can be diffed (a refactor must leave every line unchanged):
#   scripts/reference-figures.sh BINARY > before.txt; ... > after.txt; diff before.txt after.txt
# Needs .data/ml-100k (../shared/datasets/get-movielens .data).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:?usage: scripts/reference-figures.sh path/to/encore}
d=.data/ml-100k
[ -f $d/u1.base ] || ../shared/datasets/get-movielens .data > /dev/null
for model in i-autorec u-autorec deep-ae baseline; do
  for k in 1 2 3 4 5; do
    "$bin" train --model $model --train $d/u$k.base --test $d/u$k.test --json 2> /dev/null | python3 -c "
import json, sys; d = json.load(sys.stdin)
print('train $model u$k rmse %.4f mae %.4f best %d run %d unseen %d' % (d['test_rmse'], d['test_mae'], d['best_epoch'], d['epochs_run'], d['n_test_unseen']))"
  done
done
trains=$(echo $d/u{1,2,3,4,5}.base | tr ' ' ,); tests=$(echo $d/u{1,2,3,4,5}.test | tr ' ' ,)
"$bin" compare --train "$trains" --test "$tests" --json 2> /dev/null | python3 -c "
import json, sys; d = json.load(sys.stdin)
for s in d['summary']:
    print('compare %s rmse %.4f mae %.4f fcp %.4f p %.4f r %.4f ndcg %.4f' % (s['model'], s['rmse']['mean'], s['mae']['mean'], s['fcp']['mean'], s['precision']['mean'], s['recall']['mean'], s['ndcg']['mean']))"

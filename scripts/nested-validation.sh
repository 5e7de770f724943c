#!/usr/bin/env bash
# Choose settings without ever reading a test file: each MovieLens-100K u<k>.base is split
# again into a fitting part (90%) and a held-out tenth (seeded), and every configuration is
# trained on the fitting parts (carving its own early-stopping validation from them) and
# scored on the held-out tenths. The u<k>.test files are never opened.
#   usage: scripts/nested-validation.sh "" "--validation-fraction 0.05" "--lambda 120" ...
#   prints per configuration: mean held-out RMSE over u1..u5, u1's, best epochs, seconds per run
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f .data/ml-100k/u1.base ] || ../shared/datasets/get-movielens .data
mkdir -p .data/nested
python3 - <<'PY'
import os, random
for k in range(1, 6):
    fit, held = f'.data/nested/u{k}.fit', f'.data/nested/u{k}.held'
    if os.path.exists(fit) and os.path.exists(held):
        continue
    lines = open(f'.data/ml-100k/u{k}.base').read().splitlines()
    order = list(range(len(lines)))
    random.Random(1000 + k).shuffle(order)
    out = set(order[: len(lines) // 10])
    open(fit + '.tmp', 'w').write(''.join(l + '\n' for i, l in enumerate(lines) if i not in out))
    open(held + '.tmp', 'w').write(''.join(l + '\n' for i, l in enumerate(lines) if i in out))
    os.rename(fit + '.tmp', fit); os.rename(held + '.tmp', held)
PY
swift build -c release > /dev/null
for config in "$@"; do
  for k in 1 2 3 4 5; do
    # shellcheck disable=SC2086
    .build/release/encore train --train .data/nested/u$k.fit --test .data/nested/u$k.held --json $config 2> /dev/null \
      | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["test_rmse"], d["best_epoch"], d["train_seconds"])'
  done | python3 -c '
import sys
rows = [list(map(float, line.split())) for line in sys.stdin]
print("%-50s held-out %.4f  u1 %.4f  epochs %s  %.1f s" % (repr(sys.argv[1]), sum(r[0] for r in rows) / len(rows), rows[0][0],
      ",".join(str(int(r[1])) for r in rows), sum(r[2] for r in rows) / len(rows)))' "$config"
done

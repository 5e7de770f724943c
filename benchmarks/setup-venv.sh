#!/usr/bin/env bash
# Creates (once) the Python environment for the reference benchmarks at $ROOT/.venv-bench
# (ignored by git) with numpy, scipy, pandas and benfred's implicit from PyPI, and prints the
# interpreter's path, and nothing else, on stdout:
#
#   py=$(bash benchmarks/setup-venv.sh)
#   "$py" benchmarks/ials_reference.py SPLIT_DIR --factors 100
#
# Progress and pip's messages go to stderr. Needs python3 with the venv module
# (Debian: apt-get install python3-venv).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENV="$ROOT/.venv-bench"
PY="$VENV/bin/python"
if [ ! -x "$PY" ]; then
    echo "creating $VENV" >&2
    python3 -m venv "$VENV" >&2
fi
if ! "$PY" -c 'import numpy, scipy, pandas, implicit' >/dev/null 2>&1; then
    echo "installing numpy scipy pandas implicit into $VENV" >&2
    "$PY" -m pip install --quiet --disable-pip-version-check numpy scipy pandas implicit >&2
fi
echo "$PY"

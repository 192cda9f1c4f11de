#!/usr/bin/env bash
# Create .venv (Python 3.11) and install the pinned project with its test extras.
# Skips the install when pyproject.toml and constraints.txt are unchanged since the last one
# (a stamp in .venv holds their hash), so `make up` and `make test` stay fast.
set -euo pipefail

cd "$(dirname "$0")/.."
VENV=.venv
STAMP="$VENV/.bureau-install-stamp"

pick_python() {
    for candidate in python3.11 python3; do
        if command -v "$candidate" >/dev/null &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
            echo "$candidate"
            return 0
        fi
    done
    echo "bootstrap_venv: Python 3.11 is required (apt-get install python3.11 python3.11-venv)" >&2
    return 1
}

if [ ! -x "$VENV/bin/python" ]; then
    python=$(pick_python)
    echo "bootstrap_venv: creating $VENV with $python" >&2
    "$python" -m venv "$VENV"
fi

wanted=$(cat pyproject.toml constraints.txt | sha256sum | cut -d' ' -f1)
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$wanted" ]; then
    exit 0
fi

echo "bootstrap_venv: installing dependencies (pyproject.toml or constraints.txt changed)" >&2
"$VENV/bin/pip" install -q --disable-pip-version-check 'setuptools<82' wheel
"$VENV/bin/pip" install -q --disable-pip-version-check -c constraints.txt -e '.[test]'
echo "$wanted" >"$STAMP"

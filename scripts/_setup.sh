# Sourced by scripts/demo and scripts/test: create .venv and install the project once.
# Idempotent and quick when nothing changed: it reinstalls only when pyproject.toml changes.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

python_bin="${PYTHON:-python3}"
if ! "$python_bin" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "bridgetwin needs Python 3.11 or newer; '$python_bin' is $("$python_bin" --version 2>&1)." >&2
    echo "Set PYTHON=/path/to/python3.11 and run again." >&2
    exit 1
fi
if ! command -v node >/dev/null 2>&1; then
    echo "bridgetwin needs Node.js 18 or newer on PATH (aws-cdk-lib runs on Node through jsii)." >&2
    exit 1
fi

# aws-cdk-lib prints a multi-line banner on Node versions it considers end-of-life (Node 20 here);
# the version still works, so silence the banner for the version actually installed.
node_major="$(node -p 'process.versions.node.split(".")[0]')"
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="$node_major"
export JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION=1

if [ ! -x .venv/bin/python ]; then
    echo "==> creating .venv" >&2
    "$python_bin" -m venv .venv
fi
stamp=".venv/.bootstrap-stamp"
want="$(cat pyproject.toml | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "==> installing bridgetwin and its test dependencies into .venv (first run: ~2 minutes)" >&2
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -e ".[test]"
    echo "$want" > "$stamp"
fi
export PATH="$repo_root/.venv/bin:$PATH"

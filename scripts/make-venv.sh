#!/usr/bin/env bash
# Creates the project's virtual environment; on Debian, installs python3-venv if missing.
set -euo pipefail
python=${1:-python3}
venv=${2:-.venv}
if ! "$python" -m venv "$venv" 2>/dev/null; then
    rm -rf "$venv"
    if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
        apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
        "$python" -m venv "$venv"
    else
        echo "Cannot create a virtual environment: install python3-venv first." >&2
        exit 1
    fi
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip

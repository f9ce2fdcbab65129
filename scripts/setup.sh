#!/usr/bin/env bash
# Set up a checkout for running: system packages, .venv with the project installed,
# compiled translations. Safe to run again: a machine that is set up does (almost) nothing.
#
#   scripts/setup.sh [EXTRA_SYSTEM_PACKAGE ...]
#
# Environment:
#   PROJECT_DIR  the checkout (default: the parent of this script's folder)
#   PYTHON       interpreter to make the venv with (default python3)
#   VENV         the virtual environment (default $PROJECT_DIR/.venv)
set -euo pipefail

SCRIPTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PROJECT_DIR=$(cd "${PROJECT_DIR:-$SCRIPTS_DIR/..}" && pwd)
PYTHON=${PYTHON:-python3}
VENV=${VENV:-$PROJECT_DIR/.venv}
STAMP=$VENV/.branchmark-installed
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1

say() { printf '[setup] %s\n' "$*" >&2; }

if ! command -v "$PYTHON" >/dev/null 2>&1; then
  say "error: $PYTHON not found; install Python 3.11 or newer, or run: make PYTHON=/path/to/python3 ..."
  exit 1
fi

# 1. System packages (no-op when all are installed).
PYTHON=$PYTHON "$SCRIPTS_DIR/system-packages.sh" "$@"

# 2. Virtual environment: reuse it when its python runs, else (re)create it.
if [[ -x "$VENV/bin/python" ]] && "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
  :
else
  say "creating virtual environment $VENV (with $PYTHON)"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  rm -f "$STAMP"
fi
if ! "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
  say "venv has no pip; adding it with ensurepip"
  "$VENV/bin/python" -m ensurepip --upgrade >/dev/null
fi

# 3. The project, editable with dev extras: only when pyproject.toml changed since the last
#    install (or the console script is gone).
if [[ ! -f "$STAMP" || "$PROJECT_DIR/pyproject.toml" -nt "$STAMP" || ! -x "$VENV/bin/branchmark" ]]; then
  say "installing the project: pip install -e '.[dev]'"
  (cd "$PROJECT_DIR" && "$VENV/bin/python" -m pip install -q -e '.[dev]')
  touch "$STAMP"
fi

# 4. Translations: .mo files are not in git. Compile when any .po is newer than its .mo.
TRANSLATIONS=$PROJECT_DIR/core/translations
if [[ -d "$TRANSLATIONS" ]]; then
  stale=0
  while IFS= read -r -d '' po; do
    mo=${po%.po}.mo
    if [[ ! -f "$mo" || "$po" -nt "$mo" ]]; then stale=1; break; fi
  done < <(find "$TRANSLATIONS" -path '*/LC_MESSAGES/messages.po' -print0)
  if (( stale )); then
    say "compiling translations"
    "$VENV/bin/pybabel" -q compile -d "$TRANSLATIONS" >&2
  fi
fi

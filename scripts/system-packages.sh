#!/usr/bin/env bash
# Make sure the Debian/Ubuntu packages Branchmark needs are installed.
#
#   scripts/system-packages.sh [EXTRA_PACKAGE ...]
#
# Checks with dpkg-query first: on a machine that is already set up it does nothing and
# runs no apt command. When something is missing it runs `apt-get update` and
# `apt-get install` as root, or through passwordless sudo; otherwise it names the missing
# packages with the command to install them and exits 1.
#
# Extra packages (e.g. chromium for browser tests, passed by `make test`) are optional:
# when apt has no candidate for one, it is skipped with a warning.
#
# Environment:
#   PYTHON                      interpreter the venv is made with (default python3); when it
#                               has no ensurepip, python3-venv is added to the list
#   BRANCHMARK_SKIP_SYSTEM_PACKAGES=1   skip this check entirely (packages managed elsewhere)
set -euo pipefail

# WeasyPrint's libraries, a CJK fallback font, and poppler-utils (pdftotext/pdffonts, used by
# the tests to check PDFs). fonts-wqy-microhei: ~1.6 MB download / 5 MB installed, full CJK
# Unified Ideographs block; fonts-noto-cjk would be ~57 MB / 91 MB for the same purpose.
REQUIRED=(
  libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fontconfig
  fonts-wqy-microhei poppler-utils
)
OPTIONAL=("$@")
PYTHON=${PYTHON:-python3}

say() { printf '[setup] %s\n' "$*" >&2; }

if [[ "${BRANCHMARK_SKIP_SYSTEM_PACKAGES:-}" == 1 ]]; then
  say "system packages: check skipped (BRANCHMARK_SKIP_SYSTEM_PACKAGES=1)"
  exit 0
fi

# A Debian/Ubuntu python3 cannot make a venv without python3-venv (it carries ensurepip).
if ! "$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1; then
  REQUIRED=(python3-venv "${REQUIRED[@]}")
fi

if ! command -v dpkg-query >/dev/null 2>&1; then
  say "warning: not a Debian/Ubuntu system (no dpkg-query); cannot check system packages."
  say "         Make sure these (or your system's equivalents) are installed:"
  say "         ${REQUIRED[*]} ${OPTIONAL[*]}"
  exit 0
fi

installed() {
  [[ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null)" == ii* ]]
}

missing_required=()
missing_optional=()
for p in "${REQUIRED[@]}"; do installed "$p" || missing_required+=("$p"); done
for p in "${OPTIONAL[@]}"; do installed "$p" || missing_optional+=("$p"); done

if (( ${#missing_required[@]} + ${#missing_optional[@]} == 0 )); then
  exit 0   # already set up: nothing to do
fi

missing_all=("${missing_required[@]}" "${missing_optional[@]}")

if [[ $(id -u) -eq 0 ]]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
  SUDO=(sudo -n)
else
  {
    echo
    echo "缺少系统软件包 / Missing system packages: ${missing_all[*]}"
    echo "请以 root 安装后重试 / Install them as root, then run make again:"
    echo
    echo "    sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing_all[*]}"
    echo
    if (( ${#missing_optional[@]} )); then
      echo "(${missing_optional[*]}: only for browser tests; skip with: make test BROWSER_PACKAGES=)"
      echo
    fi
  } >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
say "installing missing system packages: ${missing_all[*]}"
"${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=300 update -qq

to_install=("${missing_required[@]}")
for p in "${missing_optional[@]}"; do
  cand=$(apt-cache policy "$p" 2>/dev/null | awk '/Candidate:/ {print $2}')
  if [[ -z "$cand" || "$cand" == "(none)" ]]; then
    say "warning: $p is not available from apt here; skipping it (tests that need it will skip)"
  else
    to_install+=("$p")
  fi
done

if (( ${#to_install[@]} )); then
  "${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${to_install[@]}" >&2
fi

for p in "${missing_required[@]}"; do
  installed "$p" || { say "error: $p is still not installed"; exit 1; }
done
say "system packages: done"

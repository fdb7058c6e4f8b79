#!/usr/bin/env bash
# Installs Debian's `chromium` for the browser tests (driven by playwright-core with
# executablePath /usr/bin/chromium; see test/support/browser.ts). Idempotent: prints nothing and exits 0
# when Chromium is already there. Needs root (or sudo) only when it has to install.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-chromium: $CHROMIUM is missing and apt-get is not available; install Chromium by hand" >&2
  exit 2
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "install-chromium: $CHROMIUM is missing; run this script as root (apt-get install chromium)" >&2
    exit 2
  fi
fi

echo "install-chromium: installing Debian package chromium"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null

if [ ! -x "$CHROMIUM" ]; then
  echo "install-chromium: apt-get finished but $CHROMIUM is still missing" >&2
  exit 2
fi
echo "install-chromium: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"

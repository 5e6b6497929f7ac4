# Sourced by the browser tests (scripts/browser-chat.sh, scripts/browser-blog.sh), from the
# repository root: makes sure headless Chromium, chromedriver and Selenium are there —
# apt-get for the browser, pip into the venv target/browser-venv — or prints
# "SKIPPED: <reason>" and exits the calling script with 0. Sets `venv`.
# shellcheck shell=bash

venv=target/browser-venv

have_browser() { command -v chromium >/dev/null && command -v chromedriver >/dev/null; }

if ! have_browser; then
    if command -v apt-get >/dev/null; then
        sudo=()
        [ "$(id -u)" = 0 ] || sudo=(sudo)
        install() { "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; }
        echo "installing chromium and chromium-driver (apt-get)"
        install >/dev/null 2>&1 || { "${sudo[@]}" apt-get update -qq >/dev/null 2>&1 && install >/dev/null 2>&1; } || true
    fi
fi
if ! have_browser; then
    echo "SKIPPED: chromium and chromedriver are not installed and apt-get could not install them."
    exit 0
fi

if ! "$venv/bin/python" -c 'import selenium' >/dev/null 2>&1; then
    echo "installing selenium into $venv"
    if ! err=$( { [ -x "$venv/bin/python" ] || python3 -m venv "$venv"; } 2>&1 &&
                "$venv/bin/pip" install --quiet selenium 2>&1 ); then
        echo "SKIPPED: could not install selenium into $venv: $(printf '%s' "$err" | tail -1)"
        exit 0
    fi
fi


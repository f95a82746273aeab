#!/usr/bin/env bash
# Runs every test of the repository on a fresh Debian/Ubuntu machine with the .NET 10 SDK:
# installs what the tests need when it is missing (redis-server for the integration tests,
# dovecot for the e-mail channel's IMAP tests, chromium for the browser tests, Microsoft's Web
# Chat bundle for the compatibility test),
# then runs all test projects of Bot.sln and audits the NuGet packages for known vulnerabilities.
set -euo pipefail
cd "$(dirname "$0")"

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[ -x /usr/sbin/dovecot ] || missing+=(dovecot-imapd)
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  echo "test.sh: installing ${missing[*]}" >&2
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q "${missing[@]}"
fi

# The Web Chat compatibility test drives Microsoft's own bundle, pinned by its package-lock.json.
webchat=tests/Bot.BrowserTests/webchat
if [ -f "$webchat/package.json" ] && [ ! -f "$webchat/node_modules/botframework-webchat/dist/webchat.js" ]; then
  echo "test.sh: installing botframework-webchat for the compatibility test" >&2
  npm ci --prefix "$webchat" --no-audit --no-fund --loglevel=error
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
dotnet test Bot.sln -c Release 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
# Known-vulnerable packages: a high or critical advisory fails the run (says so when the source has no advisory data).
tests/audit/vulnerable-packages.sh || status=1
set -e

# One closing line any CI can read: "N passed, N failed".
passed=$(grep -E '^\s+succeeded: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
failed=$(grep -E '^\s+failed: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
# The failures again at the end, where a CI log's tail shows them: each one's name, message and first frames.
if [ "${failed}" != "0" ]; then
  echo "Failed tests:"
  awk '/^failed [^ ]+ \(/ { show = 1; n = 0; print; next }
       show && /^[[:space:]]/ && n < 16 { print; n++; next }
       { show = 0 }' "$log"
fi
echo "${passed} passed, ${failed} failed"
exit "$status"

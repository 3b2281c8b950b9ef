#!/usr/bin/env bash
# Checks the deployment recipes in deploy/: the systemd unit with
# systemd-analyze (verify, and the offline security score) where systemd is
# installed, the Containerfile and unit with the Go test in deploy/, and a
# container build when KIPINA_BUILD_IMAGE=1 and a builder exists.
set -euo pipefail
cd "$(dirname "$0")/.."

go test -count=1 ./deploy

if command -v systemd-analyze >/dev/null 2>&1; then
  tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
  go build -o "$tmp/kipina" ./cmd/kipina
  # verify wants the ExecStart binary to exist: point it at the one just built.
  sed "s#/usr/local/bin/kipina#$tmp/kipina#g" deploy/kipina.service > "$tmp/kipina.service"
  out=$(systemd-analyze verify "$tmp/kipina.service" 2>&1 || echo "exit status $?")
  if [ -n "$out" ]; then echo "systemd-analyze verify:"; echo "$out"; exit 1; fi
  echo "systemd-analyze verify: ok"
  systemd-analyze security --offline=true --threshold=20 "$tmp/kipina.service" | tail -1
else
  echo "systemd-analyze not installed: unit checked by the Go test only (apt-get install systemd to verify it)"
fi

if [ "${KIPINA_BUILD_IMAGE:-0}" = 1 ]; then
  for b in podman docker; do
    if command -v "$b" >/dev/null 2>&1; then
      "$b" build -f deploy/Containerfile -t kipina:check .
      exit 0
    fi
  done
  echo "no container builder: image not built"
fi

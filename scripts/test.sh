#!/usr/bin/env bash
# The whole test suite, as CI runs it: formatting, vet, staticcheck, and
# every test under the race detector, including the end-to-end suite
# against a real Mattermost server that scripts/mattermost.sh builds (once
# per machine, cached) and starts.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './testtools/mattermost/*'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

echo "== go vet"
go vet ./...

echo "== staticcheck"
go tool staticcheck ./...

echo "== errcheck (unchecked errors; the short exclude list is justified in .errcheck-excludes)"
go tool errcheck -ignoretests -blank -exclude .errcheck-excludes ./...

echo "== deploy recipes (systemd unit, Containerfile)"
bash scripts/check-deploy.sh

export KIPINA_MM_E2E=${KIPINA_MM_E2E:-1}
if [ "$KIPINA_MM_E2E" = 1 ] && [ -z "${KIPINA_MM_URL:-}" ]; then
  echo "== Mattermost test server (built once per machine, then cached)"
  bash scripts/mattermost.sh build
fi

echo "== browser test tools (chromium, axe-core; installed once per machine)"
eval "$(bash scripts/browser.sh | sed -n 's/^KIPINA_/export KIPINA_/p')"

echo "== go test -race"
go test -race -count=1 -timeout 40m ./... 2>&1 | tee /tmp/kipina-test.log

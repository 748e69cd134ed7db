#!/usr/bin/env bash
# Regenerate the README's window screenshots from the e2e trial (real X server, real input):
# runs the "build" and "vgg16" scenarios and copies their pictures into docs/.
set -euo pipefail
cd "$(dirname "$0")/../.."
shots=$(mktemp -d)
DESIGNER_E2E_SHOTS="$shots" python -m pytest tests/e2e -q -k "build or vgg16"
cp "$shots/build-01-start.png" docs/screenshot-designer.png
cp "$shots/vgg16-04-dark.png" docs/screenshot-dark.png
echo "docs/screenshot-designer.png and docs/screenshot-dark.png regenerated from $shots"

#!/usr/bin/env bash
# Build the one-folder app with PyInstaller, then check that it starts: prints its version
# and lists the examples, offscreen. Usage: packaging/build.sh  (needs: pip install pyinstaller)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v pyinstaller >/dev/null || { echo "pyinstaller is not installed: pip install pyinstaller" >&2; exit 2; }
start=$(date +%s)
pyinstaller --noconfirm --clean --distpath build/pyinstaller/dist --workpath build/pyinstaller/work \
    packaging/designer.spec
app=build/pyinstaller/dist/designer
echo "built $app in $(( $(date +%s) - start )) s, $(du -sh "$app" | cut -f1)"
QT_QPA_PLATFORM=offscreen "$app/designer" --version
QT_QPA_PLATFORM=offscreen "$app/designer" examples | head -3

#!/usr/bin/env bash
# Package size of each Lambda bundle, published as cdk.json does it
# (`-r linux-arm64 --self-contained false -p:PublishReadyToRun=true`), zipped the way an
# asset is uploaded (deflate, level 9), against the goal of issue "Performance": <= 5 MB
# zipped (5 MiB = 5,242,880 bytes). Lists the largest files, and the size without
# ReadyToRun and without .pdb files, to show where the bytes come from.
#
# Usage: scripts/package-size.sh [--skip-publish]
set -euo pipefail
cd "$(dirname "$0")/.."

publish=1
[[ "${1:-}" == --skip-publish ]] && publish=0
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
out=artifacts/package-size
limit=$((5 * 1024 * 1024))
functions=(UploadHandler ImportMonitor)

zip_folder() { # folder, zip file
  rm -f "$2"
  if command -v zip >/dev/null; then
    (cd "$1" && zip -q -X -9 -r "$OLDPWD/$2" .)
  else
    python3 - "$1" "$2" <<'PY'
import os, sys, zipfile
folder, target = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
    for root, _, files in os.walk(folder):
        for name in sorted(files):
            path = os.path.join(root, name)
            archive.write(path, os.path.relpath(path, folder))
PY
  fi
  stat -c %s "$2"
}
raw_size() { find "$1" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }'; }
mib() { awk -v b="$1" 'BEGIN { printf "%.2f MiB", b / 1048576 }'; }

mkdir -p "$out"
if [[ $publish == 1 ]]; then
  for fn in "${functions[@]}"; do
    echo "Publishing $fn (linux-arm64, ReadyToRun, and once without ReadyToRun for comparison) ..."
    rm -rf "$out/$fn" "$out/$fn-jit"
    dotnet publish "src/StrokeIngestion.$fn" -c Release -r linux-arm64 --self-contained false -p:PublishReadyToRun=true -o "$out/$fn" -v quiet -nologo >/dev/null
    dotnet publish "src/StrokeIngestion.$fn" -c Release -r linux-arm64 --self-contained false -p:PublishReadyToRun=false -o "$out/$fn-jit" -v quiet -nologo >/dev/null
  done
fi

failed=0
echo
printf '%-14s %6s %14s %14s %20s %20s %8s\n' bundle files raw zipped "zipped without R2R" "zipped without .pdb" verdict
for fn in "${functions[@]}"; do
  dir="$out/$fn"
  files=$(find "$dir" -type f | wc -l)
  raw=$(raw_size "$dir")
  zipped=$(zip_folder "$dir" "$out/$fn.zip")
  jit=$(zip_folder "$out/$fn-jit" "$out/$fn-jit.zip")
  nopdb_dir="$out/$fn-nopdb"
  rm -rf "$nopdb_dir"; cp -r "$dir" "$nopdb_dir"; find "$nopdb_dir" -name '*.pdb' -delete
  nopdb=$(zip_folder "$nopdb_dir" "$out/$fn-nopdb.zip")
  verdict=PASS
  if (( zipped > limit )); then verdict=FAIL; failed=1; fi
  printf '%-14s %6s %14s %14s %20s %20s %8s\n' "$fn" "$files" "$(mib "$raw")" "$(mib "$zipped")" "$(mib "$jit")" "$(mib "$nopdb")" "$verdict"
done

echo
echo "Largest files (raw / compressed in the zip):"
for fn in "${functions[@]}"; do
  echo "  $fn:"
  unzip -v "$out/$fn.zip" | awk 'NR > 3 && $1 ~ /^[0-9]+$/ && NF >= 8 { printf "    %-48s %10.2f MiB %10.2f MiB\n", $8, $1 / 1048576, $3 / 1048576 }' | sort -k2 -g -r | head -6
done
echo
echo "Goal: each bundle <= 5 MiB zipped: $([[ $failed == 0 ]] && echo PASS || echo FAIL)"
exit $failed

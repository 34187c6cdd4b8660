#!/usr/bin/env bash
# Fuzzes the DICOM Part 10 header reader (DicomHeaderReader.Read) with AFL++ and SharpFuzz for
# SECONDS (default 300), then prints a summary. Every input that crashed (threw, or broke an
# invariant of DicomReadInvariants) or hung is copied, named by its SHA-256, into
# test/StrokeIngestion.Core.Tests/Dicom/FuzzRegressions/, which CI replays; the script then
# exits 1. Exit 0 means 0 crashes and 0 hangs.
#
# usage: scripts/fuzz-dicom.sh [SECONDS]
# environment: FUZZ_EXEC_TIMEOUT_MS  per-input time limit before AFL++ calls it a hang (default 5000;
#                                    generous because the 2-core CI machine is shared, and a hang
#                                    in this reader is an endless loop, not a slow input)
#              FUZZ_OUT              work folder, gitignored (default .fuzz)
# Installs afl++ (Debian package) when afl-fuzz is missing; the sharpfuzz instrumenter comes from
# the local tool manifest (.config/dotnet-tools.json).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-300}"
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: $0 [SECONDS]" >&2
  exit 2
fi
exec_timeout_ms="${FUZZ_EXEC_TIMEOUT_MS:-5000}"
out="${FUZZ_OUT:-.fuzz}"
regressions=test/StrokeIngestion.Core.Tests/Dicom/FuzzRegressions
pydicom_files=/usr/lib/python3/dist-packages/pydicom/data/test_files
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

if ! command -v afl-fuzz >/dev/null 2>&1; then
  echo "fuzz-dicom: installing afl++"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq afl++ >/dev/null
fi

echo "fuzz-dicom: building the harness and instrumenting StrokeIngestion.Core (namespace StrokeIngestion.Core.Dicom)"
dotnet tool restore >/dev/null
rm -rf "$out/bin"
dotnet publish fuzz/StrokeIngestion.Fuzz -c Release -o "$out/bin" -v quiet -nologo
dotnet tool run sharpfuzz "$out/bin/StrokeIngestion.Core.dll" StrokeIngestion.Core.Dicom
harness=("$(command -v dotnet)" "$out/bin/StrokeIngestion.Fuzz.dll")

# Seeds: small valid and crafted files, a few small real files, and everything kept before.
seeds="$out/seeds"
rm -rf "$seeds"
"${harness[@]}" seed "$seeds"
for name in image_dfl.dcm rtplan.dcm test-SR.dcm priv_SQ.dcm MR_small_bigendian.dcm \
            SC_rgb_small_odd.dcm JPEG2000-embedded-sequence-delimiter.dcm; do
  if [ -f "$pydicom_files/$name" ]; then cp "$pydicom_files/$name" "$seeds/pydicom-$name"; fi
done
mkdir -p "$regressions"
find "$regressions" -maxdepth 1 -type f ! -name '*.md' -exec cp {} "$seeds/" \;
echo "fuzz-dicom: $(find "$seeds" -type f | wc -l) seeds"

findings="$out/findings"
rm -rf "$findings"
log="$out/afl-fuzz.log"
echo "fuzz-dicom: afl-fuzz for ${seconds}s, ${exec_timeout_ms} ms per input (log: $log)"
# AFL_SKIP_BIN_CHECK: the target binary is dotnet, which carries no AFL instrumentation itself.
# AFL_NO_AFFINITY: shared machines; don't pin to a core. AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES:
# core_pattern may be read-only in containers; crashes here are exceptions, not core dumps.
afl_rc=0
AFL_SKIP_BIN_CHECK=1 AFL_NO_AFFINITY=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
AFL_NO_UI=1 AFL_FAST_CAL=1 \
  afl-fuzz -i "$seeds" -o "$findings" -t "$exec_timeout_ms" -m none -V "$seconds" -x fuzz/dicom.dict \
  -- "${harness[@]}" >"$log" 2>&1 || afl_rc=$?

stats="$findings/default/fuzzer_stats"
if [ ! -f "$stats" ]; then
  echo "fuzz-dicom: afl-fuzz did not start (exit $afl_rc); the end of its log:" >&2
  tail -n 40 "$log" >&2
  exit 1
fi

# Field names changed in AFL++ 4.0 (unique_crashes -> saved_crashes, paths_total -> corpus_count).
stat_value() {
  local value
  for key in "$@"; do
    value="$(sed -n "s/^$key *: *//p" "$stats")"
    if [ -n "$value" ]; then echo "$value"; return; fi
  done
  echo "?"
}
crash_files=("$findings"/default/crashes/id:*)
hang_files=("$findings"/default/hangs/id:*)
[ -e "${crash_files[0]}" ] || crash_files=()
[ -e "${hang_files[0]}" ] || hang_files=()

start="$(stat_value start_time)"
last="$(stat_value last_update)"
echo "fuzz-dicom: summary"
echo "  afl-fuzz      $(stat_value afl_version) (exit $afl_rc)"
echo "  duration      $(( last - start )) s"
echo "  execs         $(stat_value execs_done)"
echo "  execs/s       $(stat_value execs_per_sec) (last minute: $(stat_value execs_ps_last_min))"
echo "  corpus        $(stat_value corpus_count paths_total) inputs ($(stat_value corpus_found paths_found) found, $(stat_value corpus_favored paths_favored) favoured)"
echo "  coverage      $(stat_value bitmap_cvg) of the map, stability $(stat_value stability)"
echo "  crashes       ${#crash_files[@]} (afl-fuzz counted $(stat_value saved_crashes unique_crashes))"
echo "  hangs         ${#hang_files[@]} (afl-fuzz counted $(stat_value saved_hangs unique_hangs))"

found=0
for file in "${crash_files[@]}" "${hang_files[@]}"; do
  hash="$(sha256sum "$file" | cut -d' ' -f1)"
  cp "$file" "$regressions/$hash"
  found=$((found + 1))
  echo "  kept $regressions/$hash (from $(basename "$(dirname "$file")")); replaying:"
  replay_rc=0
  timeout 30 "${harness[@]}" describe "$file" >"$out/replay.txt" 2>&1 || replay_rc=$?
  if [ "$replay_rc" -eq 124 ]; then
    echo "    still running after 30 s: a hang"
  else
    head -n 12 "$out/replay.txt" | sed 's/^/    /'
  fi
done

if [ "$found" -gt 0 ] || [ "$afl_rc" -ne 0 ]; then
  echo "fuzz-dicom: FAILED: $found crashing or hanging inputs (afl-fuzz exit $afl_rc). Fix the reader; CI replays the kept inputs." >&2
  exit 1
fi
echo "fuzz-dicom: 0 crashes, 0 hangs. The corpus AFL++ built is in $findings/default/queue."

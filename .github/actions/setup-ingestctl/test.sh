#!/usr/bin/env bash
# Tests for install.sh: fake release archives, holding a shell script in place of each binary,
# served by python3 -m http.server on a free port of 127.0.0.1, and a stub in place of cargo that
# records how it was called. Runs in seconds, needs no network and never runs cargo.
# Ends with "N passed, M failed" and exits non-zero if any case failed.
set -uo pipefail # no -e: a failing case is counted, and the others still run

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
install_sh="$here/install.sh"
repo_root=$(cd "$here/../../.." && pwd)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/setup-ingestctl-test.XXXXXX")
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

sha256() {
  local out
  if command -v sha256sum >/dev/null 2>&1; then out=$(sha256sum "$1"); else out=$(shasum -a 256 "$1"); fi
  printf '%s' "${out%% *}"
}

linux=x86_64-unknown-linux-gnu
windows=x86_64-pc-windows-msvc

# A release file of <bin> for <target> in <dir>, with its .sha256; a 4th argument "bad" writes a
# checksum of other bytes, "nosum" writes none.
release() {
  local dir=$1 bin=$2 target=$3 how=${4:-good} stage archive
  stage=$(mktemp -d "$tmp/stage.XXXXXX")
  mkdir -p "$dir"
  if [ "$target" = "$windows" ]; then
    printf '#!/bin/sh\necho "%s.exe from the release $*"\n' "$bin" >"$stage/$bin.exe"
    archive="$bin-$target.zip"
    python3 - "$dir/$archive" "$stage/$bin.exe" "$bin.exe" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.write(sys.argv[2], sys.argv[3])
PY
  else
    printf '#!/bin/sh\necho "%s from the release $*"\n' "$bin" >"$stage/$bin"
    chmod +x "$stage/$bin"
    archive="$bin-$target.tar.gz"
    tar -C "$stage" -czf "$dir/$archive" "$bin"
  fi
  case $how in
    good) printf '%s  %s\n' "$(sha256 "$dir/$archive")" "$archive" >"$dir/$archive.sha256" ;;
    bad)
      printf 'other bytes\n' >"$stage/other"
      printf '%s  %s\n' "$(sha256 "$stage/other")" "$archive" >"$dir/$archive.sha256"
      ;;
    nosum) ;;
  esac
}

www="$tmp/www"
release "$www/good" ingestctl "$linux"
release "$www/good" ivs-realtime-emulator "$linux"
release "$www/good" ingestctl "$windows"
release "$www/bad" ingestctl "$linux" bad
release "$www/half" ingestctl "$linux"
release "$www/half" ivs-realtime-emulator "$linux" bad
release "$www/nosum" ingestctl "$linux" nosum
mkdir -p "$www/empty"
release "$www/gh/acme/tool/releases/download/v9.9.9" ingestctl "$linux"
release "$www/gh/acme/tool/releases/latest/download" ingestctl "$linux"
mkdir -p "$www/api/repos/acme/tool"
cat >"$www/api/repos/acme/tool/releases" <<'JSON'
[{"tag_name": "v0.2.0", "draft": false}, {"tag_name":"v0.10.0"}, {"tag_name": "v0.11.0-rc.1"},
 {"tag_name": "v1.0.0"}, {"tag_name": "v0.9.9"}]
JSON

# The stand-in for cargo: records its arguments and CARGO_TARGET_DIR, then "installs" a script
# into <--root>/bin, or fails when STUB_FAIL is set.
stub="$tmp/stub-cargo"
cat >"$stub" <<'SH'
#!/bin/sh
printf '%s | CARGO_TARGET_DIR=%s\n' "$*" "${CARGO_TARGET_DIR:-}" >>"$STUB_LOG"
[ -z "${STUB_FAIL:-}" ] || exit 1
root=""
while [ $# -gt 0 ]; do
  if [ "$1" = --root ]; then root=$2; shift; fi
  shift
done
mkdir -p "$root/bin"
printf '#!/bin/sh\necho "%s built from source"\n' "$INGESTCTL_BUILD_BIN" >"$root/bin/$INGESTCTL_BUILD_BIN"
chmod +x "$root/bin/$INGESTCTL_BUILD_BIN"
SH
chmod +x "$stub"

python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$www" >"$tmp/server.out" 2>"$tmp/server.log" &
server_pid=$!
port=""
for _ in $(seq 100); do
  port=$(sed -n 's/.* port \([0-9][0-9]*\) .*/\1/p' "$tmp/server.out")
  [ -n "$port" ] && break
  sleep 0.05
done
if [ -z "$port" ] || ! curl -fsS -o /dev/null "http://127.0.0.1:$port/good/"; then
  echo "could not start python3 -m http.server" >&2
  cat "$tmp/server.out" "$tmp/server.log" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
url="http://127.0.0.1:$port"

# --- helpers ----------------------------------------------------------------------------------
case_dir=""
new_case() {
  case_dir="$tmp/case-$1"
  mkdir -p "$case_dir/home" "$case_dir/tmp"
}

# install.sh in a clean environment (none of the runner's GITHUB_*/RUNNER_* variables leak in),
# with the linux/x86_64 platform and the stub unless the arguments say otherwise.
run_install() {
  env -i PATH="$PATH" HOME="$case_dir/home" TMPDIR="$case_dir/tmp" \
    INGESTCTL_PLATFORM_OS=Linux INGESTCTL_PLATFORM_ARCH=x86_64 \
    INGESTCTL_SOURCE_BUILD_CMD="$stub" STUB_LOG="$case_dir/stub.log" \
    "$@" bash "$install_sh" >"$case_dir/out" 2>&1
}

expect() {
  local what=$1
  shift
  if ! "$@"; then
    echo "    expected: $what" >&2
    return 1
  fi
}
succeeded() { [ "$status" -eq 0 ]; }
failed() { [ "$status" -ne 0 ]; }
output_has() { grep -qF -- "$1" "$case_dir/out"; }
runs_as() { [ -x "$1" ] && [ "$("$1" --version)" = "$2" ]; }
absent() { [ ! -e "$1" ]; }
empty_dir() { [ ! -d "$1" ] || [ -z "$(ls -A "$1")" ]; }
stub_called_with() { [ -f "$case_dir/stub.log" ] && grep -qF -- "$1" "$case_dir/stub.log"; }
temp_cleaned() { empty_dir "$case_dir/tmp"; }
requests() { grep -c '"GET ' "$tmp/server.log"; }

# --- cases ------------------------------------------------------------------------------------
test_good_archive_installs_and_runs() {
  new_case good
  run_install INGESTCTL_VERSION=v9.9.9 INGESTCTL_RELEASE_BASE_URL="$url/good" \
    INGESTCTL_INSTALL_DIR="$case_dir/bin"
  status=$?
  expect "exit 0" succeeded &&
    expect "the installed binary runs" runs_as "$case_dir/bin/ingestctl" "ingestctl from the release --version" &&
    expect "the sha256 is reported as verified" output_has "sha256 $(sha256 "$www/good/ingestctl-$linux.tar.gz") verified" &&
    expect "no source build" absent "$case_dir/stub.log" &&
    expect "its temporary folder removed" temp_cleaned
}

test_checksum_mismatch_is_refused_and_nothing_installed() {
  new_case bad
  run_install INGESTCTL_VERSION=v9.9.9 INGESTCTL_RELEASE_BASE_URL="$url/bad" \
    INGESTCTL_INSTALL_DIR="$case_dir/bin"
  status=$?
  local expected actual
  expected=$(cut -d' ' -f1 "$www/bad/ingestctl-$linux.tar.gz.sha256")
  actual=$(sha256 "$www/bad/ingestctl-$linux.tar.gz")
  expect "a non-zero exit" failed &&
    expect "a clear error naming the file" output_has "checksum mismatch for ingestctl-$linux.tar.gz" &&
    expect "the expected digest" output_has "expected: $expected" &&
    expect "the actual digest" output_has "actual:   $actual" &&
    expect "nothing installed" empty_dir "$case_dir/bin" &&
    expect "no source build in its place" absent "$case_dir/stub.log" &&
    expect "its temporary folder removed" temp_cleaned
}

test_unknown_platform_builds_from_source() {
  new_case plan9
  local before
  before=$(requests)
  run_install INGESTCTL_VERSION=v9.9.9 INGESTCTL_RELEASE_BASE_URL="$url/good" \
    INGESTCTL_INSTALL_DIR="$case_dir/bin" INGESTCTL_PLATFORM_OS=plan9 INGESTCTL_PLATFORM_ARCH=x86_64
  status=$?
  expect "exit 0" succeeded &&
    expect "cargo install --locked --path <repository root>" stub_called_with "install --locked --path $repo_root --root " &&
    expect "the built binary installed" runs_as "$case_dir/bin/ingestctl" "ingestctl built from source" &&
    expect "no download tried" [ "$(requests)" = "$before" ]
}

test_unknown_architecture_builds_from_source() {
  new_case riscv
  local before
  before=$(requests)
  run_install INGESTCTL_VERSION=v9.9.9 INGESTCTL_RELEASE_BASE_URL="$url/good" \
    INGESTCTL_INSTALL_DIR="$case_dir/bin" INGESTCTL_PLATFORM_ARCH=riscv64
  status=$?
  expect "exit 0" succeeded &&
    expect "a source build" stub_called_with "install --locked --path $repo_root --root " &&
    expect "the built binary installed" runs_as "$case_dir/bin/ingestctl" "ingestctl built from source" &&
    expect "no download tried" [ "$(requests)" = "$before" ]
}

test_missing_asset_builds_from_source() {
  new_case missing
  run_install INGESTCTL_VERSION=v9.9.9 INGESTCTL_RELEASE_BASE_URL="$url/empty" \
    INGESTCTL_INSTALL_DIR="$case_dir/bin"
  status=$?
  expect "exit 0" succeeded &&
    expect "the 404 reported" output_has "ingestctl-$linux.tar.gz is not in the release" &&
    expect "cargo install --locked --path <repository root>" stub_called_with "install --locked --path $repo_root --root " &&
    expect "the built binary installed" runs_as "$case_dir/bin/ingestctl" "ingestctl built from source"
}

test_both_tools_install_from_the_release() {
  new_case both
  run_install INGESTCTL_VERSION=v9.9.9 INGESTCTL_RELEASE_BASE_URL="$url/good" \
    INGESTCTL_INSTALL_DIR="$case_dir/bin" INGESTCTL_TOOLS="ingestctl, ivs-realtime-emulator"
  status=$?
  expect "exit 0" succeeded &&
    expect "ingestctl installed" runs_as "$case_dir/bin/ingestctl" "ingestctl from the release --version" &&
    expect "the emulator installed" runs_as "$case_dir/bin/ivs-realtime-emulator" "ivs-realtime-emulator from the release --version"
}

test_emulator_builds_from_the_emulator_crate() {
  new_case emulator-source
  run_install INGESTCTL_VERSION=v9.9.9 INGESTCTL_RELEASE_BASE_URL="$url/empty" \
    INGESTCTL_INSTALL_DIR="$case_dir/bin" INGESTCTL_TOOLS=ivs-realtime-emulator
  status=$?
  expect "exit 0" succeeded &&
    expect "--path <root>/emulator" stub_called_with "install --locked --path $repo_root/emulator --root " &&
    expect "the built emulator installed" runs_as "$case_dir/bin/ivs-realtime-emulator" "ivs-realtime-emulator built from source"
}

test_one_bad_archive_installs_none() {
  new_case half
  run_install INGESTCTL_VERSION=v9.9.9 INGESTCTL_RELEASE_BASE_URL="$url/half" \
    INGESTCTL_INSTALL_DIR="$case_dir/bin" INGESTCTL_TOOLS=ingestctl,ivs-realtime-emulator
  status=$?
  expect "a non-zero exit" failed &&
    expect "the mismatch named" output_has "checksum mismatch for ivs-realtime-emulator-$linux.tar.gz" &&
    expect "not even the good one installed" empty_dir "$case_dir/bin"
}

test_missing_checksum_is_refused() {
  new_case nosum
  run_install INGESTCTL_VERSION=v9.9.9 INGESTCTL_RELEASE_BASE_URL="$url/nosum" \
    INGESTCTL_INSTALL_DIR="$case_dir/bin"
  status=$?
  expect "a non-zero exit" failed &&
    expect "a clear error" output_has "cannot verify ingestctl-$linux.tar.gz" &&
    expect "nothing installed" empty_dir "$case_dir/bin" &&
    expect "no source build in its place" absent "$case_dir/stub.log"
}

test_actions_tool_cache_path_and_outputs() {
  new_case actions
  : >"$case_dir/path" && : >"$case_dir/output"
  run_install INGESTCTL_VERSION=v9.9.9 INGESTCTL_RELEASE_BASE_URL="$url/good" \
    RUNNER_TOOL_CACHE="$case_dir/toolcache" GITHUB_PATH="$case_dir/path" GITHUB_OUTPUT="$case_dir/output"
  status=$?
  local dir="$case_dir/toolcache/ingestctl/v9.9.9/$linux"
  expect "exit 0" succeeded &&
    expect "installed in the tool cache" runs_as "$dir/ingestctl" "ingestctl from the release --version" &&
    expect "the dir added to GITHUB_PATH" [ "$(cat "$case_dir/path")" = "$dir" ] &&
    expect "output version" grep -qx "version=v9.9.9" "$case_dir/output" &&
    expect "output install-dir" grep -qx "install-dir=$dir" "$case_dir/output" &&
    expect "output source-tools empty" grep -qx "source-tools=" "$case_dir/output"
}

test_defer_mode_only_reports_what_to_build() {
  new_case defer
  : >"$case_dir/path" && : >"$case_dir/output"
  run_install INGESTCTL_VERSION=v9.9.9 INGESTCTL_RELEASE_BASE_URL="$url/empty" \
    INGESTCTL_INSTALL_DIR="$case_dir/bin" INGESTCTL_SOURCE_BUILD=defer \
    GITHUB_PATH="$case_dir/path" GITHUB_OUTPUT="$case_dir/output"
  status=$?
  expect "exit 0" succeeded &&
    expect "no build" absent "$case_dir/stub.log" &&
    expect "nothing installed" empty_dir "$case_dir/bin" &&
    expect "GITHUB_PATH untouched" [ ! -s "$case_dir/path" ] &&
    expect "output source-tools=ingestctl" grep -qx "source-tools=ingestctl" "$case_dir/output" &&
    expect "output cargo-lock-hash" grep -qx "cargo-lock-hash=$(sha256 "$repo_root/Cargo.lock")" "$case_dir/output"
}

test_always_mode_builds_into_the_cached_target_dir() {
  new_case always
  local before
  before=$(requests)
  run_install INGESTCTL_VERSION=v9.9.9 INGESTCTL_RELEASE_BASE_URL="$url/good" \
    INGESTCTL_INSTALL_DIR="$case_dir/bin" INGESTCTL_SOURCE_BUILD=always \
    INGESTCTL_CARGO_TARGET_DIR="$case_dir/target"
  status=$?
  expect "exit 0" succeeded &&
    expect "built with CARGO_TARGET_DIR" stub_called_with "CARGO_TARGET_DIR=$case_dir/target" &&
    expect "the built binary installed" runs_as "$case_dir/bin/ingestctl" "ingestctl built from source" &&
    expect "no download tried" [ "$(requests)" = "$before" ]
}

test_failed_source_build_installs_nothing() {
  new_case build-fails
  run_install INGESTCTL_VERSION=v9.9.9 INGESTCTL_RELEASE_BASE_URL="$url/empty" \
    INGESTCTL_INSTALL_DIR="$case_dir/bin" STUB_FAIL=1
  status=$?
  expect "a non-zero exit" failed &&
    expect "a clear error" output_has "building ingestctl from source failed" &&
    expect "nothing installed" empty_dir "$case_dir/bin"
}

test_major_tag_resolves_to_its_newest_release() {
  new_case major
  : >"$case_dir/output"
  run_install INGESTCTL_ACTION_REF=v0 INGESTCTL_REPOSITORY=acme/tool GITHUB_API_URL="$url/api" \
    INGESTCTL_RELEASE_BASE_URL="$url/good" INGESTCTL_INSTALL_DIR="$case_dir/bin" \
    GITHUB_OUTPUT="$case_dir/output"
  status=$?
  expect "exit 0" succeeded &&
    expect "v0 is v0.10.0 (not v0.9.9, v0.11.0-rc.1 or v1.0.0)" grep -qx "version=v0.10.0" "$case_dir/output" &&
    expect "installed" runs_as "$case_dir/bin/ingestctl" "ingestctl from the release --version"
}

test_repository_and_ref_from_the_action_path() {
  new_case action-path
  run_install GITHUB_ACTION_PATH="/runner/_work/_actions/acme/tool/v9.9.9/.github/actions/setup-ingestctl" \
    GITHUB_SERVER_URL="$url/gh" INGESTCTL_INSTALL_DIR="$case_dir/bin"
  status=$?
  expect "exit 0" succeeded &&
    expect "the release of acme/tool at v9.9.9" output_has "$url/gh/acme/tool/releases/download/v9.9.9/ingestctl-$linux.tar.gz" &&
    expect "installed" runs_as "$case_dir/bin/ingestctl" "ingestctl from the release --version"
}

test_repository_and_ref_from_a_windows_action_path() {
  new_case action-path-windows
  run_install GITHUB_ACTION_PATH='D:\a\_actions\acme\tool\v9.9.9\.github\actions\setup-ingestctl' \
    GITHUB_SERVER_URL="$url/gh" INGESTCTL_INSTALL_DIR="$case_dir/bin"
  status=$?
  expect "exit 0" succeeded &&
    expect "the release of acme/tool at v9.9.9" output_has "$url/gh/acme/tool/releases/download/v9.9.9/ingestctl-$linux.tar.gz" &&
    expect "installed" runs_as "$case_dir/bin/ingestctl" "ingestctl from the release --version"
}

test_latest_uses_the_latest_release() {
  new_case latest
  run_install INGESTCTL_VERSION=latest INGESTCTL_REPOSITORY=acme/tool GITHUB_SERVER_URL="$url/gh" \
    INGESTCTL_INSTALL_DIR="$case_dir/bin"
  status=$?
  expect "exit 0" succeeded &&
    expect "the releases/latest/download URL" output_has "$url/gh/acme/tool/releases/latest/download/ingestctl-$linux.tar.gz" &&
    expect "installed" runs_as "$case_dir/bin/ingestctl" "ingestctl from the release --version"
}

test_windows_zip_installs_the_exe() {
  if ! command -v unzip >/dev/null 2>&1; then
    skipped=1
    return 0
  fi
  new_case windows
  run_install INGESTCTL_VERSION=v9.9.9 INGESTCTL_RELEASE_BASE_URL="$url/good" \
    INGESTCTL_INSTALL_DIR="$case_dir/bin" INGESTCTL_PLATFORM_OS=MINGW64_NT-10.0-20348
  status=$?
  expect "exit 0" succeeded &&
    expect "the .zip fetched" output_has "ingestctl-$windows.zip: sha256" &&
    expect "ingestctl.exe installed" runs_as "$case_dir/bin/ingestctl.exe" "ingestctl.exe from the release --version"
}

test_unknown_tool_is_refused() {
  new_case unknown-tool
  run_install INGESTCTL_VERSION=v9.9.9 INGESTCTL_RELEASE_BASE_URL="$url/good" \
    INGESTCTL_INSTALL_DIR="$case_dir/bin" INGESTCTL_TOOLS=ingestctl,kubectl
  status=$?
  expect "a non-zero exit" failed &&
    expect "the tool named" output_has "unknown tool 'kubectl'" &&
    expect "nothing installed" empty_dir "$case_dir/bin"
}

# --- run --------------------------------------------------------------------------------------
passed=0
failed=0
skips=0
for test in $(declare -F | awk '{print $3}' | grep '^test_'); do
  status=""
  skipped=""
  name=${test#test_}
  name=${name//_/ }
  if "$test"; then
    if [ -n "$skipped" ]; then
      echo "skip - $name"
      skips=$((skips + 1))
    else
      echo "ok   - $name"
      passed=$((passed + 1))
    fi
  else
    echo "FAIL - $name (install.sh exited ${status:-?})"
    if [ -n "$case_dir" ] && [ -f "$case_dir/out" ]; then sed 's/^/    | /' "$case_dir/out"; fi
    failed=$((failed + 1))
  fi
  case_dir=""
done

if [ "$skips" -gt 0 ]; then
  echo "$passed passed, $failed failed, $skips skipped"
else
  echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]

#!/usr/bin/env bash
# Installs ingestctl (and, when asked, ivs-realtime-emulator) from the GitHub releases of the
# repository this script belongs to, each archive checked against the release's .sha256 file.
# Where no release binary fits (a platform without one, or a ref without a release), it builds the
# tool from the source tree this script sits in, with `cargo install --locked --path`.
#
# action.yml beside it runs it; it runs on its own too (bash 3.2+, curl, tar; unzip, 7z or
# PowerShell for the Windows .zip; sha256sum or shasum). Everything comes in through the environment:
#
#   INGESTCTL_TOOLS             what to install, comma or space separated: ingestctl (the default)
#                               and/or ivs-realtime-emulator
#   INGESTCTL_VERSION           a release tag (v0.1.0); a major or minor tag (v0, v0.1) for the
#                               newest release under it; `latest`; or empty for the action's ref
#   INGESTCTL_ACTION_REF        the ref the action was used at (github.action_ref)
#   INGESTCTL_REPOSITORY        owner/name whose releases to use (github.action_repository); else
#                               read from GITHUB_ACTION_PATH, else GITHUB_REPOSITORY, else the line
#                               in .github/REPOSITORY of the source tree
#   INGESTCTL_RELEASE_BASE_URL  the folder holding the release files, in place of
#                               $GITHUB_SERVER_URL/<repository>/releases/download/<version>
#   INGESTCTL_INSTALL_DIR       where the binaries go; default $RUNNER_TOOL_CACHE/ingestctl/
#                               <version>/<target> in Actions, else $HOME/.ingestctl/bin
#   INGESTCTL_PLATFORM_OS       stands in for `uname -s` (Linux, Darwin, MINGW64_NT-...)
#   INGESTCTL_PLATFORM_ARCH     stands in for `uname -m` (x86_64, aarch64, arm64)
#   INGESTCTL_SOURCE_ROOT       the source tree to build from (default: three folders up)
#   INGESTCTL_SOURCE_BUILD      auto (default): build what has no release binary; defer: build
#                               nothing, list it in the output source-tools; always: build only
#   INGESTCTL_SOURCE_BUILD_CMD  run as `<cmd> install --locked --path <crate> --root <dir>` with
#                               INGESTCTL_BUILD_BIN set to the binary's name (default: cargo)
#   INGESTCTL_CARGO_TARGET_DIR  CARGO_TARGET_DIR for that build (the action caches it)
#   GITHUB_TOKEN                sent to the GitHub API only, to find the newest release of v0/v0.1
#   GITHUB_PATH, GITHUB_OUTPUT  in Actions: the install dir goes on PATH, and the outputs version,
#                               install-dir, source-tools and cargo-lock-hash are written
#
# A checksum mismatch, a missing .sha256 or a failed download (other than 404) stops it with
# nothing installed: every file is fetched, checked and unpacked in a temporary folder first, and
# only then moved into the install dir.
set -euo pipefail

log() { printf 'setup-ingestctl: %s\n' "$*" >&2; }

die() {
  local line annotation=$1
  log "error: $1"
  shift
  for line in "$@"; do
    printf '  %s\n' "$line" >&2
    annotation="$annotation%0A$line"
  done
  if [ "${GITHUB_ACTIONS:-}" = true ]; then printf '::error title=setup-ingestctl::%s\n' "$annotation"; fi
  exit 1
}

lower() { printf '%s' "$1" | tr '[:upper:]' '[:lower:]'; }

# Git Bash on Windows: C:\hostedtoolcache\... becomes /c/hostedtoolcache/...
unix_path() {
  if command -v cygpath >/dev/null 2>&1; then cygpath -u "$1"; else printf '%s' "$1"; fi
}

sha256_of() {
  local out
  if command -v sha256sum >/dev/null 2>&1; then
    out=$(sha256sum "$1")
  elif command -v shasum >/dev/null 2>&1; then
    out=$(shasum -a 256 "$1")
  elif command -v openssl >/dev/null 2>&1; then
    out=$(openssl dgst -sha256 -r "$1")
  else
    return 1
  fi
  out=${out%% *}
  lower "${out#\\}"
}

# Prints the HTTP status of GET $1 saved to $2; fails only when curl cannot get an answer.
download() {
  curl -sSL --retry 3 --retry-delay 2 --connect-timeout 20 --max-time 600 \
    -o "$2" -w '%{http_code}' "$1"
}

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=${INGESTCTL_SOURCE_ROOT:-$(cd "$script_dir/../../.." && pwd)}

# --- which tools ------------------------------------------------------------------------------
tools=()
read -r -a requested <<<"$(printf '%s' "${INGESTCTL_TOOLS:-ingestctl}" | tr ',\n' '  ')"
for tool in ${requested[@]+"${requested[@]}"}; do
  case $tool in
    ingestctl | ivs-realtime-emulator) tools+=("$tool") ;;
    *) die "unknown tool '$tool'" "known: ingestctl, ivs-realtime-emulator" ;;
  esac
done
[ "${#tools[@]}" -gt 0 ] || die "no tools to install (INGESTCTL_TOOLS is empty)"

mode=${INGESTCTL_SOURCE_BUILD:-auto}
case $mode in
  auto | defer | always) ;;
  *) die "INGESTCTL_SOURCE_BUILD must be auto, defer or always, not '$mode'" ;;
esac

# --- whose releases, which version ------------------------------------------------------------
repository=${INGESTCTL_REPOSITORY:-}
action_ref=${INGESTCTL_ACTION_REF:-}
# A remote action is checked out at <runner>/_actions/<owner>/<name>/<ref>/<path>: the fallback
# for the runner's known habit of leaving github.action_* empty inside composite actions.
action_path=${GITHUB_ACTION_PATH:-}
action_path=${action_path//\\//}
case $action_path in
  */_actions/*/.github/actions/setup-ingestctl)
    checkout=${action_path##*/_actions/}
    checkout=${checkout%/.github/actions/setup-ingestctl}
    owner=${checkout%%/*}
    rest=${checkout#*/}
    if [ -z "$repository" ]; then repository="$owner/${rest%%/*}"; fi
    case $rest in */*) if [ -z "$action_ref" ]; then action_ref=${rest#*/}; fi ;; esac
    ;;
esac
if [ -z "$repository" ]; then repository=${GITHUB_REPOSITORY:-}; fi
if [ -z "$repository" ] && [ -f "$root/.github/REPOSITORY" ]; then
  repository=$(tr -d ' \r\n' <"$root/.github/REPOSITORY")
fi

version=${INGESTCTL_VERSION:-}
if [ -z "$version" ]; then version=$action_ref; fi
if [ -z "$version" ]; then version=latest; fi

# v0 or v0.1 (the moving tags an action is usually pinned to): the newest release under it.
if [ "$mode" != always ] && [[ $version =~ ^v[0-9]+(\.[0-9]+)?$ ]]; then
  escaped=$(printf '%s' "$version" | sed 's/\./\\./g')
  case $version in
    *.*) pattern="^$escaped\\.[0-9]+\$" ;;
    *) pattern="^$escaped\\.[0-9]+\\.[0-9]+\$" ;;
  esac
  api=${GITHUB_API_URL:-https://api.github.com}
  headers=(-H 'Accept: application/vnd.github+json')
  if [ -n "${GITHUB_TOKEN:-}" ]; then headers+=(-H "Authorization: Bearer $GITHUB_TOKEN"); fi
  newest=""
  if [ -n "$repository" ] &&
    releases=$(curl -fsSL --retry 3 --connect-timeout 20 "${headers[@]}" \
      "$api/repos/$repository/releases?per_page=100" 2>/dev/null); then
    newest=$(printf '%s\n' "$releases" |
      grep -oE '"tag_name"[[:space:]]*:[[:space:]]*"[^"]*"' |
      sed -E 's/.*"([^"]*)"$/\1/' |
      { grep -E "$pattern" || true; } |
      sed 's/^v//' | sort -t. -k1,1n -k2,2n -k3,3n | tail -n 1)
  fi
  if [ -n "$newest" ]; then
    log "$version is v$newest, its newest release"
    version=v$newest
  else
    log "found no release under $version"
  fi
fi

if [ -n "${INGESTCTL_RELEASE_BASE_URL:-}" ]; then
  base=${INGESTCTL_RELEASE_BASE_URL%/}
elif [ -z "$repository" ]; then
  base=""
elif [ "$version" = latest ]; then
  base="${GITHUB_SERVER_URL:-https://github.com}/$repository/releases/latest/download"
else
  base="${GITHUB_SERVER_URL:-https://github.com}/$repository/releases/download/$version"
fi

# --- which platform ---------------------------------------------------------------------------
os=$(lower "${INGESTCTL_PLATFORM_OS:-$(uname -s)}")
arch=$(lower "${INGESTCTL_PLATFORM_ARCH:-$(uname -m)}")
exe_suffix=""
ext=tar.gz
case $os in
  linux) os_part=unknown-linux-gnu ;;
  darwin) os_part=apple-darwin ;;
  mingw* | msys* | cygwin* | windows*)
    os_part=pc-windows-msvc
    exe_suffix=.exe
    ext=zip
    ;;
  *) os_part="" ;;
esac
case $arch in
  x86_64 | amd64 | x64) arch_part=x86_64 ;;
  aarch64 | arm64) arch_part=aarch64 ;;
  *) arch_part="" ;;
esac
target=""
if [ -n "$os_part" ] && [ -n "$arch_part" ]; then target="$arch_part-$os_part"; fi
# The Linux binaries link glibc: a musl system (Alpine) builds from source instead.
if [ "$os_part" = unknown-linux-gnu ] && [ -z "${INGESTCTL_PLATFORM_OS:-}" ] &&
  command -v ldd >/dev/null 2>&1 && ldd --version 2>&1 | grep -qi musl; then
  log "this Linux uses musl; the release binaries need glibc"
  target=""
fi

if [ -n "${INGESTCTL_INSTALL_DIR:-}" ]; then
  install_dir=$(unix_path "$INGESTCTL_INSTALL_DIR")
elif [ -n "${RUNNER_TOOL_CACHE:-}" ]; then
  install_dir="$(unix_path "$RUNNER_TOOL_CACHE")/ingestctl/$(printf '%s' "$version" | tr '/:' '__')/${target:-source-$os-$arch}"
else
  install_dir="${HOME:?HOME is not set}/.ingestctl/bin"
fi

work=$(mktemp -d "$(unix_path "${RUNNER_TEMP:-${TMPDIR:-/tmp}}")/setup-ingestctl.XXXXXX")
trap 'rm -rf "$work"' EXIT

# --- fetch, check and unpack the release archives (nothing is installed yet) ------------------
staged_names=() # binary names, and beside them where each waits in $work
staged_paths=()
need_source=()

fetch_release() {
  local bin=$1 exe=$1$exe_suffix asset url status sums expected named actual unpacked found
  asset="$bin-$target.$ext"
  url="$base/$asset"
  log "downloading $url"
  status=$(download "$url" "$work/$asset") || die "could not download $url (no answer)"
  if [ "$status" = 404 ]; then
    log "$asset is not in the release ($url: 404)"
    return 1
  fi
  [ "$status" = 200 ] || die "downloading $url failed: HTTP $status"

  status=$(download "$url.sha256" "$work/$asset.sha256") || die "could not download $url.sha256 (no answer)"
  [ "$status" = 200 ] || die "cannot verify $asset: $url.sha256 answered HTTP $status" "nothing was installed"
  sums=$(head -n 1 "$work/$asset.sha256" | tr -d '\r')
  expected=$(lower "$(printf '%s\n' "$sums" | awk '{print $1}')")
  named=$(printf '%s\n' "$sums" | awk '{print $2}')
  named=${named#\*}
  [[ $expected =~ ^[0-9a-f]{64}$ ]] ||
    die "$asset.sha256 holds no SHA-256 digest" "first line: $sums" "nothing was installed"
  [ -z "$named" ] || [ "$named" = "$asset" ] ||
    die "$asset.sha256 is the checksum of $named, not of $asset" "nothing was installed"
  actual=$(sha256_of "$work/$asset") || die "found no sha256sum, shasum or openssl to check $asset with"
  if [ "$actual" != "$expected" ]; then
    die "checksum mismatch for $asset: refusing to install it" \
      "file:     $url" \
      "expected: $expected (from $asset.sha256)" \
      "actual:   $actual" \
      "nothing was installed"
  fi
  log "$asset: sha256 $actual verified"

  unpacked="$work/unpacked-$bin"
  mkdir -p "$unpacked"
  case $ext in
    tar.gz) tar -xzf "$work/$asset" -C "$unpacked" || die "could not unpack $asset" "nothing was installed" ;;
    zip)
      if command -v unzip >/dev/null 2>&1; then
        unzip -q -o "$work/$asset" -d "$unpacked" || die "could not unpack $asset" "nothing was installed"
      elif command -v 7z >/dev/null 2>&1; then
        7z x -y -bd -o"$unpacked" "$work/$asset" >/dev/null || die "could not unpack $asset" "nothing was installed"
      elif command -v powershell >/dev/null 2>&1 && command -v cygpath >/dev/null 2>&1; then
        powershell -NoProfile -NonInteractive -Command \
          "Expand-Archive -LiteralPath '$(cygpath -w "$work/$asset")' -DestinationPath '$(cygpath -w "$unpacked")'" ||
          die "could not unpack $asset" "nothing was installed"
      else
        die "found no unzip, 7z or powershell to unpack $asset"
      fi
      ;;
  esac
  found="$unpacked/$exe"
  if [ ! -f "$found" ]; then found=$(find "$unpacked" -type f -name "$exe" | head -n 1); fi
  if [ -z "$found" ] || [ ! -f "$found" ]; then die "$asset holds no $exe" "nothing was installed"; fi
  chmod +x "$found"
  staged_names+=("$exe")
  staged_paths+=("$found")
}

build_from_source() {
  local bin=$1 exe=$1$exe_suffix crate build_root cmd
  crate=$root
  if [ "$bin" = ivs-realtime-emulator ]; then crate="$root/emulator"; fi
  [ -f "$crate/Cargo.toml" ] ||
    die "no release binary of $bin fits, and there is no source at $crate to build it from"
  read -r -a cmd <<<"${INGESTCTL_SOURCE_BUILD_CMD:-cargo}"
  if ! command -v "${cmd[0]}" >/dev/null 2>&1; then
    die "no release binary of $bin fits this runner ($os/$arch, version $version), and building it needs ${cmd[0]}" \
      "install Rust first (for example with dtolnay/rust-toolchain), or use a platform with release binaries"
  fi
  build_root="$work/build-$bin"
  log "building $bin from source: ${cmd[*]} install --locked --path $crate --root $build_root"
  (
    if [ -n "${INGESTCTL_CARGO_TARGET_DIR:-}" ]; then export CARGO_TARGET_DIR=$INGESTCTL_CARGO_TARGET_DIR; fi
    export INGESTCTL_BUILD_BIN=$bin
    "${cmd[@]}" install --locked --path "$crate" --root "$build_root"
  ) || die "building $bin from source failed" "nothing was installed"
  [ -f "$build_root/bin/$exe" ] || die "the source build left no $build_root/bin/$exe" "nothing was installed"
  staged_names+=("$exe")
  staged_paths+=("$build_root/bin/$exe")
}

# fetch_release runs as a condition, where set -e is off: it stops with die, never by errexit.
for bin in "${tools[@]}"; do
  if [ "$mode" = always ]; then
    need_source+=("$bin")
  elif [ -z "$target" ]; then
    log "no release binary is built for $os/$arch"
    need_source+=("$bin")
  elif [ -z "$base" ]; then
    log "do not know whose releases to use (set INGESTCTL_REPOSITORY)"
    need_source+=("$bin")
  elif ! fetch_release "$bin"; then
    need_source+=("$bin")
  fi
done

deferred=""
if [ "${#need_source[@]}" -gt 0 ]; then
  if [ "$mode" = defer ]; then
    deferred="${need_source[*]}"
    log "to build from source: $deferred"
  else
    for bin in "${need_source[@]}"; do build_from_source "$bin"; done
  fi
fi

# --- install ----------------------------------------------------------------------------------
if [ "${#staged_names[@]}" -gt 0 ]; then
  mkdir -p "$install_dir"
  i=0
  while [ "$i" -lt "${#staged_names[@]}" ]; do
    mv -f "${staged_paths[$i]}" "$install_dir/${staged_names[$i]}"
    log "installed $install_dir/${staged_names[$i]} ($version)"
    i=$((i + 1))
  done
  if [ -n "${GITHUB_PATH:-}" ]; then
    path_entry=$install_dir
    if command -v cygpath >/dev/null 2>&1; then path_entry=$(cygpath -w "$install_dir"); fi
    printf '%s\n' "$path_entry" >>"$GITHUB_PATH"
  fi
fi

if [ -n "${GITHUB_OUTPUT:-}" ]; then
  lock_hash=""
  if [ -n "$deferred" ] && [ -f "$root/Cargo.lock" ]; then lock_hash=$(sha256_of "$root/Cargo.lock" || true); fi
  {
    printf 'version=%s\n' "$version"
    printf 'install-dir=%s\n' "$install_dir"
    printf 'source-tools=%s\n' "$deferred"
    printf 'cargo-lock-hash=%s\n' "$lock_hash"
  } >>"$GITHUB_OUTPUT"
fi

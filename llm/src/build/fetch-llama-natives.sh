#!/usr/bin/env bash
# Fetches the prebuilt llama.cpp + ggml shared libraries from npm and lays them out as class-path
# resources of the llm module. Called by Maven (generate-resources); runs without npm when the
# package is already in the download cache.
#
#   fetch-llama-natives.sh PACKAGE VERSION CACHE_DIR OUT_DIR
#     PACKAGE   npm package, e.g. @node-llama-cpp/linux-x64 (or -cuda, -vulkan)
#     VERSION   exact version, e.g. 3.22.1
#     CACHE_DIR where downloaded .tgz files are kept between builds
#     OUT_DIR   resource root; files land in OUT_DIR/com/mysticanvas/llm/natives/
set -euo pipefail
pkg="$1" version="$2" cache="$3" out="$4"
backend="${pkg##*/}"
dest="$out/com/mysticanvas/llm/natives"
stamp="$dest/llama-natives.properties"

if [[ -f "$stamp" ]] && grep -qx "package=$pkg" "$stamp" && grep -qx "version=$version" "$stamp"; then
  exit 0 # already laid out for this package and version
fi

mkdir -p "$cache"
tgz="$cache/${pkg//\//+}-$version.tgz"
if [[ ! -f "$tgz" ]]; then
  command -v npm >/dev/null || { echo "npm is needed to download $pkg@$version (install Node.js and npm)" >&2; exit 1; }
  echo "downloading $pkg@$version from the npm registry into $cache" >&2
  tmp="$(mktemp -d "$cache/.pack.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack "$pkg@$version" --silent >/dev/null)
  # Rename into place only when complete, so a cancelled build never leaves half a file behind.
  mv "$tmp"/*.tgz "$tgz"
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/llama-natives.XXXXXX")"
trap 'rm -rf "$work" ${tmp:+"$tmp"}' EXIT
tar -xzf "$tgz" -C "$work" package/bins package/package.json
bins=("$work"/package/bins/*/)
[[ ${#bins[@]} -eq 1 ]] || { echo "expected one folder under bins/ in $tgz, found ${#bins[@]}" >&2; exit 1; }

rm -rf "$dest"
mkdir -p "$dest"
files=()
for f in "${bins[0]}"*.so*; do
  name="$(basename "$f")"
  # llama-addon.node is node's binding; libllama-common is the CLI helper library nothing of ours links.
  [[ "$name" == libllama-common.so* ]] && continue
  cp "$f" "$dest/$name"
  files+=("$name:$(stat -c %s "$f")")
done
release="$(sed -n 's/.*"release":"\([^"]*\)".*/\1/p' "${bins[0]}_nlcBuildMetadata.json" 2>/dev/null || true)"
{
  echo "package=$pkg"
  echo "version=$version"
  echo "backend=$backend"
  echo "llamacpp=${release:-unknown}"
  echo "files=$(IFS=,; echo "${files[*]}")" # name:size, so the run-time cache can be checked
} > "$stamp.tmp"
mv "$stamp.tmp" "$stamp"
echo "bundled ${#files[@]} native libraries of $pkg@$version (llama.cpp ${release:-unknown})" >&2

#!/usr/bin/env bash
# Writes the SDKs of the provider plugin's package (ablo:index:Datasource) that Pulumi's own
# generators make from its schema, through the engine as `pulumi package gen-sdk` does for any
# provider: the engine starts the plugin (plugin/, built) for its schema and hands it to the language
# host of each language, whose GeneratePackage runs Pulumi's generator (pkg/v3/codegen/nodejs,
# pkg/v3/codegen/python, pkg/v3/codegen/go; see scripts/engine/codegenrpc).
#   sdk/src/plugin   TypeScript: the generated sources and package.json, built into @ablo/pulumi as
#                    `@ablo/pulumi/plugin` (sdk/tsconfig.plugin.json)
#   sdk/python       Python: the package `pulumi_ablo` as generated (pyproject.toml), for pip, and
#                    its README.md copied beside pyproject.toml (below); `npm run pack` builds its
#                    wheel and sdist
#   sdk/go           Go: the module github.com/abloatai/pulumi-ablo/sdk/go (its go.mod, written because
#                    the schema sets meta.supportPack) and its package ablo/, for `go get`
# All are committed, as Pulumi providers do with theirs; test/e2e/generated-sdks.test.ts fails when
# they differ from what the schema generates now. Run it after changing plugin/src/schema.ts:
#   npm run gen-sdk                   # into the work tree
#   bash scripts/gen-sdk.sh --out DIR # the same layout under DIR (DIR/sdk/...), for comparison
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root"
if [ "${1:-}" = --out ]; then
  out="${2:?--out needs a folder}"
fi
[ -f "$root/plugin/dist/main.js" ] || { echo "gen-sdk: the plugin is not built; run npm run build first" >&2; exit 1; }

tmp="$(mktemp -d "${TMPDIR:-/tmp}/ablo-gen-sdk.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
export PULUMI_HOME="$tmp/home" # nothing of the user's plugin cache or credentials is read or written
for lang in nodejs python go; do
  if ! "$root/scripts/pulumi" package gen-sdk "$root/plugin/bin/pulumi-resource-ablo" --language "$lang" --out "$tmp/gen" >"$tmp/log" 2>&1; then
    cat "$tmp/log" >&2; exit 1
  fi
done

mkdir -p "$out/sdk/src"
rm -rf "${out:?}/sdk/python" "${out:?}/sdk/src/plugin" "${out:?}/sdk/go"
cp -R "$tmp/gen/python" "$out/sdk/python"
# The one step after Pulumi's Python generator, as Pulumi's own providers do before building: its
# pyproject.toml names `readme = "README.md"` beside itself, but it writes the README (the schema's
# language.python.readme) into the module's folder only. Without the copy, setuptools only warns
# ("README.md cannot be found") and a wheel, an sdist or `pip install sdk/python` has no description.
cp "$out/sdk/python/pulumi_ablo/README.md" "$out/sdk/python/README.md"
cp -R "$tmp/gen/go" "$out/sdk/go"
# Of the TypeScript package, its sources and package.json (which its utilities.ts reads for the
# version); its own tsconfig, README and git files are left out: @ablo/pulumi builds and ships it.
(cd "$tmp/gen/nodejs" && find . -name '*.ts' -o -name package.json) | while read -r f; do
  mkdir -p "$(dirname "$out/sdk/src/plugin/$f")"
  cp "$tmp/gen/nodejs/$f" "$out/sdk/src/plugin/$f"
done
echo "gen-sdk: wrote $out/sdk/src/plugin, $out/sdk/python and $out/sdk/go" >&2

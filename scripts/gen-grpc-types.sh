#!/usr/bin/env bash
# Regenerates the TypeScript types of schemas/grpc/*.proto into src/runtime/worker/generated (committed).
# Usage: bash scripts/gen-grpc-types.sh [OUT_DIR]   (a test regenerates into a temp dir to catch drift)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-src/runtime/worker/generated}"
rm -rf "$out"
npx proto-loader-gen-types --longs=Number --enums=String --defaults --oneofs \
  --grpcLib=@grpc/grpc-js --outDir="$out" schemas/grpc/*.proto >/dev/null
# NodeNext resolution needs explicit extensions on relative imports.
find "$out" -name '*.ts' -print0 | xargs -0 sed -i -E "s#from '(\.[^']*)'#from '\1.js'#"

#!/usr/bin/env bash
# Times `evals ranking --run latest` (and `--run all`) on a bucket store against the same
# store on local disk: a real S3 server (versitygw) on loopback, reached directly and
# through a proxy that adds 20 ms to every round trip, cold (empty cache) and warm. Also
# counts the requests each command makes (EVALS_TRACE=requests).
#
#   bench/s3.sh /tmp/s1m          # a store made by `bench gen-store` (or any store folder)
set -euo pipefail
src=${1:?usage: bench/s3.sh STORE_DIR}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
(cd "$here/.." && go build -o "$work/evals" .)
(cd "$here" && go build -o "$work/bench" .)
vgw=$(command -v versitygw || echo "$(go env GOPATH)/bin/versitygw")
mkdir -p "$work/s3/bench"
# The posix backend keeps each object as a file: copying the store's folder in is the same
# as uploading it object by object.
cp -r "$src/runs" "$work/s3/bench/store-runs-tmp" && mkdir -p "$work/s3/bench/store" && mv "$work/s3/bench/store-runs-tmp" "$work/s3/bench/store/runs"
ROOT_ACCESS_KEY=bench ROOT_SECRET_KEY=benchsecret "$vgw" --port 127.0.0.1:7180 posix "$work/s3" >"$work/vgw.log" 2>&1 &
"$work/bench" proxy -listen 127.0.0.1:7181 -to 127.0.0.1:7180 -delay 10ms 2>"$work/proxy.log" &
until (exec 3<>/dev/tcp/127.0.0.1/7180) 2>/dev/null; do sleep 0.1; done
until (exec 3<>/dev/tcp/127.0.0.1/7181) 2>/dev/null; do sleep 0.1; done
export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=benchsecret XDG_CACHE_HOME="$work/cache"
direct='s3://bench/store?endpoint=http://127.0.0.1:7180&use_path_style=true&region=us-east-1'
slow='s3://bench/store?endpoint=http://127.0.0.1:7181&use_path_style=true&region=us-east-1'

echo "requests (cold = empty cache, warm = second run):"
for scope in latest all; do
  for url in "$direct"; do
    rm -rf "$work/cache"
    cold=$(EVALS_TRACE=requests "$work/evals" --store "$url" ranking --run $scope 2>&1 >/dev/null | tail -1)
    warm=$(EVALS_TRACE=requests "$work/evals" --store "$url" ranking --run $scope 2>&1 >/dev/null | tail -1)
    echo "  ranking --run $scope: cold: $cold"
    echo "  ranking --run $scope: warm: $warm"
  done
done
same=$(cmp <("$work/evals" --store "$src" ranking --run all --json) <("$work/evals" --store "$direct" ranking --run all --json) && echo yes || echo NO)
echo "same answer from disk and from S3: $same"

for scope in latest all; do
  # --prepare applies to every command of one hyperfine call: the cold case gets its own.
  hyperfine -N -w 2 -r 10 --export-markdown "$work/w-$scope.md" \
    -n "local disk" "$work/evals --store $src ranking --run $scope" \
    -n "S3 loopback, warm" "$work/evals --store $direct ranking --run $scope" \
    -n "S3 +20 ms RTT, warm" "$work/evals --store $slow ranking --run $scope" >/dev/null
  hyperfine -N -r 10 --export-markdown "$work/c-$scope.md" --prepare "rm -rf $work/cache" \
    -n "S3 +20 ms RTT, cold" "$work/evals --store $slow ranking --run $scope" >/dev/null
  echo; echo "ranking --run $scope"; cat "$work/w-$scope.md"; tail -1 "$work/c-$scope.md"
done

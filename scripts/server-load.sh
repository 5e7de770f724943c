#!/usr/bin/env bash
# Load figures for `encore serve` (README "Serving"): wrk on loopback, 16 connections, the
# server and wrk sharing the machine's cores. Prints a Markdown table row per workload.
#   scripts/server-load.sh MODEL MAX_USER_ID MAX_ITEM_ID [SECONDS] [WORKLOADS]
# IDs are assumed to be 1..MAX (MovieLens and `encore data synth` files). WORKLOADS is a
# comma-separated subset of known,foldin,ratings (default all three).
# Needs a release server: swift build -c release --package-path Server.
set -euo pipefail
model=$1 users=$2 items=$3 seconds=${4:-10} workloads=${5:-known,foldin,ratings}
server=${SERVER:-Server/.build/release/encore-server}
dir=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2> /dev/null; wait 2> /dev/null; rm -rf "$dir"; }
trap cleanup EXIT
"$server" --model "$model" --store "$dir/store.sqlite" --port 0 --log-level warning > "$dir/log" 2>&1 &
pid=$!
for _ in $(seq 1 600); do
  port=$(sed -n 's|.*http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$dir/log" | head -1)
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { cat "$dir/log"; exit 1; }
url="http://127.0.0.1:$port"

cat > "$dir/known.lua" <<LUA
math.randomseed(1)
request = function()
  return wrk.format("GET", "/v1/users/" .. math.random(1, $users) .. "/recommendations?n=10")
end
LUA
cat > "$dir/foldin.lua" <<LUA
math.randomseed(2)
bodies = {}
for b = 1, 200 do
  local seen, parts = {}, {}
  while #parts < 20 do
    local item = math.random(1, $items)
    if not seen[item] then
      seen[item] = true
      parts[#parts + 1] = string.format('{"item":%d,"rating":%d}', item, math.random(1, 5))
    end
  end
  bodies[b] = '{"n":10,"ratings":[' .. table.concat(parts, ",") .. ']}'
end
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("POST", "/v1/recommendations", {["content-type"] = "application/json"}, bodies[counter % 200 + 1])
end
LUA
cat > "$dir/ratings.lua" <<LUA
math.randomseed(3)
counter = 0
request = function()
  counter = counter + 1
  local parts = {}
  for i = 1, 100 do
    parts[i] = string.format('{"user":"load-%d","item":%d,"rating":%d}', math.random(1, 100000), math.random(1, $items), math.random(1, 5))
  end
  return wrk.format("POST", "/v1/ratings", {["content-type"] = "application/json"}, '{"ratings":[' .. table.concat(parts, ",") .. ']}')
end
LUA

run() {  # run NAME LABEL
  wrk -t2 -c16 -d1s -s "$dir/$1.lua" "$url" > /dev/null  # warm-up
  wrk -t2 -c16 -d"${seconds}s" --latency -s "$dir/$1.lua" "$url" > "$dir/$1.txt"
  python3 - "$dir/$1.txt" "$2" "$1" <<'PY'
import re, sys
text, label, name = open(sys.argv[1]).read(), sys.argv[2], sys.argv[3]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
def pct(p):
    m = re.search(r"\s%s%%\s+([\d.]+)(us|ms|s)" % p, text)
    value, unit = float(m.group(1)), m.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
errors = "Non-2xx" in text or "Socket errors" in text
extra = f"; {rps * 100:,.0f} ratings/s" if name == "ratings" else ""
print(f"| {label} | {rps:,.0f} req/s{extra} | {pct(50):.2f} ms | {pct(99):.2f} ms | {'ERRORS' if errors else 'none'} |")
PY
}
echo "| workload ($(basename "$model")) | throughput | p50 | p99 | failed |"
echo "|---|---|---|---|---|"
[[ $workloads == *known* ]] && run known "GET recommendations, random known users"
[[ $workloads == *foldin* ]] && run foldin "POST /v1/recommendations, fold-in of 20 ratings"
[[ $workloads == *ratings* ]] && run ratings "POST /v1/ratings, batches of 100"
exit 0

#!/usr/bin/env bash
# kcat (librdkafka) against a Tributary broker. Prints one line per scenario, "PASS <name>" or
# "FAIL <name>: <reason>", and exits non-zero if any failed.
#   scenarios.sh            every single-broker scenario:
#     BOOTSTRAP                  a broker with auto.create.topics.enable=true
#     NO_AUTO_CREATE_BOOTSTRAP   a broker with auto.create.topics.enable=false (for unknown-topic)
#     TOPIC_PREFIX               optional; a fresh one per run by default
#   scenarios.sh cluster    the scenario "cluster" against a multi-node cluster, bootstrapped from one node:
#     BOOTSTRAP                  that node
#     TOPIC                      an existing topic (kcat cannot create one) with partitions led by several nodes
#     GROUP, RECORDS, KEYS       the group to consume in; RECORDS records keyed key-<i % KEYS>, valued value-<i>
#   It also prints, for the test to check, "BROKER <id> <host:port>" and "LEADER <partition> <id>" as seen in
#   metadata, and "CONSUMED <partition> <offset> <key> <value>" per record the group consumer received.
set -uo pipefail
MODE=${1:-all}
B=${BOOTSTRAP:?set BOOTSTRAP to host:port}
if [[ $MODE == all ]]; then NO_AUTO=${NO_AUTO_CREATE_BOOTSTRAP:?set NO_AUTO_CREATE_BOOTSTRAP to host:port}; fi
PREFIX=${TOPIC_PREFIX:-kcat-$(date +%s%N)}
T=30 # seconds any one kcat may take
exec 3>&1 # what a scenario reports for the test: its stdout and stderr are captured for its FAIL line

produce() { timeout $T kcat -P -b "$B" -q "$@"; }           # stdin lines become records
consume() { timeout $T kcat -C -b "$B" -q -o beginning -e "$@"; }
fail() { echo "$*"; exit 1; } # each scenario runs in a subshell: this ends only that scenario
expect_eq() { [[ "$1" == "$2" ]] || fail "$3: expected [$2] got [$1]"; }

produce_consume() {
  local t=$PREFIX-pc
  printf 'k1:v1\nk2:v2\nk3:v3\n' | produce -t "$t" -K: || fail "produce failed"
  expect_eq "$(consume -t "$t" -f '%o %k %s\n')" $'0 k1 v1\n1 k2 v2\n2 k3 v3' "records"
}

auto_create() {
  local t=$PREFIX-auto
  timeout $T kcat -L -b "$B" | grep -q "topic \"$t\"" && fail "topic exists before the first produce"
  echo hello | produce -t "$t" || fail "produce failed"
  timeout $T kcat -L -b "$B" | grep -q "topic \"$t\" with 1 partitions" || fail "topic not listed with 1 partition"
  expect_eq "$(consume -t "$t" -f '%s\n')" "hello" "record"
}

consumer_group() {
  local t=$PREFIX-group g=$PREFIX-g
  printf 'a\nb\nc\n' | produce -t "$t" || fail "produce failed"
  # the group consumer commits what it consumed when it closes (enable.auto.commit is on by default)
  expect_eq "$(timeout $T kcat -b "$B" -q -G "$g" -X auto.offset.reset=earliest -c 3 -f '%o %s\n' "$t")" \
    $'0 a\n1 b\n2 c' "first member"
  printf 'd\ne\n' | produce -t "$t" || fail "second produce failed"
  expect_eq "$(timeout $T kcat -b "$B" -q -G "$g" -X auto.offset.reset=earliest -e -f '%o %s\n' "$t")" \
    $'3 d\n4 e' "second member, resuming from the committed offset 3"
}

compression() {
  local codec=$1 t=$PREFIX-$1 expected
  expected=$(seq 1 50 | sed "s/^/$codec record /")
  echo "$expected" | produce -t "$t" -z "$codec" || fail "produce failed"
  expect_eq "$(consume -t "$t" -f '%s\n')" "$expected" "records"
}

headers_timestamps() {
  local t=$PREFIX-headers before after json ts
  before=$(date +%s%3N)
  printf 'x\n' | produce -t "$t" -H trace=abc-123 -H empty= || fail "produce failed"
  after=$(date +%s%3N)
  json=$(consume -t "$t" -J)
  [[ "$json" == *'"tstype":"create"'* ]] || fail "not CreateTime: $json"
  [[ "$json" == *'"headers":["trace","abc-123","empty",""]'* ]] || fail "headers lost: $json"
  ts=$(consume -t "$t" -f '%T')
  (( before <= ts && ts <= after )) || fail "timestamp $ts not in [$before, $after]"
}

offsets_for_times() {
  local t=$PREFIX-times i ts1
  for i in 0 1 2; do echo "m$i" | produce -t "$t" || fail "produce $i failed"; done # one timestamp each
  ts1=$(consume -t "$t" -o 1 -c 1 -f '%T')
  # the first offset whose timestamp is >= ts1: 1, or 0 if the first two shared a millisecond
  local want; want=$(consume -t "$t" -f '%o %T\n' | awk -v ts="$ts1" '$2 >= ts { print $1; exit }')
  expect_eq "$(timeout $T kcat -Q -b "$B" -t "$t:0:$ts1")" "$t [0] offset $want" "offset for $ts1"
  expect_eq "$(timeout $T kcat -Q -b "$B" -t "$t:0:$((ts1 + 3600000))")" "$t [0] offset -1" "offset after the last record"
}

idempotent_produce() {
  local t=$PREFIX-idempotent
  seq 1 20 | produce -t "$t" -X enable.idempotence=true || fail "produce failed"
  expect_eq "$(consume -t "$t" -f '%o=%s ')" "$(for i in $(seq 0 19); do printf '%s=%s ' $i $((i + 1)); done)" "records"
}

offset_out_of_range() {
  local t=$PREFIX-range out
  printf 'a\nb\n' | produce -t "$t" || fail "produce failed"
  out=$(timeout $T kcat -C -b "$B" -t "$t" -o 100 -e -X auto.offset.reset=error 2>&1) && fail "consume at 100 succeeded: $out"
  [[ "$out" == *"Broker: Offset out of range"* ]] || fail "unexpected error: $out"
}

unknown_topic() {
  local t=$PREFIX-unknown out
  out=$(echo x | timeout $T kcat -P -b "$NO_AUTO" -t "$t" -X topic.metadata.propagation.max.ms=1000 \
    -X message.timeout.ms=10000 2>&1) && fail "produce succeeded: $out"
  [[ "$out" == *"Broker: Unknown topic or partition"* ]] || fail "unexpected producer error: $out"
  out=$(timeout $T kcat -C -b "$NO_AUTO" -t "$t" -e 2>&1) && fail "consume succeeded: $out"
  [[ "$out" == *"Broker: Unknown topic or partition"* ]] || fail "unexpected consumer error: $out"
}

cluster() {
  local meta i
  meta=$(timeout $T kcat -L -b "$B" -t "$TOPIC") || fail "metadata failed"
  sed -n 's/^ *broker \([0-9]*\) at \([^ ]*\).*/BROKER \1 \2/p' <<<"$meta" >&3
  sed -n 's/^ *partition \([0-9]*\), leader \([0-9-]*\),.*/LEADER \1 \2/p' <<<"$meta" >&3
  # librdkafka's default partitioner picks the partition from the key; each goes to its leader's node
  for ((i = 0; i < RECORDS; i++)); do echo "key-$((i % KEYS)):value-$i"; done \
    | produce -t "$TOPIC" -K: -X acks=-1 || fail "produce failed"
  # the group consumer commits what it consumed when it closes (enable.auto.commit is on by default)
  timeout $T kcat -b "$B" -q -G "$GROUP" -X auto.offset.reset=earliest -c "$RECORDS" \
    -f 'CONSUMED %p %o %k %s\n' "$TOPIC" >&3 || fail "group consume failed"
}

failures=0
scenario() {
  local name=$1 out
  shift
  if out=$("$@" 2>&1); then echo "PASS $name"; else echo "FAIL $name: $(tail -n 1 <<<"$out")"; failures=$((failures + 1)); fi
}
if [[ $MODE == cluster ]]; then
  scenario cluster cluster
elif [[ $MODE == all ]]; then
  scenario produce-consume produce_consume
  scenario auto-create auto_create
  scenario consumer-group consumer_group
  for codec in gzip snappy lz4 zstd; do scenario "compression-$codec" compression $codec; done
  scenario headers-timestamps headers_timestamps
  scenario offsets-for-times offsets_for_times
  scenario idempotent-produce idempotent_produce
  scenario offset-out-of-range offset_out_of_range
  scenario unknown-topic unknown_topic
else
  echo "usage: scenarios.sh [all|cluster]" >&2
  exit 2
fi
exit $((failures > 0))

#!/usr/bin/env bash
# Transactional produce and read_committed consume, Apache Kafka against another Kafka-protocol broker, with
# Kafka's own perf tools (the shared bench's classpath), in interleaved rounds on the same machine.
#
# Usage: src/test/bench/transactions-compare.sh OTHER_BOOTSTRAP [RECORDS=1000000] [RECORD_SIZE=100]
#   Starts a single-node Apache Kafka on KAFKA_PORT (19092) with the shared bench's apache-kafka.sh, and per round
#   and per broker: creates a topic of TXN_PARTITIONS (6) partitions, runs ProducerPerformance with
#   --transactional-id and --transaction-duration-ms TXN_DURATION_MS (100), acks=all, linger.ms=5, then
#   ConsumerPerformance with isolation.level=read_committed over the same records (a fresh group). Prints every run
#   and the medians, Kafka's and the other broker's, with the ratio.
#
# Environment: ROUNDS (2), TXN_PARTITIONS (6), TXN_DURATION_MS (100), KAFKA_PORT (19092),
#   BENCH_DIR (../shared/bench from the project root), OUT (${TMPDIR:-/tmp}/txn-compare/<timestamp>).
set -euo pipefail
OTHER="${1:?usage: transactions-compare.sh OTHER_BOOTSTRAP [RECORDS] [RECORD_SIZE]}"
RECORDS="${2:-1000000}"
SIZE="${3:-100}"
ROUNDS="${ROUNDS:-2}"
PARTS="${TXN_PARTITIONS:-6}"
DURATION="${TXN_DURATION_MS:-100}"
KAFKA_PORT="${KAFKA_PORT:-19092}"
HERE="$(cd "$(dirname "$0")" && pwd)"
BENCH_DIR="${BENCH_DIR:-$HERE/../../../../shared/bench}"
OUT="${OUT:-${TMPDIR:-/tmp}/txn-compare/$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$OUT"
CP="$("$BENCH_DIR/kafka-classpath.sh")"
KAFKA="127.0.0.1:$KAFKA_PORT"

tool() { java -Xmx512m -cp "$CP" "org.apache.kafka.tools.$1" "${@:2}"; }

"$BENCH_DIR/apache-kafka.sh" start "$KAFKA_PORT"
trap '"$BENCH_DIR/apache-kafka.sh" stop "$KAFKA_PORT" || true' EXIT

printf 'isolation.level=read_committed\n' > "$OUT/read-committed.properties"
results="$OUT/results.tsv"
: > "$results"

run() { # side bootstrap round
  local side="$1" boot="$2" round="$3" topic="txnperf-$1-$3-$$" log line
  tool TopicCommand --bootstrap-server "$boot" --create --topic "$topic" --partitions "$PARTS" \
    --replication-factor 1 > "$OUT/$side-$round-topic.log" 2>&1
  log="$OUT/$side-$round-produce.log"
  tool ProducerPerformance --topic "$topic" --num-records "$RECORDS" --record-size "$SIZE" --throughput -1 \
    --transactional-id "txnperf-$side-$round-$$" --transaction-duration-ms "$DURATION" \
    --command-property bootstrap.servers="$boot" acks=all linger.ms=5 > "$log" 2>&1
  # "N records sent, R records/sec (M MB/sec), A ms avg latency, X ms max latency, P50 ms 50th, P95 ms 95th, P99 ms 99th, ..."
  line="$(grep -E '^[0-9]+ records sent' "$log" | tail -n 1)"
  local prod p99
  prod="$(sed -E 's/^[0-9]+ records sent, ([0-9.]+) records\/sec.*/\1/' <<< "$line")"
  p99="$(sed -E 's/.* ([0-9]+) ms 99th.*/\1/' <<< "$line")"
  log="$OUT/$side-$round-consume.log"
  tool ConsumerPerformance --bootstrap-server "$boot" --topic "$topic" --messages "$RECORDS" \
    --group "txnperf-$side-$round-$$" --command-config "$OUT/read-committed.properties" --timeout 120000 > "$log" 2>&1
  # header: start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, ...
  local cons
  cons="$(grep -E '^[0-9]{4}-' "$log" | tail -n 1 | awk -F', *' '{print $6}')"
  printf '%s\t%s\t%s\t%s\t%s\n' "$side" "$round" "$prod" "$p99" "$cons" | tee -a "$results"
}

for r in $(seq 1 "$ROUNDS"); do
  run kafka "$KAFKA" "$r"
  run other "$OTHER" "$r"
done

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
col() { awk -F'\t' -v s="$1" -v c="$2" '$1 == s {print $c}' "$results" | median; }
echo "== transactional produce (${RECORDS} x ${SIZE} B, ${PARTS} partitions, acks=all, a transaction every ${DURATION} ms) and read_committed consume, medians of $ROUNDS interleaved rounds =="
printf '%-26s %14s %14s %7s\n' test kafka other ratio
for spec in "produce rec/s:3" "produce p99 ms:4" "consume read_committed rec/s:5"; do
  name="${spec%:*}"; c="${spec##*:}"
  k="$(col kafka "$c")"; o="$(col other "$c")"
  printf '%-26s %14.0f %14.0f %7.2f\n' "$name" "$k" "$o" "$(awk -v a="$o" -v b="$k" 'BEGIN {print (b > 0) ? a / b : 0}')"
done
echo "raw: $OUT"

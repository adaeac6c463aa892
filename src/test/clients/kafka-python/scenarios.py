"""kafka-python 2.0 against a Tributary broker. Prints one line per scenario, "PASS <name>" or
"FAIL <name>: <reason>", and exits non-zero if any failed.

scenarios.py: every single-broker scenario
  BOOTSTRAP                 a broker with auto.create.topics.enable=true
  NO_AUTO_CREATE_BOOTSTRAP  a broker with auto.create.topics.enable=false (for unknown-topic)
  TOPIC_PREFIX              optional; a fresh one per run by default
scenarios.py cluster: the scenario "cluster" against a multi-node cluster, bootstrapped from one node
  BOOTSTRAP                 that node
  TOPIC, PARTITIONS, REPLICATION_FACTOR   the topic the scenario creates
  GROUP, RECORDS, KEYS      the group to consume in; RECORDS records keyed key-<i % KEYS>, valued value-<i>
  It also prints, for the test to check, "BROKER <id> <host:port>" and "LEADER <partition> <id>" as seen in
  metadata, "PRODUCED <partition> <offset> <key> <value>" per acknowledged record and
  "CONSUMED <partition> <offset> <key> <value>" per record the group consumer received.

Not covered: idempotent produce (kafka-python 2.0 has no idempotent producer).
Compression needs Debian's python3-snappy, python3-lz4 and python3-zstandard.
"""
import os
import sys
import time
import traceback

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic
from kafka.errors import KafkaTimeoutError, OffsetOutOfRangeError, UnknownTopicOrPartitionError

BOOTSTRAP = os.environ["BOOTSTRAP"]
PREFIX = os.environ.get("TOPIC_PREFIX") or "kafka-python-%d" % time.time_ns()
TIMEOUT_S = 30


def producer(**config):
    return KafkaProducer(bootstrap_servers=BOOTSTRAP, acks="all", **config)


def consumer(**config):
    return KafkaConsumer(bootstrap_servers=BOOTSTRAP, enable_auto_commit=False, **config)


def poll(c, count):
    """Polls until `count` records arrived (or the deadline passed); returns them in order."""
    records, deadline = [], time.monotonic() + TIMEOUT_S
    while len(records) < count and time.monotonic() < deadline:
        for batch in c.poll(timeout_ms=500).values():
            records.extend(batch)
    return records


def read(topic, count):
    c = consumer()
    try:
        tp = TopicPartition(topic, 0)
        c.assign([tp])
        c.seek_to_beginning(tp)
        return poll(c, count)
    finally:
        c.close()


def send_all(topic, values, **config):
    p = producer(**config)
    try:
        return [p.send(topic, value=v).get(timeout=TIMEOUT_S) for v in values]
    finally:
        p.close()


def expect(actual, expected, what):
    if actual != expected:
        raise AssertionError("%s: expected %r, got %r" % (what, expected, actual))


def produce_consume():
    topic = PREFIX + "-pc"
    p = producer()
    sent = [p.send(topic, key=b"k%d" % i, value=b"v%d" % i).get(timeout=TIMEOUT_S) for i in range(3)]
    p.close()
    expect([m.offset for m in sent], [0, 1, 2], "offsets acknowledged")
    expect([(r.offset, r.key, r.value) for r in read(topic, 3)],
           [(0, b"k0", b"v0"), (1, b"k1", b"v1"), (2, b"k2", b"v2")], "records read back")


def auto_create():
    topic = PREFIX + "-auto"
    admin = KafkaAdminClient(bootstrap_servers=BOOTSTRAP)
    try:
        if topic in admin.list_topics():
            raise AssertionError("topic exists before the first produce")
        send_all(topic, [b"hello"])
        [described] = admin.describe_topics([topic])
        expect((described["error_code"], len(described["partitions"])), (0, 1), "(error, partitions) of the new topic")
    finally:
        admin.close()
    expect([r.value for r in read(topic, 1)], [b"hello"], "record")


def consumer_group():
    topic, group = PREFIX + "-group", PREFIX + "-g"
    send_all(topic, [b"a", b"b", b"c"])
    first = consumer(group_id=group, auto_offset_reset="earliest")
    first.subscribe([topic])
    expect([(r.offset, r.value) for r in poll(first, 3)], [(0, b"a"), (1, b"b"), (2, b"c")], "first member")
    first.commit()
    first.close()
    send_all(topic, [b"d", b"e"])
    second = consumer(group_id=group, auto_offset_reset="earliest")
    try:
        expect(second.committed(TopicPartition(topic, 0)), 3, "committed offset")
        second.subscribe([topic])
        expect([(r.offset, r.value) for r in poll(second, 2)], [(3, b"d"), (4, b"e")], "second member")
    finally:
        second.close()


def compression(codec):
    def scenario():
        topic = PREFIX + "-" + codec
        values = [b"%s record %d " % (codec.encode(), i) * 10 for i in range(50)]
        send_all(topic, values, compression_type=codec, linger_ms=50)
        expect([r.value for r in read(topic, len(values))], values, "records")
    return scenario


def headers_timestamps():
    topic = PREFIX + "-headers"
    ts = int(time.time() * 1000) - 60_000  # a minute ago: only the producer can have set it
    p = producer()
    meta = p.send(topic, value=b"x", headers=[("trace", b"abc-123"), ("empty", b"")], timestamp_ms=ts).get(timeout=TIMEOUT_S)
    p.close()
    expect(meta.timestamp, ts, "timestamp acknowledged")
    [r] = read(topic, 1)
    expect((r.timestamp, r.timestamp_type), (ts, 0), "(timestamp, type 0 = CreateTime)")
    expect(r.headers, [("trace", b"abc-123"), ("empty", b"")], "headers")


def offsets_for_times():
    topic = PREFIX + "-times"
    base = int(time.time() * 1000) - 60_000
    p = producer()
    for i in range(3):
        p.send(topic, value=b"m%d" % i, timestamp_ms=base + 1000 * i).get(timeout=TIMEOUT_S)
    p.close()
    c = consumer()
    try:
        tp = TopicPartition(topic, 0)
        found = c.offsets_for_times({tp: base + 500})[tp]
        expect((found.offset, found.timestamp), (1, base + 1000), "offset for base+500")
        expect(c.offsets_for_times({tp: base + 5000})[tp], None, "offset after the last record")
    finally:
        c.close()


def offset_out_of_range():
    topic = PREFIX + "-range"
    send_all(topic, [b"a", b"b"])
    c = consumer(auto_offset_reset="none")  # kafka-python: any other value than earliest/latest raises
    try:
        tp = TopicPartition(topic, 0)
        c.assign([tp])
        c.seek(tp, 100)
        try:
            records = poll(c, 1)
        except OffsetOutOfRangeError as e:
            expect(e.args[0], {tp: 100}, "out-of-range positions")
            return
        raise AssertionError("no OffsetOutOfRangeError; read %r" % records)
    finally:
        c.close()


def unknown_topic():
    topic = PREFIX + "-unknown"
    no_auto_create = os.environ["NO_AUTO_CREATE_BOOTSTRAP"]
    admin = KafkaAdminClient(bootstrap_servers=no_auto_create)
    try:
        [described] = admin.describe_topics([topic])
        expect(described["error_code"], UnknownTopicOrPartitionError.errno, "metadata error code")
        # the producer waits for the topic to appear in metadata, and gives up after max_block_ms
        p = KafkaProducer(bootstrap_servers=no_auto_create, max_block_ms=3000)
        try:
            p.send(topic, value=b"x")
            raise AssertionError("send to an unknown topic did not fail")
        except KafkaTimeoutError:
            pass
        finally:
            p.close()
        if topic in admin.list_topics():
            raise AssertionError("topic was created")
    finally:
        admin.close()


def report(*fields):
    """A line for the test to check, beside the PASS or FAIL line."""
    print(*fields, flush=True)


def until(what, attempt):
    """Calls attempt() until it returns something other than None, for TIMEOUT_S at the most."""
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        result = attempt()
        if result is not None:
            return result
        time.sleep(0.1)
    raise AssertionError("timed out waiting for " + what)


def cluster():
    topic, group = os.environ["TOPIC"], os.environ["GROUP"]
    partitions, records, keys = int(os.environ["PARTITIONS"]), int(os.environ["RECORDS"]), int(os.environ["KEYS"])
    admin = KafkaAdminClient(bootstrap_servers=BOOTSTRAP)
    try:
        for b in admin.describe_cluster()["brokers"]:
            report("BROKER", b["node_id"], "%s:%d" % (b["host"], b["port"]))
        # kafka-python sends CreateTopics to the controller, wherever it is
        created = admin.create_topics([NewTopic(topic, partitions, int(os.environ["REPLICATION_FACTOR"]))], timeout_ms=TIMEOUT_S * 1000)
        expect([(name, error) for name, error, *_ in created.topic_errors], [(topic, 0)], "CreateTopics errors")

        def described():  # the node asked may learn of the new topic a moment after the controller
            [t] = admin.describe_topics([topic])
            ready = t["error_code"] == 0 and len(t["partitions"]) == partitions and all(p["leader"] >= 0 for p in t["partitions"])
            return t if ready else None
        for p in sorted(until("the topic's leaders", described)["partitions"], key=lambda p: p["partition"]):
            report("LEADER", p["partition"], p["leader"])
    finally:
        admin.close()

    p = producer()  # acks=all; the default partitioner hashes the key (murmur2, as Java's)
    sent = [p.send(topic, key=b"key-%d" % (i % keys), value=b"value-%d" % i) for i in range(records)]
    p.flush(TIMEOUT_S)
    for i, future in enumerate(sent):
        m = future.get(timeout=TIMEOUT_S)
        report("PRODUCED", m.partition, m.offset, "key-%d" % (i % keys), "value-%d" % i)
    p.close()

    c = consumer(group_id=group, auto_offset_reset="earliest")
    try:
        c.subscribe([topic])
        for r in poll(c, records):
            report("CONSUMED", r.partition, r.offset, r.key.decode(), r.value.decode())
        c.commit()  # the positions after what was consumed, to the group's coordinator
    finally:
        c.close()


SCENARIOS = [("produce-consume", produce_consume), ("auto-create", auto_create), ("consumer-group", consumer_group)] \
    + [("compression-" + c, compression(c)) for c in ("gzip", "snappy", "lz4", "zstd")] \
    + [("headers-timestamps", headers_timestamps), ("offsets-for-times", offsets_for_times),
       ("offset-out-of-range", offset_out_of_range), ("unknown-topic", unknown_topic)]


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "all"
    if mode == "all" and "NO_AUTO_CREATE_BOOTSTRAP" not in os.environ:
        sys.exit("set NO_AUTO_CREATE_BOOTSTRAP to host:port")
    if mode not in ("all", "cluster"):
        sys.exit("usage: scenarios.py [all|cluster]")
    failures = 0
    for name, scenario in SCENARIOS if mode == "all" else [("cluster", cluster)]:
        try:
            scenario()
            print("PASS " + name, flush=True)
        except Exception as e:  # any failure of a scenario, including its assertions
            failures += 1
            traceback.print_exc(file=sys.stderr)
            print("FAIL %s: %s: %s" % (name, type(e).__name__, str(e).replace("\n", " ")), flush=True)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()

"""confluent-kafka (Python on librdkafka) against a Tributary broker. Prints one line per scenario,
"PASS <name>" or "FAIL <name>: <reason>", and exits non-zero if any failed.

  BOOTSTRAP                 a broker with auto.create.topics.enable=true
  NO_AUTO_CREATE_BOOTSTRAP  a broker with auto.create.topics.enable=false (for unknown-topic)
  TOPIC_PREFIX              optional; a fresh one per run by default
"""
import os
import sys
import time
import traceback

from confluent_kafka import OFFSET_BEGINNING, TIMESTAMP_CREATE_TIME, Consumer, KafkaError, Producer, TopicPartition
from confluent_kafka.admin import AdminClient

BOOTSTRAP = os.environ["BOOTSTRAP"]
NO_AUTO_CREATE = os.environ["NO_AUTO_CREATE_BOOTSTRAP"]
PREFIX = os.environ.get("TOPIC_PREFIX") or "confluent-kafka-%d" % time.time_ns()
TIMEOUT_S = 30


def expect(actual, expected, what):
    if actual != expected:
        raise AssertionError("%s: expected %r, got %r" % (what, expected, actual))


def produce(topic, messages, bootstrap=BOOTSTRAP, **config):
    """Sends each dict of produce() arguments; returns the delivery reports as (error, offset) in order."""
    p = Producer({"bootstrap.servers": bootstrap, **config})
    reports = []
    for m in messages:
        p.produce(topic, on_delivery=lambda err, msg: reports.append((err, msg.offset())), **m)
    left = p.flush(TIMEOUT_S)
    if left:
        raise AssertionError("%d messages not delivered within %ds" % (left, TIMEOUT_S))
    return reports


def produce_ok(topic, messages, **config):
    reports = produce(topic, messages, **config)
    errors = [err for err, _ in reports if err is not None]
    if errors:
        raise AssertionError("delivery failed: %s" % errors[0])
    return [offset for _, offset in reports]


def consumer(**config):
    return Consumer({"bootstrap.servers": BOOTSTRAP, "group.id": PREFIX + "-reader", "enable.auto.commit": False,
                     "auto.offset.reset": "earliest", **config})


def poll(c, count):
    """Polls until `count` messages arrived (or the deadline passed); a consumer error fails the scenario."""
    messages, deadline = [], time.monotonic() + TIMEOUT_S
    while len(messages) < count and time.monotonic() < deadline:
        m = c.poll(0.5)
        if m is None:
            continue
        if m.error():
            raise AssertionError("consumer error: %s" % m.error())
        messages.append(m)
    return messages


def read(topic, count):
    c = consumer()
    try:
        c.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
        return poll(c, count)
    finally:
        c.close()


def produce_consume():
    topic = PREFIX + "-pc"
    offsets = produce_ok(topic, [{"key": b"k%d" % i, "value": b"v%d" % i} for i in range(3)])
    expect(offsets, [0, 1, 2], "offsets acknowledged")
    expect([(m.offset(), m.key(), m.value()) for m in read(topic, 3)],
           [(0, b"k0", b"v0"), (1, b"k1", b"v1"), (2, b"k2", b"v2")], "records read back")


def auto_create():
    topic = PREFIX + "-auto"
    admin = AdminClient({"bootstrap.servers": BOOTSTRAP})
    if topic in admin.list_topics(timeout=TIMEOUT_S).topics:
        raise AssertionError("topic exists before the first produce")
    produce_ok(topic, [{"value": b"hello"}])
    described = admin.list_topics(topic, timeout=TIMEOUT_S).topics[topic]
    expect((described.error, len(described.partitions)), (None, 1), "(error, partitions) of the new topic")
    expect([m.value() for m in read(topic, 1)], [b"hello"], "record")


def consumer_group():
    topic, group = PREFIX + "-group", PREFIX + "-g"
    produce_ok(topic, [{"value": v} for v in (b"a", b"b", b"c")])
    first = consumer(**{"group.id": group})
    first.subscribe([topic])
    expect([(m.offset(), m.value()) for m in poll(first, 3)], [(0, b"a"), (1, b"b"), (2, b"c")], "first member")
    first.commit(asynchronous=False)
    first.close()
    produce_ok(topic, [{"value": v} for v in (b"d", b"e")])
    second = consumer(**{"group.id": group})
    try:
        [committed] = second.committed([TopicPartition(topic, 0)], timeout=TIMEOUT_S)
        expect(committed.offset, 3, "committed offset")
        second.subscribe([topic])
        expect([(m.offset(), m.value()) for m in poll(second, 2)], [(3, b"d"), (4, b"e")], "second member")
    finally:
        second.close()


def compression(codec):
    def scenario():
        topic = PREFIX + "-" + codec
        values = [b"%s record %d " % (codec.encode(), i) * 10 for i in range(50)]
        produce_ok(topic, [{"value": v} for v in values], **{"compression.type": codec, "linger.ms": 50})
        expect([m.value() for m in read(topic, len(values))], values, "records")
    return scenario


def headers_timestamps():
    topic = PREFIX + "-headers"
    ts = int(time.time() * 1000) - 60_000  # a minute ago: only the producer can have set it
    produce_ok(topic, [{"value": b"x", "headers": [("trace", b"abc-123"), ("empty", b"")], "timestamp": ts}])
    [m] = read(topic, 1)
    expect(m.timestamp(), (TIMESTAMP_CREATE_TIME, ts), "(type, timestamp)")
    expect(m.headers(), [("trace", b"abc-123"), ("empty", b"")], "headers")


def offsets_for_times():
    topic = PREFIX + "-times"
    base = int(time.time() * 1000) - 60_000
    produce_ok(topic, [{"value": b"m%d" % i, "timestamp": base + 1000 * i} for i in range(3)])
    c = consumer()
    try:
        [found] = c.offsets_for_times([TopicPartition(topic, 0, base + 500)], timeout=TIMEOUT_S)
        expect(found.offset, 1, "offset for base+500")
        [after] = c.offsets_for_times([TopicPartition(topic, 0, base + 5000)], timeout=TIMEOUT_S)
        expect(after.offset, -1, "offset after the last record (OFFSET_END)")
    finally:
        c.close()


def idempotent_produce():
    topic = PREFIX + "-idempotent"
    values = [b"%d" % i for i in range(20)]
    offsets = produce_ok(topic, [{"value": v} for v in values], **{"enable.idempotence": True})
    expect(offsets, list(range(20)), "offsets acknowledged")
    expect([(m.offset(), m.value()) for m in read(topic, 20)], list(zip(range(20), values)), "records")


def offset_out_of_range():
    topic = PREFIX + "-range"
    produce_ok(topic, [{"value": b"a"}, {"value": b"b"}])
    c = consumer(**{"auto.offset.reset": "error"})
    try:
        c.assign([TopicPartition(topic, 0, 100)])
        deadline = time.monotonic() + TIMEOUT_S
        while time.monotonic() < deadline:
            m = c.poll(0.5)
            if m is None:
                continue
            if not m.error():
                raise AssertionError("read a message at offset %d" % m.offset())
            expect(m.error().code(), KafkaError._AUTO_OFFSET_RESET, "error code (%s)" % m.error())
            if "Offset out of range" not in m.error().str():
                raise AssertionError("unexpected error: %s" % m.error())
            return
        raise AssertionError("no error within %ds" % TIMEOUT_S)
    finally:
        c.close()


def unknown_topic():
    topic = PREFIX + "-unknown"
    [(err, _)] = produce(topic, [{"value": b"x"}], bootstrap=NO_AUTO_CREATE,
                         **{"topic.metadata.propagation.max.ms": 1000, "message.timeout.ms": 10000})
    expect(err and err.code(), KafkaError.UNKNOWN_TOPIC_OR_PART, "delivery error (%s)" % err)
    described = AdminClient({"bootstrap.servers": NO_AUTO_CREATE}).list_topics(topic, timeout=TIMEOUT_S).topics[topic]
    expect(described.error and described.error.code(), KafkaError.UNKNOWN_TOPIC_OR_PART, "metadata error")


SCENARIOS = [("produce-consume", produce_consume), ("auto-create", auto_create), ("consumer-group", consumer_group)] \
    + [("compression-" + c, compression(c)) for c in ("gzip", "snappy", "lz4", "zstd")] \
    + [("headers-timestamps", headers_timestamps), ("offsets-for-times", offsets_for_times),
       ("idempotent-produce", idempotent_produce), ("offset-out-of-range", offset_out_of_range),
       ("unknown-topic", unknown_topic)]


def main():
    failures = 0
    for name, scenario in SCENARIOS:
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

// KafkaJS 2.x against a Tributary broker. Prints one line per scenario, "PASS <name>" or
// "FAIL <name>: <reason>", and exits non-zero if any failed. Needs `npm ci` in this directory.
// scenarios.js: every single-broker scenario
//   BOOTSTRAP                 a broker with auto.create.topics.enable=true
//   NO_AUTO_CREATE_BOOTSTRAP  a broker with auto.create.topics.enable=false (for unknown-topic)
//   TOPIC_PREFIX              optional; a fresh one per run by default
// scenarios.js cluster: the scenario "cluster" against a multi-node cluster, bootstrapped from one node
//   BOOTSTRAP                 that node
//   TOPIC, PARTITIONS, REPLICATION_FACTOR   the topic the scenario creates
//   GROUP, RECORDS, KEYS      the group to consume in; RECORDS records keyed key-<i % KEYS>, valued value-<i>
//   It also prints, for the test to check, "BROKER <id> <host:port>" and "LEADER <partition> <id>" as seen in
//   metadata, and "CONSUMED <partition> <offset> <key> <value>" per record the group consumer received
//   (KafkaJS acknowledges a base offset per partition, not an offset per record).
// KafkaJS has gzip built in; snappy, lz4 and zstd are plugged in below from pure-JavaScript libraries.
// KafkaJS has no auto.offset.reset=none: on OFFSET_OUT_OF_RANGE it always resets (to the earliest
// offset with fromBeginning), so offset-out-of-range checks that reset and the error it logs.
const assert = require('assert/strict')
const { Kafka, CompressionTypes, CompressionCodecs, logLevel } = require('kafkajs')
const lz4 = require('lz4js')
const xxh32 = require('lz4js/xxh32.js')
const { ZstdCodec } = require('zstd-codec')

const BOOTSTRAP = process.env.BOOTSTRAP
const PREFIX = process.env.TOPIC_PREFIX || `kafkajs-${Date.now()}`
const TIMEOUT_MS = 30000

const logs = [] // every KafkaJS log entry, so that scenarios can look for the errors it reports
const logCreator = () => ({ level, log }) => {
  logs.push({ level, ...log })
  process.stderr.write(`${logLevel[level] ?? level} ${log.message} ${JSON.stringify(log)}\n`)
}
const client = (broker = BOOTSTRAP) =>
  new Kafka({ clientId: 'scenarios', brokers: [broker], logLevel: logLevel.INFO, logCreator, retry: { retries: 3 } })

async function withTimeout(promise, what) {
  let timer
  const timeout = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), TIMEOUT_MS) })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

async function send(topic, messages, { compression, producerConfig } = {}) {
  const producer = client().producer(producerConfig)
  await producer.connect()
  try {
    return await producer.send({ topic, messages, compression, acks: -1 })
  } finally {
    await producer.disconnect()
  }
}

// Reads `count` messages of `topic` as a member of `groupId`, from the committed offsets or else from the
// beginning; with `commit`, commits the offset after the last one read of each partition before leaving.
async function read(topic, count, { groupId = `${PREFIX}-reader-${topic}`, commit = false } = {}) {
  const consumer = client().consumer({ groupId })
  const messages = []
  await consumer.connect()
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true })
    await withTimeout(new Promise((resolve, reject) => {
      consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          messages.push({ partition, ...message })
          if (messages.length >= count) resolve()
        },
      }).catch(reject)
    }), `reading ${count} messages of ${topic}`)
    if (commit) {
      const next = new Map(messages.map(m => [m.partition, String(Number(m.offset) + 1)])) // the last of each wins
      await consumer.commitOffsets([...next].map(([partition, offset]) => ({ topic, partition, offset })))
    }
    return { messages }
  } finally {
    await consumer.disconnect()
  }
}

const values = messages => messages.map(m => [m.offset, m.value.toString()])

async function produceConsume() {
  const topic = `${PREFIX}-pc`
  const [ack] = await send(topic, [0, 1, 2].map(i => ({ key: `k${i}`, value: `v${i}` })))
  assert.deepEqual([ack.partition, ack.baseOffset], [0, '0'], 'acknowledged partition and base offset')
  const { messages } = await read(topic, 3)
  assert.deepEqual(messages.map(m => [m.offset, m.key.toString(), m.value.toString()]),
    [['0', 'k0', 'v0'], ['1', 'k1', 'v1'], ['2', 'k2', 'v2']])
}

async function autoCreate() {
  const topic = `${PREFIX}-auto`
  const admin = client().admin()
  await admin.connect()
  try {
    assert.ok(!(await admin.listTopics()).includes(topic), 'topic exists before the first produce')
    await send(topic, [{ value: 'hello' }])
    const { topics: [described] } = await admin.fetchTopicMetadata({ topics: [topic] })
    assert.equal(described.partitions.length, 1, 'partitions of the new topic')
  } finally {
    await admin.disconnect()
  }
  assert.deepEqual(values((await read(topic, 1)).messages), [['0', 'hello']])
}

async function consumerGroup() {
  const topic = `${PREFIX}-group`
  const groupId = `${PREFIX}-g`
  await send(topic, ['a', 'b', 'c'].map(value => ({ value })))
  const first = await read(topic, 3, { groupId, commit: true })
  assert.deepEqual(values(first.messages), [['0', 'a'], ['1', 'b'], ['2', 'c']], 'first member')
  await send(topic, ['d', 'e'].map(value => ({ value })))
  const admin = client().admin()
  await admin.connect()
  try {
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] })
    assert.deepEqual(committed.partitions, [{ partition: 0, offset: '3', metadata: null }], 'committed offsets')
  } finally {
    await admin.disconnect()
  }
  const second = await read(topic, 2, { groupId })
  assert.deepEqual(values(second.messages), [['3', 'd'], ['4', 'e']], 'second member')
}

function compression(type) {
  return async () => {
    const codec = type.toLowerCase()
    const topic = `${PREFIX}-${codec}`
    const written = Array.from({ length: 50 }, (_, i) => `${codec} record ${i} `.repeat(10))
    await send(topic, written.map(value => ({ value })), { compression: CompressionTypes[type] })
    const { messages } = await read(topic, written.length)
    assert.deepEqual(messages.map(m => m.value.toString()), written)
  }
}

async function headersTimestamps() {
  const topic = `${PREFIX}-headers`
  const ts = String(Date.now() - 60000) // a minute ago: only the producer can have set it
  await send(topic, [{ value: 'x', timestamp: ts, headers: { trace: 'abc-123', empty: '' } }])
  const { messages: [m] } = await read(topic, 1)
  assert.equal(m.timestamp, ts, 'timestamp')
  assert.deepEqual(Object.entries(m.headers).map(([k, v]) => [k, v.toString()]), [['trace', 'abc-123'], ['empty', '']])
}

async function offsetsForTimes() {
  const topic = `${PREFIX}-times`
  const base = Date.now() - 60000
  await send(topic, [0, 1, 2].map(i => ({ value: `m${i}`, timestamp: String(base + 1000 * i) })))
  const admin = client().admin()
  await admin.connect()
  try {
    assert.deepEqual(await admin.fetchTopicOffsetsByTimestamp(topic, base + 500), [{ partition: 0, offset: '1' }])
    // after the last record Kafka answers -1, which KafkaJS turns into the high watermark
    assert.deepEqual(await admin.fetchTopicOffsetsByTimestamp(topic, base + 5000), [{ partition: 0, offset: '3' }])
  } finally {
    await admin.disconnect()
  }
}

async function idempotentProduce() {
  const topic = `${PREFIX}-idempotent`
  const written = Array.from({ length: 20 }, (_, i) => String(i))
  const [ack] = await send(topic, written.map(value => ({ value })), { producerConfig: { idempotent: true, maxInFlightRequests: 1 } })
  assert.equal(ack.baseOffset, '0', 'base offset')
  const { messages } = await read(topic, 20)
  assert.deepEqual(values(messages), written.map((v, i) => [String(i), v]))
}

async function offsetOutOfRange() {
  const topic = `${PREFIX}-range`
  await send(topic, ['a', 'b'].map(value => ({ value })))
  const groupId = `${PREFIX}-range-g`
  const admin = client().admin()
  await admin.connect()
  try {
    await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '100' }] }) // past the end
  } finally {
    await admin.disconnect()
  }
  const seen = logs.length
  const { messages } = await read(topic, 1, { groupId })
  const reset = logs.slice(seen).find(l => l.message === 'Offset out of range, resetting to default offset' && l.topic === topic)
  assert.ok(reset, 'no OFFSET_OUT_OF_RANGE reported')
  assert.deepEqual(values(messages), [['0', 'a']], 'read after resetting to the earliest offset')
}

async function unknownTopic() {
  const topic = `${PREFIX}-unknown`
  const producer = client(process.env.NO_AUTO_CREATE_BOOTSTRAP).producer({ allowAutoTopicCreation: false, retry: { retries: 1 } })
  await producer.connect()
  try {
    await assert.rejects(producer.send({ topic, messages: [{ value: 'x' }] }), e => {
      for (let cause = e; cause; cause = cause.cause) if (cause.type === 'UNKNOWN_TOPIC_OR_PARTITION') return true
      throw new Error(`not UNKNOWN_TOPIC_OR_PARTITION: ${e}`)
    })
  } finally {
    await producer.disconnect()
  }
}

// An LZ4 frame of independent 64 KB blocks, the form Kafka's Java client reads: lz4js.compress marks its
// frames block-dependent, which Java's KafkaLZ4BlockInputStream refuses ("Dependent block stream is unsupported").
function lz4Frame(src) {
  const BLOCK = 64 * 1024
  const header = Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0]) // magic; FLG: v1, independent blocks; BD: 64 KB
  header[6] = (xxh32.hash(0, header, 4, 2) >> 8) & 0xff
  const parts = [header]
  for (let i = 0; i < src.length; i += BLOCK) {
    const block = src.subarray(i, i + BLOCK)
    const out = Buffer.alloc(lz4.compressBound(block.length))
    const size = lz4.compressBlock(block, out, 0, block.length, new Uint32Array(1 << 16))
    const raw = size === 0 || size >= block.length // incompressible: stored as is, flagged by the high bit
    const length = Buffer.alloc(4)
    length.writeUInt32LE(raw ? (0x80000000 | block.length) >>> 0 : size)
    parts.push(length, raw ? block : out.subarray(0, size))
  }
  parts.push(Buffer.alloc(4)) // end mark
  return Buffer.concat(parts)
}

// snappy (xerial framing) from kafkajs-snappy; lz4 blocks from lz4js; zstd from zstd-codec (WebAssembly)
async function installCodecs() {
  CompressionCodecs[CompressionTypes.Snappy] = require('kafkajs-snappy')
  CompressionCodecs[CompressionTypes.LZ4] = () => ({
    compress: async encoder => lz4Frame(encoder.buffer),
    decompress: async buffer => Buffer.from(lz4.decompress(buffer)),
  })
  const zstd = await new Promise(resolve => ZstdCodec.run(resolve))
  const streaming = new zstd.Streaming()
  CompressionCodecs[CompressionTypes.ZSTD] = () => ({
    compress: async encoder => Buffer.from(streaming.compress(encoder.buffer)),
    decompress: async buffer => Buffer.from(streaming.decompress(buffer)),
  })
}

const report = (...fields) => console.log(fields.join(' ')) // a line for the test to check

async function cluster() {
  const { TOPIC: topic, GROUP: groupId } = process.env
  const [partitions, records, keys] = ['PARTITIONS', 'RECORDS', 'KEYS'].map(v => Number(process.env[v]))
  const admin = client().admin()
  await admin.connect()
  try {
    const { brokers } = await admin.describeCluster()
    brokers.forEach(b => report('BROKER', b.nodeId, `${b.host}:${b.port}`))
    // sent to the controller, wherever it is; waits until the metadata names every partition's leader
    const created = await admin.createTopics({
      topics: [{ topic, numPartitions: partitions, replicationFactor: Number(process.env.REPLICATION_FACTOR) }],
      waitForLeaders: true,
    })
    assert.ok(created, `${topic} already existed`)
    const { topics: [described] } = await admin.fetchTopicMetadata({ topics: [topic] })
    described.partitions.sort((a, b) => a.partitionId - b.partitionId).forEach(p => report('LEADER', p.partitionId, p.leader))
  } finally {
    await admin.disconnect()
  }
  // acks=-1; the default partitioner hashes the key (murmur2, as Java's)
  await send(topic, Array.from({ length: records }, (_, i) => ({ key: `key-${i % keys}`, value: `value-${i}` })))
  const { messages } = await read(topic, records, { groupId, commit: true })
  messages.forEach(m => report('CONSUMED', m.partition, m.offset, m.key.toString(), m.value.toString()))
}

const SCENARIOS = [
  ['produce-consume', produceConsume], ['auto-create', autoCreate], ['consumer-group', consumerGroup],
  ...['GZIP', 'Snappy', 'LZ4', 'ZSTD'].map(t => [`compression-${t.toLowerCase()}`, compression(t)]),
  ['headers-timestamps', headersTimestamps], ['offsets-for-times', offsetsForTimes],
  ['idempotent-produce', idempotentProduce], ['offset-out-of-range', offsetOutOfRange], ['unknown-topic', unknownTopic],
]

async function main() {
  const mode = process.argv[2] ?? 'all'
  if (mode === 'all' && !process.env.NO_AUTO_CREATE_BOOTSTRAP) throw new Error('set NO_AUTO_CREATE_BOOTSTRAP to host:port')
  if (mode !== 'all' && mode !== 'cluster') throw new Error('usage: scenarios.js [all|cluster]')
  await installCodecs()
  let failures = 0
  for (const [name, scenario] of mode === 'all' ? SCENARIOS : [['cluster', cluster]]) {
    try {
      await withTimeout(scenario(), name)
      console.log(`PASS ${name}`)
    } catch (e) {
      failures++
      process.stderr.write(`${e.stack}\n`)
      console.log(`FAIL ${name}: ${String(e.message).split('\n').join(' ')}`)
    }
  }
  process.exit(failures ? 1 : 0)
}

main()

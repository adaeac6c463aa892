package io.tributary.client;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigUtil;
import java.util.Map;
import java.util.TreeMap;

/** Reading a {@code kafka-clients {}} block into the flat property map kafka-clients expects. */
final class KafkaClientsConfig {
  private KafkaClientsConfig() {}

  /** {@code enable.auto.commit = false} (nested HOCON) and {@code "enable.auto.commit" = false} both give one key. */
  static Map<String, String> flatten(Config block) {
    var out = new TreeMap<String, String>();
    for (var e : block.entrySet()) {
      String key = String.join(".", ConfigUtil.splitPath(e.getKey()));
      out.put(key, String.valueOf(e.getValue().unwrapped()));
    }
    return out;
  }
}

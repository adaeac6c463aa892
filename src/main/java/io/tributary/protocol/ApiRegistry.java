package io.tributary.protocol;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractRequest;

/**
 * The APIs this node answers and the versions of each. Only what is registered here is
 * advertised in ApiVersions, so an API is registered exactly when its handler works.
 * Built once at startup, then read-only (thread-safe after {@link #freeze()}).
 */
public final class ApiRegistry {

  /** One API: the versions accepted and the handler. */
  public record Registration(ApiKeys api, short minVersion, short maxVersion, ApiHandler<AbstractRequest> handler) {
    public boolean supports(short version) {
      return version >= minVersion && version <= maxVersion;
    }
  }

  private final Map<ApiKeys, Registration> registrations = new EnumMap<>(ApiKeys.class);
  private volatile boolean frozen;

  /** Registers {@code api} for versions min..max (max is capped at what kafka-clients can parse). */
  @SuppressWarnings("unchecked")
  public <R extends AbstractRequest> ApiRegistry register(ApiKeys api, int minVersion, int maxVersion, ApiHandler<R> handler) {
    if (frozen) throw new IllegalStateException("registry is frozen");
    short max = (short) Math.min(maxVersion, api.latestVersion(true));
    short min = (short) Math.max(minVersion, api.oldestVersion());
    if (min > max) throw new IllegalArgumentException(api + ": empty version range " + minVersion + ".." + maxVersion);
    registrations.put(api, new Registration(api, min, max, (ApiHandler<AbstractRequest>) handler));
    return this;
  }

  /** Registers {@code api} for every version kafka-clients can parse from {@code minVersion} on. */
  public <R extends AbstractRequest> ApiRegistry register(ApiKeys api, int minVersion, ApiHandler<R> handler) {
    return register(api, minVersion, api.latestVersion(true), handler);
  }

  public ApiRegistry freeze() {
    frozen = true;
    return this;
  }

  public Optional<Registration> get(ApiKeys api) {
    return Optional.ofNullable(registrations.get(api));
  }

  public Map<ApiKeys, Registration> all() {
    return Collections.unmodifiableMap(registrations);
  }
}

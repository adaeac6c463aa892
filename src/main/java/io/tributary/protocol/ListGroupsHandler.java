package io.tributary.protocol;

import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ListGroupsRequest;

/**
 * ListGroups (v0+; v4 states filter, v5 types filter): the existing groups this node coordinates,
 * from the group registry, each with its protocol type, state and type ("classic"). As Kafka's
 * classic coordinator: an empty filter does not filter; states match case-insensitively; a types
 * filter without "classic" lists nothing. When some registered group did not answer in time the
 * list is partial and carries COORDINATOR_LOAD_IN_PROGRESS (retriable), as Kafka while loading.
 */
public final class ListGroupsHandler implements ApiHandler<ListGroupsRequest> {
  private final BrokerContext broker;

  public ListGroupsHandler(BrokerContext broker) {
    this.broker = broker;
  }

  @Override
  public CompletionStage<ListGroupsResponseData> handle(RequestContext ctx, ListGroupsRequest request) {
    short version = ctx.apiVersion();
    var data = request.data();
    Set<String> states = version >= 4 && data.statesFilter() != null ? lower(data.statesFilter()) : Set.of();
    Set<String> types = version >= 5 && data.typesFilter() != null ? lower(data.typesFilter()) : Set.of();
    boolean classicWanted = types.isEmpty() || types.contains("classic");
    return broker.groups().list().thenApply(listing -> {
      var response = new ListGroupsResponseData()
          .setThrottleTimeMs(0)
          .setErrorCode(listing.complete() ? Errors.NONE.code() : Errors.COORDINATOR_LOAD_IN_PROGRESS.code());
      if (!classicWanted) return response;
      for (var g : listing.groups()) {
        if (states.isEmpty() || states.contains(g.groupState().toLowerCase(Locale.ROOT))) response.groups().add(g);
      }
      return response;
    });
  }

  private static Set<String> lower(java.util.List<String> values) {
    return values.stream().map(v -> v.toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
  }
}

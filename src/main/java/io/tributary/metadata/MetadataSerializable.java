package io.tributary.metadata;

/**
 * Marker for everything of this package that is stored in Distributed Data or sent between
 * nodes. Bound to {@link MetadataSerializer} in reference.conf.
 */
public interface MetadataSerializable {}

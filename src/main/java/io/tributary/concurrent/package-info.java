/**
 * Small concurrency helpers shared by every package; depends on nothing of ours.
 */
package io.tributary.concurrent;

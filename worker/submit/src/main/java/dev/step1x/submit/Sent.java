package dev.step1x.submit;

/**
 * A request to send: its requestId, its JSON, and (in {@code ackNanos[0]}) the nanoTime at which the broker
 * acknowledged it, from which the latency in the result table counts.
 */
record Sent(String id, byte[] json, long[] ackNanos) {}

package dev.step1x.worker.engine;

/**
 * Static facts about this worker that go into every result and metrics snapshot.
 *
 * @param simulated the stand-in engine answers requests
 */
public record WorkerIdentity(String id, String device, String engineVersion, boolean simulated) {}

/**
 * The image-edit message contracts: JSON Schemas (classpath {@code schemas/}), the records that mirror them
 * ({@link dev.step1x.contracts.EditRequest}, {@link dev.step1x.contracts.EditResult},
 * {@link dev.step1x.contracts.WorkerMetrics}), the {@link dev.step1x.contracts.ContractValidator}, and the
 * Kafka {@link dev.step1x.contracts.Topics} and {@link dev.step1x.contracts.Headers}. Example messages are
 * under classpath {@code examples/valid/} and {@code examples/invalid/}.
 */
package dev.step1x.contracts;

package dev.step1x.worker.pipeline;

import dev.step1x.contracts.EditResult;
import dev.step1x.worker.metrics.CpuMeter;
import dev.step1x.worker.metrics.WorkerMeters;
import dev.step1x.worker.storage.StorageException;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The step right after the intake, first thing on a prefetch thread: a request whose output object an earlier run
 * made ({@link OutputObjects#existing}) is answered SUCCEEDED from it and not computed again, because a second run
 * could give other bytes (a batch of other rows, another GPU type). A key taken by an object made for other request
 * contents is answered REJECTED / REQUEST_ID_CONFLICT. Runs before the {@link RequestPolicy} and the deadline.
 */
final class OutputReuse {

    private static final Logger log = LoggerFactory.getLogger(OutputReuse.class);

    private final OutputObjects outputs;
    private final Answerer answerer;
    private final MeterRegistry meters;
    private final CpuMeter cpu;

    OutputReuse(OutputObjects outputs, Answerer answerer, MeterRegistry meters, CpuMeter cpu) {
        this.outputs = outputs;
        this.answerer = answerer;
        this.meters = meters;
        this.cpu = cpu;
    }

    /**
     * True when the request is answered here (from its existing output, or as a conflict); false when its output key
     * is free and it is to be computed. A transient S3 failure is thrown as is (the caller parks the request).
     *
     * @throws RequestFailure when S3 refuses the lookup for good (e.g. ACCESS_DENIED)
     */
    boolean answered(Accepted a) throws RequestFailure {
        EditResult.OutputRef existing;
        long c0 = CpuMeter.start();
        try {
            existing = outputs.existing(a.request());
        } catch (RequestFailure conflict) {
            WorkerMeters.EXISTING_OUTPUTS.counter(meters, "outcome", "conflict").increment();
            answerer.failed(a, conflict);
            return true;
        } catch (StorageException e) {
            if (e.kind() == StorageException.Kind.TRANSIENT) {
                throw e;
            }
            throw new RequestFailure(e.kind().code(), "looking for the output object: " + e.getMessage());
        } finally {
            cpu.stop(CpuMeter.Part.S3, c0);
        }
        if (existing == null) {
            return false;
        }
        log.info("{}: answered from its existing output s3://{}/{} (not computed again)", a, existing.bucket(),
                existing.key());
        WorkerMeters.EXISTING_OUTPUTS.counter(meters, "outcome", "reused").increment();
        answerer.reused(a, existing);
        return true;
    }
}

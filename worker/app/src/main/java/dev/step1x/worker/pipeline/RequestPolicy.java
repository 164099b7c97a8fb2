package dev.step1x.worker.pipeline;

import dev.step1x.contracts.EditParams;
import dev.step1x.contracts.EditRequest;
import dev.step1x.contracts.ErrorCode;
import dev.step1x.worker.engine.AdapterCatalog;
import java.time.Clock;
import java.util.List;

/**
 * Whether this worker runs a request: the input bucket allow-list, the served model versions and the deadline.
 * Checked after {@link OutputReuse} has looked for the request's output object, so that a redelivery of a finished
 * request gets its result even when its deadline has passed, its input bucket left the allow-list or its model
 * version is no longer served. (Where the output goes is checked earlier, before any S3 call: {@link OutputLocations}.)
 */
public final class RequestPolicy {

    /**
     * @param allowedInputBuckets buckets inputs may be read from ("*": any)
     * @param servedVersions the model versions this worker serves (wire labels)
     * @param adapters the LoRA adapters requests may name ({@code params.adapter.name})
     */
    public record Settings(List<String> allowedInputBuckets, List<String> servedVersions, AdapterCatalog adapters) {

        /** Without adapters: a request naming one is ADAPTER_UNKNOWN. */
        public Settings(List<String> allowedInputBuckets, List<String> servedVersions) {
            this(allowedInputBuckets, servedVersions, AdapterCatalog.empty());
        }
    }

    private final Settings settings;
    private final Clock clock;

    public RequestPolicy(Settings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
    }

    /** Why the request may not run here, or null when it may. */
    RequestFailure refuse(EditRequest r) {
        List<String> inputs = settings.allowedInputBuckets();
        if (r.input() != null && !inputs.contains("*") && !inputs.contains(r.input().bucket())) {
            return new RequestFailure(ErrorCode.BUCKET_NOT_ALLOWED, "input bucket '" + r.input().bucket()
                    + "' is not on this worker's allow-list");
        }
        if (r.deadline() != null && !clock.instant().isBefore(r.deadline())) {
            return new RequestFailure(ErrorCode.DEADLINE_EXCEEDED, "the deadline " + r.deadline()
                    + " passed before the request was taken");
        }
        String version = r.params().modelVersion().wire();
        if (!settings.servedVersions().contains(version)) {
            return new RequestFailure(ErrorCode.MODEL_VERSION_UNAVAILABLE, "model version " + version
                    + " is not served here (served: " + settings.servedVersions() + ")");
        }
        EditParams.Adapter adapter = r.params().adapter();
        if (adapter != null) {
            AdapterCatalog.Entry entry = settings.adapters().lookup(adapter.name());
            if (entry instanceof AdapterCatalog.Unknown u) {
                return new RequestFailure(ErrorCode.ADAPTER_UNKNOWN, u.message());
            }
            if (entry instanceof AdapterCatalog.Incompatible i) {
                return new RequestFailure(ErrorCode.ADAPTER_INCOMPATIBLE, i.message());
            }
        }
        return null;
    }
}

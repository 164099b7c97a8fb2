package dev.step1x.worker.pipeline;

import dev.step1x.contracts.ContractJson;
import dev.step1x.contracts.EditRequest;
import dev.step1x.contracts.EditResult;
import dev.step1x.contracts.ErrorCode;
import dev.step1x.worker.storage.ObjectStore;
import dev.step1x.worker.storage.StorageException;
import java.util.Map;
import java.util.Optional;

/**
 * A request's output object is made exactly once. Before a request is computed, {@link #existing} looks for the
 * object at its deterministic key: if an earlier run made it for the same request, the request is answered from
 * it and not computed again (its bytes could differ: a batch of other rows, another GPU type). After computing,
 * {@link #create} writes the object with a conditional write ({@code If-None-Match: *}); if another run got there
 * first, the answer is the object that won. An object made for other request contents under the same requestId
 * is never touched: the request is REJECTED with {@link ErrorCode#REQUEST_ID_CONFLICT}.
 *
 * <p>Each object carries its provenance as S3 user metadata, written with it: {@value #REQUEST_ID},
 * {@value #PAYLOAD_SHA256} ({@link #payloadSha256}), {@value #SHA256} of its bytes, {@value #WIDTH} and
 * {@value #HEIGHT}.
 */
public final class OutputObjects {

    static final String REQUEST_ID = "request-id";
    static final String PAYLOAD_SHA256 = "payload-sha256";
    static final String SHA256 = "sha256";
    static final String WIDTH = "width";
    static final String HEIGHT = "height";

    private final ObjectStore store;

    public OutputObjects(ObjectStore store) {
        this.store = store;
    }

    /**
     * SHA-256 of what a request asks for: its canonical JSON (defaults applied, fields in the record's order) without
     * the fields that do not change the output (deadline, priority, metadata). A producer that re-sends a request
     * with a later deadline or other metadata gets the existing output; one that changes the edit gets a conflict.
     */
    public static String payloadSha256(EditRequest r) {
        EditRequest what = new EditRequest(r.schemaVersion(), r.requestId(), r.previousRequestId(), r.input(),
                r.instruction(), r.negativePrompt(), r.params(), r.output(), null, null, null);
        return Hashing.sha256Hex(ContractJson.toBytes(what));
    }

    /**
     * The output object an earlier run made for this request, or null when its key is free.
     *
     * @throws RequestFailure REQUEST_ID_CONFLICT when the key holds an object made for something else
     */
    public EditResult.OutputRef existing(EditRequest r) throws RequestFailure {
        Optional<ObjectStore.StoredObject> o = store.head(r.output().bucket(), r.outputKey());
        return o.isEmpty() ? null : answerFrom(r, o.get());
    }

    /**
     * Creates the request's output object unless its key is taken, and returns the object that holds the
     * request's output: this one, or the one another run created first (its bytes and sha256, not these).
     *
     * @throws RequestFailure REQUEST_ID_CONFLICT when the key holds an object made for something else
     */
    public Written create(EditRequest r, byte[] bytes, String contentType, int width, int height)
            throws RequestFailure {
        return create(r, bytes, Hashing.sha256Hex(bytes), contentType, width, height);
    }

    /** {@link #create(EditRequest, byte[], String, int, int)} with the bytes' SHA-256 already computed. */
    public Written create(EditRequest r, byte[] bytes, String sha, String contentType, int width, int height)
            throws RequestFailure {
        String bucket = r.output().bucket();
        String key = r.outputKey();
        ObjectStore.Created c = store.createIfAbsent(bucket, key, bytes, contentType, Map.of(
                REQUEST_ID, r.requestId(), PAYLOAD_SHA256, payloadSha256(r), SHA256, sha,
                WIDTH, Integer.toString(width), HEIGHT, Integer.toString(height)));
        if (c.created()) {
            return new Written(new EditResult.OutputRef(bucket, key, c.etag(), sha, width, height, contentType,
                    c.versionId()), true);
        }
        // Another run created the key first (or an earlier attempt of this one whose answer was lost).
        ObjectStore.StoredObject winner = store.head(bucket, key).orElseThrow(() -> new StorageException(
                StorageException.Kind.TRANSIENT, "s3://" + bucket + "/" + key + " was created by another write and is "
                + "gone again; writing once more", null));
        return new Written(answerFrom(r, winner), false);
    }

    /**
     * The output object now holding the request's output.
     *
     * @param ours true when this run's bytes were written, false when another run's object answers the request
     */
    public record Written(EditResult.OutputRef output, boolean ours) {}

    /** The reference for an existing object, after checking that it was made for this request. */
    private static EditResult.OutputRef answerFrom(EditRequest r, ObjectStore.StoredObject o) throws RequestFailure {
        String where = "s3://" + r.output().bucket() + "/" + r.outputKey();
        Map<String, String> md = o.metadata();
        String id = md.get(REQUEST_ID);
        String payload = md.get(PAYLOAD_SHA256);
        if (!r.requestId().equals(id) || payload == null) {
            throw new RequestFailure(ErrorCode.REQUEST_ID_CONFLICT, where + " already exists and was not written by "
                    + "a worker for request " + r.requestId() + " (its metadata: " + REQUEST_ID + "=" + id + ", "
                    + PAYLOAD_SHA256 + "=" + payload + "); the object was left untouched: send the request under "
                    + "another requestId or output.keyPrefix");
        }
        String want = payloadSha256(r);
        if (!payload.equals(want)) {
            throw new RequestFailure(ErrorCode.REQUEST_ID_CONFLICT, where + " already exists for requestId "
                    + r.requestId() + " with other request contents (" + PAYLOAD_SHA256 + " " + payload + " there, "
                    + want + " here); the object was left untouched: send the new request under a new requestId");
        }
        String sha = md.get(SHA256);
        Integer width = positive(md.get(WIDTH));
        Integer height = positive(md.get(HEIGHT));
        if (sha == null || !sha.matches("[0-9a-f]{64}") || width == null || height == null
                || !("image/png".equals(o.contentType()) || "image/jpeg".equals(o.contentType()))) {
            throw new RequestFailure(ErrorCode.REQUEST_ID_CONFLICT, where + " exists for request " + r.requestId()
                    + " but its metadata is incomplete (" + md + ", content type " + o.contentType()
                    + "); the object was left untouched");
        }
        return new EditResult.OutputRef(r.output().bucket(), r.outputKey(), o.etag(), sha, width, height,
                o.contentType(), o.versionId());
    }

    private static Integer positive(String s) {
        try {
            int v = Integer.parseInt(s);
            return v > 0 ? v : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }
}

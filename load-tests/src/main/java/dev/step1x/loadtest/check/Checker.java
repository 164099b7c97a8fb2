package dev.step1x.loadtest.check;

import dev.step1x.contracts.EditResult;
import dev.step1x.contracts.ResultStatus;
import dev.step1x.loadtest.env.Cluster;
import dev.step1x.loadtest.gen.Expectation;
import dev.step1x.loadtest.gen.SentRequest;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.HexFormat;
import java.util.Set;
import java.util.function.Function;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Verifies a scenario's answers against what was sent, the output objects and the group's committed
 * offsets (definitions in {@link CheckResult}).
 */
public final class Checker implements AutoCloseable {

    private static final int MAX_PROBLEMS = 25;

    private final Cluster cluster;
    private final Cluster.Topics topics;
    private Admin admin;

    public Checker(Cluster cluster, Cluster.Topics topics) {
        this.cluster = cluster;
        this.topics = topics;
    }

    /**
     * Waits until every acknowledged request has an answer and the worker group has committed everything
     * (so no redelivery is still pending), or until the timeout. Returns true when both happened.
     */
    public boolean awaitSettled(Collection<SentRequest> sent, ResultCollector results, long timeoutMs) {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < deadline) {
            boolean all = sent.stream().filter(SentRequest::acked).allMatch(s -> results.answered(s.requestId()));
            if (all && groupLag() == 0) {
                // let the collector catch up with anything published just before the last commit
                long caughtUp = System.currentTimeMillis() + 500;
                while (results.lastPollMs() < caughtUp && System.currentTimeMillis() < deadline) {
                    sleep(100);
                }
                return true;
            }
            sleep(250);
        }
        return false;
    }

    /** Request records not yet committed by the worker group (-1 if the broker cannot be asked). */
    public long groupLag() {
        try {
            Admin admin = admin();
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(topics.group())
                    .partitionsToOffsetAndMetadata().get();
            Map<TopicPartition, OffsetSpec> spec = new HashMap<>();
            for (int p = 0; p < topics.partitions(); p++) {
                spec.put(new TopicPartition(topics.requests(), p), OffsetSpec.latest());
            }
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(spec).all().get();
            long lag = 0;
            for (var e : ends.entrySet()) {
                OffsetAndMetadata c = committed.get(e.getKey());
                lag += e.getValue().offset() - (c == null ? 0 : c.offset());
            }
            return lag;
        } catch (Exception e) {
            return -1;
        }
    }

    private Map<Integer, Long> committedOffsets() {
        Map<Integer, Long> m = new HashMap<>();
        try {
            admin().listConsumerGroupOffsets(topics.group()).partitionsToOffsetAndMetadata().get().forEach((tp, om) -> {
                if (tp.topic().equals(topics.requests()) && om != null) {
                    m.put(tp.partition(), om.offset());
                }
            });
        } catch (Exception e) {
            // unknown: nothing counts as committed
        }
        return m;
    }

    private synchronized Admin admin() {
        if (admin == null) {
            admin = cluster.broker().admin();
        }
        return admin;
    }

    @Override
    public synchronized void close() {
        if (admin != null) {
            admin.close(java.time.Duration.ofSeconds(5));
            admin = null;
        }
    }

    /** The worker's start-count marker objects end with this (the output key + it). */
    static final String START_MARKER_SUFFIX = ".starts";

    /** The check itself; call after {@link #awaitSettled}. Gathers what it needs and {@link #evaluate}s it. */
    public CheckResult check(Collection<SentRequest> sent, ResultCollector collector, String outputBucket,
            String outputPrefix) {
        // output objects of this run, by requestId
        S3Client s3 = cluster.s3().client();
        Map<String, List<String>> objects = new HashMap<>();
        for (S3Object o : s3.listObjectsV2Paginator(b -> b.bucket(outputBucket).prefix(outputPrefix)).contents()) {
            String rest = o.key().substring(outputPrefix.length());
            if (rest.contains("/")) {
                continue; // not an output of the deterministic form prefix + id + ext
            }
            if (rest.endsWith(START_MARKER_SUFFIX)) {
                continue; // a request's start count (crash-loop protection), beside its output: not an output
            }
            int dot = rest.lastIndexOf('.');
            String id = dot > 0 ? rest.substring(0, dot) : rest;
            objects.computeIfAbsent(id, k -> new ArrayList<>()).add(o.key());
        }
        return evaluate(new Observed(sent, collector.results(), collector.deadLetters(), outputBucket, objects,
                key -> sha256(s3, outputBucket, key), committedOffsets(), groupLag()));
    }

    /**
     * What a check looks at: the requests sent, every result record, the dead letters, the run's output objects
     * (keys by requestId, and how to hash one), the group's committed offsets by partition and its lag.
     */
    public record Observed(Collection<SentRequest> sent, List<ResultCollector.Received> results,
            List<ResultCollector.DeadLettered> deadLetters, String outputBucket, Map<String, List<String>> objectKeys,
            Function<String, String> objectSha256, Map<Integer, Long> committed, long groupLag) {}

    /** Counts what {@code o} shows (definitions in {@link CheckResult}). */
    public static CheckResult evaluate(Observed o) {
        List<String> problems = new ArrayList<>();
        Map<String, SentRequest> byId = new LinkedHashMap<>();
        int sendFailed = 0;
        for (SentRequest s : o.sent()) {
            if (s.acked()) {
                byId.put(s.requestId(), s);
            } else {
                sendFailed++;
                note(problems, "send failed: " + s.requestId() + " " + s.sendError());
            }
        }
        Map<String, List<ResultCollector.Received>> results = new HashMap<>();
        int invalid = 0;
        int unknown = 0;
        for (ResultCollector.Received r : o.results()) {
            if (r.result() == null) {
                invalid++;
                note(problems, "result record does not validate (key " + r.key() + "): " + r.invalid());
                continue;
            }
            String id = r.result().requestId();
            if (!byId.containsKey(id)) {
                unknown++;
                note(problems, "result for an id nobody sent: " + id);
                continue;
            }
            results.computeIfAbsent(id, k -> new ArrayList<>()).add(r);
        }
        int objectCount = o.objectKeys().values().stream().mapToInt(List::size).sum();

        Map<ResultStatus, Integer> byStatus = new EnumMap<>(ResultStatus.class);
        int answered = 0;
        int unanswered = 0;
        int lostCommitted = 0;
        int lostOutputs = 0;
        int differing = 0;
        int conflicting = 0;
        int multipleOutputs = 0;
        int redelivered = 0;
        int redeliveredRequests = 0;
        int redeliveredIdentical = 0;
        int fromExisting = 0;
        int fromExistingRequests = 0;
        int wrongStatus = 0;
        int shaMismatch = 0;
        int sizeMismatch = 0;
        int expectedGood = 0;
        Set<String> succeededIds = new HashSet<>();
        for (SentRequest s : byId.values()) {
            String id = s.requestId();
            Expectation want = s.planned().expectation();
            if (want.good()) {
                expectedGood++;
            }
            List<ResultCollector.Received> rs = results.getOrDefault(id, List.of());
            if (rs.isEmpty()) {
                unanswered++;
                Long c = o.committed().get(s.partition());
                if (c != null && s.offset() < c) {
                    lostCommitted++;
                    note(problems, "lost: " + id + " (partition " + s.partition() + " offset " + s.offset()
                            + " committed, never answered)");
                } else {
                    note(problems, "unanswered: " + id);
                }
                continue;
            }
            answered++;
            EditResult first = rs.get(0).result();
            byStatus.merge(first.status(), 1, Integer::sum);
            Set<String> fingerprints = new HashSet<>();
            Set<String> succeededOutputs = new HashSet<>();
            Set<String> otherAnswers = new HashSet<>();
            int reused = 0;
            for (ResultCollector.Received r : rs) {
                EditResult e = r.result();
                fingerprints.add(fingerprint(e));
                if (e.isSucceeded()) {
                    succeededOutputs.add(fingerprint(e));
                    if (e.batch() == null) {
                        reused++; // answered from the existing output object, not computed again
                    }
                } else {
                    otherAnswers.add(fingerprint(e));
                }
            }
            fromExisting += reused;
            fromExistingRequests += reused > 0 ? 1 : 0;
            if (succeededOutputs.size() > 1) {
                conflicting++;
                note(problems, "conflicting: " + id + " has " + succeededOutputs.size() + " SUCCEEDED results with "
                        + "different outputs: " + succeededOutputs);
            }
            if (fingerprints.size() > 1 && !otherAnswers.isEmpty()) {
                differing++;
                note(problems, "duplicated: " + id + " has " + fingerprints.size() + " different terminal results: "
                        + fingerprints);
            }
            if (fingerprints.size() == 1 && rs.size() > 1) {
                redelivered += rs.size() - 1;
                redeliveredRequests++;
                boolean identical = rs.stream().allMatch(r -> Arrays.equals(r.value(), rs.get(0).value()));
                if (identical) {
                    redeliveredIdentical++;
                }
            }
            if (first.status() != want.status() || (want.code() != null
                    && (first.error() == null || first.error().code() != want.code()))) {
                wrongStatus++;
                note(problems, "wrong answer: " + id + " expected " + want.status()
                        + (want.code() == null ? "" : "/" + want.code()) + ", got " + first.status()
                        + (first.error() == null ? "" : "/" + first.error().code() + " " + first.error().message()));
            }
            List<String> keys = o.objectKeys().getOrDefault(id, List.of());
            if (keys.size() > 1) {
                multipleOutputs++;
                note(problems, "duplicated: " + id + " has " + keys.size() + " output objects");
            }
            if (first.isSucceeded()) {
                succeededIds.add(id);
                EditResult.OutputRef out = first.output();
                if (!out.bucket().equals(o.outputBucket()) || !keys.contains(out.key())) {
                    lostOutputs++;
                    note(problems, "lost output: " + id + " says s3://" + out.bucket() + "/" + out.key()
                            + " but there is no such object");
                } else {
                    String sha = o.objectSha256().apply(out.key());
                    if (!out.sha256().equals(sha)) {
                        shaMismatch++;
                        note(problems, "sha256 mismatch: " + id + " result " + out.sha256() + " object " + sha);
                    }
                }
                if (want.good() && (out.width() != want.width() || out.height() != want.height())) {
                    sizeMismatch++;
                    note(problems, "size mismatch: " + id + " " + out.width() + "x" + out.height() + ", input "
                            + want.width() + "x" + want.height());
                }
            }
        }
        int orphans = 0;
        for (Map.Entry<String, List<String>> e : o.objectKeys().entrySet()) {
            if (!succeededIds.contains(e.getKey())) {
                orphans += e.getValue().size();
                note(problems, "orphan output object(s) without a SUCCEEDED result: " + e.getValue().get(0));
            }
        }
        int goodDeadLettered = 0;
        for (ResultCollector.DeadLettered d : o.deadLetters()) {
            SentRequest s = d.requestId() == null ? null : byId.get(d.requestId());
            if (s != null && s.planned().expectation().good()) {
                goodDeadLettered++;
                note(problems, "good request dead-lettered: " + d.requestId() + " (" + d.code() + ")");
            }
        }
        int wrong = wrongStatus + shaMismatch + sizeMismatch + invalid + unknown + goodDeadLettered;
        int lost = lostCommitted + lostOutputs;
        return new CheckResult(byId.size(), sendFailed, answered, byStatus, expectedGood, lost, lostCommitted,
                lostOutputs, differing + multipleOutputs, differing, multipleOutputs, conflicting, redelivered,
                redeliveredRequests, redeliveredIdentical, fromExisting, fromExistingRequests, unanswered, wrong,
                wrongStatus, shaMismatch, sizeMismatch, invalid, unknown, goodDeadLettered, orphans,
                o.deadLetters().size(), objectCount, o.groupLag(), problems);
    }

    /**
     * The part of a terminal result that must not differ between two publications for one request:
     * status, error code and the output reference (bucket, key, sha256, size, type). Timings, batch, attempt,
     * worker, completion time and ETag may differ on a repeat (a redelivery answered from the output object).
     */
    static String fingerprint(EditResult r) {
        StringBuilder b = new StringBuilder(r.status().name());
        if (r.error() != null) {
            b.append('/').append(r.error().code());
        }
        if (r.output() != null) {
            EditResult.OutputRef o = r.output();
            b.append(" s3://").append(o.bucket()).append('/').append(o.key()).append(' ').append(o.sha256())
                    .append(' ').append(o.width()).append('x').append(o.height()).append(' ').append(o.contentType());
        }
        return b.toString();
    }

    private static String sha256(S3Client s3, String bucket, String key) {
        try {
            ResponseBytes<GetObjectResponse> b = s3.getObjectAsBytes(g -> g.bucket(bucket).key(key));
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b.asByteArray()));
        } catch (NoSuchKeyException e) {
            return "(missing)";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void note(List<String> problems, String p) {
        if (problems.size() < MAX_PROBLEMS) {
            problems.add(p);
        } else if (problems.size() == MAX_PROBLEMS) {
            problems.add("(more problems not listed)");
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

package dev.step1x.submit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.step1x.contracts.EditResult;
import dev.step1x.contracts.ResultStatus;
import dev.step1x.worker.support.Images;
import dev.step1x.worker.support.ItEnvironment;
import dev.step1x.worker.support.ItEnvironment.Collector;
import dev.step1x.worker.support.ItEnvironment.Topics;
import dev.step1x.worker.support.LocalS3Proxy;
import dev.step1x.worker.support.Requests;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;

/**
 * {@code bin/step1x-submit} against the real servers (KRaft broker, S3Proxy) and a real worker with the
 * simulated engine (in its own JVM): upload + submit + wait + download, results that are not SUCCEEDED, and a request nobody
 * answers.
 */
class SubmitIT {

    static Topics topics;
    static Topics idle;
    static WorkerProcess worker;
    static Collector results;

    @BeforeAll
    static void start() {
        ItEnvironment.start();
        topics = Topics.of("submit-it", 2);
        idle = Topics.of("submit-it-idle", 1); // no worker reads it
        worker = WorkerProcess.start("submit-it", ItEnvironment.workerArgs(topics,
                "worker.id=submit-it-1",
                "worker.engine.mode=simulated",
                "worker.engine.model-versions=v1.1",
                "worker.engine.simulated.base=20ms",
                "worker.engine.simulated.per-row=5ms",
                "worker.batching.max-delay=50ms"));
        results = new Collector(topics.results());
    }

    @AfterAll
    static void stop() {
        if (results != null) {
            results.close();
        }
        if (worker != null) {
            worker.close();
        }
    }

    /** The connection options every run needs: the test broker, its topics, S3Proxy with its static keys. */
    static List<String> connection(Topics t) {
        return List.of("--bootstrap", ItEnvironment.brokers(), "--topic", t.requests(), "--results-topic", t.results(),
                "--s3-endpoint", ItEnvironment.s3proxy().endpoint().toString(), "--s3-access-key", LocalS3Proxy.IDENTITY,
                "--s3-secret-key", LocalS3Proxy.CREDENTIAL);
    }

    record Run(int rc, String out, String err) {}

    static Run submit(List<String> args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = Submit.run(args.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), Map.of());
        Run r = new Run(rc, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        System.out.println("step1x-submit " + String.join(" ", args) + "\n-> " + rc + "\n" + r.out() + r.err());
        return r;
    }

    static byte[] s3Object(String bucket, String key) {
        return ItEnvironment.s3().getObjectAsBytes(GetObjectRequest.builder().bucket(bucket).key(key).build())
                .asByteArray();
    }

    @Test
    void uploadsSubmitsWaitsAndDownloadsTheEditedImage(@TempDir Path tmp) throws Exception {
        byte[] image = Images.sample(Images.LANDSCAPE_PNG);
        Path cat = Files.write(tmp.resolve("cat.png"), image);
        Path downloads = tmp.resolve("downloads");
        List<String> args = new ArrayList<>(connection(topics));
        args.addAll(List.of("--upload", cat.toString(), "--input", "s3://" + ItEnvironment.INPUTS + "/submit-it/",
                "--instruction", "make it snowy", "--output-bucket", ItEnvironment.OUTPUTS, "--output-prefix",
                "submit-it/", "--request-id", "submit-it-snowy", "--size-level", "512", "--steps", "4",
                "--metadata", "origin=submit-it", "--wait", "120", "--download", downloads.toString()));

        Run run = submit(args);

        assertThat(run.rc()).as(run.err()).isZero();
        // the upload went where --input said, with the file's name appended to the folder
        assertThat(s3Object(ItEnvironment.INPUTS, "submit-it/cat.png")).isEqualTo(image);
        EditResult result = results.firstResults().get("submit-it-snowy");
        assertThat(result).as("the worker's result on the topic").isNotNull();
        assertThat(result.status()).isEqualTo(ResultStatus.SUCCEEDED);
        assertThat(result.metadata()).containsEntry("origin", "submit-it");
        String location = "s3://" + result.output().bucket() + "/" + result.output().key();
        assertThat(location).isEqualTo("s3://outputs/submit-it/submit-it-snowy.png");
        assertThat(run.out()).containsPattern("submit-it-snowy\\s+SUCCEEDED\\s+-\\s+" + location.replace(".", "\\.")
                + "\\s+\\d+\\.\\d s");
        // the downloaded file is the object the result points at, and an edit of the upload
        Path downloaded = downloads.resolve("submit-it-snowy.png");
        byte[] object = s3Object(result.output().bucket(), result.output().key());
        assertThat(Files.readAllBytes(downloaded)).isEqualTo(object);
        assertThat(Transfers.sha256(object)).isEqualTo(result.output().sha256());
        assertThat(object).isNotEqualTo(image);
        try (Stream<Path> files = Files.list(downloads)) {
            assertThat(files).containsExactly(downloaded);
        }
    }

    @Test
    void requestFilesWithFailuresPrintEveryCodeAndExitOne(@TempDir Path tmp) throws Exception {
        ItEnvironment.put(ItEnvironment.INPUTS, "submit-it/portrait.jpg", Images.sample(Images.PORTRAIT_JPEG));
        Path good = Files.writeString(tmp.resolve("good.json"),
                Requests.edit("submit-files-ok", "submit-it/portrait.jpg", "brighten", 512));
        Path two = Files.writeString(tmp.resolve("two.json"), "["
                + Requests.edit("submit-files-missing", "submit-it/nope.png", "brighten", 512) + ","
                + Requests.edit("submit-files-bucket", "not-allowed-bucket", "x.png", "brighten", 512, 28,
                        ItEnvironment.OUTPUTS, "png") + "]");
        List<String> args = new ArrayList<>(connection(topics));
        args.addAll(List.of("--wait=120", good.toString(), two.toString()));

        Run run = submit(args);

        assertThat(run.rc()).isEqualTo(1);
        assertThat(run.out()).containsPattern("submit-files-ok\\s+SUCCEEDED\\s+-\\s+s3://outputs/edits/submit-files-ok\\.png")
                .containsPattern("submit-files-missing\\s+FAILED\\s+INPUT_NOT_FOUND\\s+-")
                .containsPattern("submit-files-bucket\\s+REJECTED\\s+BUCKET_NOT_ALLOWED\\s+-")
                .contains("3 sent, 3 answered, 1 succeeded");
        assertThat(Arrays.stream(run.out().split("\n")).filter(l -> l.startsWith("sent ")).count()).isEqualTo(3);
    }

    @Test
    void aRequestNobodyAnswersIsReportedAndExitsOne() {
        List<String> args = new ArrayList<>(connection(idle));
        args.addAll(List.of("--input", "s3://inputs/submit-it/cat.png", "--instruction", "x", "--output-bucket",
                "outputs", "--request-id", "submit-idle-1", "--wait", "1"));

        Run run = submit(args);

        assertThat(run.rc()).isEqualTo(1);
        assertThat(run.out()).contains("sent submit-idle-1 to " + idle.requests())
                .containsPattern("submit-idle-1\\s+NO ANSWER")
                .contains("1 sent, 0 answered, 0 succeeded");
    }

    @Test
    void aMissingResultsTopicIsAFailureNotAHang() {
        List<String> args = new ArrayList<>(connection(topics));
        args.addAll(List.of("--results-topic", "submit-it.no-such-topic", "--input", "s3://inputs/submit-it/cat.png",
                "--instruction", "x", "--output-bucket", "outputs", "--wait", "5"));

        Run run = submit(args);

        assertThat(run.rc()).isEqualTo(1);
        assertThat(run.err()).contains("results topic submit-it.no-such-topic does not exist");
    }
}

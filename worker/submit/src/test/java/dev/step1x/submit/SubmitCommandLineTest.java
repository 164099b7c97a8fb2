package dev.step1x.submit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.step1x.contracts.ContractValidator;
import dev.step1x.contracts.EditRequest;
import dev.step1x.contracts.ParseResult;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** {@code bin/step1x-submit}'s argument handling, without Kafka or S3 (usage errors and --dry-run). */
class SubmitCommandLineTest {

    record Run(int rc, String out, String err) {}

    static Run submit(String... args) {
        return submit(Map.of(), args);
    }

    static Run submit(Map<String, String> env, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = Submit.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), env);
        return new Run(rc, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static Path example(Path dir, String name) throws IOException {
        try (InputStream in = SubmitCommandLineTest.class.getClassLoader().getResourceAsStream("examples/" + name)) {
            assertThat(in).as(name).isNotNull();
            return Files.write(dir.resolve(name.replace('/', '-')), in.readAllBytes());
        }
    }

    @Test
    void helpPrintsEveryOptionAndExitsZero() {
        Run r = submit("--help");
        assertThat(r.rc()).isZero();
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).contains("Usage:", "--bootstrap", "--tls", "--truststore", "--sasl-mechanism",
                "AWS_MSK_IAM", "--kafka-property", "--s3-endpoint", "--upload", "--wait", "--download", "--instruction",
                "Exit status");
    }

    @Test
    void everyOptionWithAValueRejectsAMissingValueWithExitTwo() {
        CommandLine cmd = new CommandLine(new Submit(Map.of()));
        List<String> checked = new ArrayList<>();
        for (OptionSpec o : cmd.getCommandSpec().options()) {
            if (o.arity().min() < 1) {
                continue; // flags, and --wait whose value is optional
            }
            Run r = submit(o.longestName());
            assertThat(r.rc()).as(o.longestName()).isEqualTo(2);
            assertThat(r.err()).as(o.longestName())
                    .startsWith("step1x-submit: Missing required parameter for option '" + o.longestName() + "'")
                    .contains("--help");
            assertThat(r.out()).isEmpty();
            checked.add(o.longestName());
        }
        assertThat(checked).contains("--bootstrap", "--topic", "--results-topic", "--truststore", "--sasl-mechanism",
                "--sasl-password", "--kafka-property", "--s3-endpoint", "--region", "--upload", "--download",
                "--instruction", "--input", "--output-bucket");
    }

    @Test
    void aValueThatIsAnotherOptionIsAMissingValue() {
        Run r = submit("--topic", "--wait", "x.json");
        assertThat(r.rc()).isEqualTo(2);
        assertThat(r.err()).contains("'--topic'");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "--steps|x|'--steps': 'x' is not an int",
        "--seed|1.5|'--seed': '1.5' is not a long",
        "--sasl-mechanism|GSSAPI|'GSSAPI' is not one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, AWS_MSK_IAM",
        "--input|inputs/cat.png|'inputs/cat.png' is not s3://BUCKET/KEY",
        "--format|gif|'gif' is not png or jpeg",
        "--version|v2|'v2' is not v1.0 or v1.1",
        "--deadline|tomorrow|'tomorrow' is neither an RFC 3339 time",
        "--kafka-property|acks|should be in KEY=VALUE format",
        "--wait=|soon|'soon' is not a number of seconds",
        "--wait|0|--wait needs a number of seconds above 0",
        "--s3-endpoint|localhost:9000|--s3-endpoint must be an http(s) URL"})
    void anInvalidValueExitsTwoWithAMessage(String c) {
        String[] p = c.split("\\|");
        String[] args = p[0].endsWith("=") ? new String[] {p[0] + p[1], "x.json"} : new String[] {p[0], p[1], "x.json"};
        Run r = submit(args);
        assertThat(r.rc()).as(c).isEqualTo(2);
        assertThat(r.err()).as(c).startsWith("step1x-submit: ").contains(p[2]);
    }

    @Test
    void anUnknownOptionGetsASuggestion() {
        Run r = submit("--bootstrp", "h:1", "x.json");
        assertThat(r.rc()).isEqualTo(2);
        assertThat(r.err()).contains("Unknown option: '--bootstrp'").contains("--bootstrap");
    }

    @Test
    void nothingToSendIsAUsageError() {
        Run r = submit("--bootstrap", "h:1");
        assertThat(r.rc()).isEqualTo(2);
        assertThat(r.err()).contains("nothing to send");
    }

    @Test
    void aMissingOrInvalidRequestFileIsAUsageError(@TempDir Path dir) throws IOException {
        Run missing = submit(dir.resolve("nope.json").toString());
        assertThat(missing.rc()).isEqualTo(2);
        assertThat(missing.err()).contains("nope.json: no such file");

        Path invalid = example(dir, "invalid/request-steps-0.json");
        Run r = submit(invalid.toString());
        assertThat(r.rc()).isEqualTo(2);
        assertThat(r.err()).contains("is not a valid EditRequest", "$.params.steps");

        Run anyway = submit("--no-validate", "--dry-run", invalid.toString());
        assertThat(anyway.rc()).as(anyway.err()).isZero();
        assertThat(anyway.out()).contains("\"steps\"");
    }

    @Test
    void aBuiltRequestValidatesAndNamesTheUploadedFile(@TempDir Path dir) throws IOException {
        Path cat = Files.write(dir.resolve("cat.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3, 4});
        Run r = submit("--dry-run", "--upload", cat.toString(), "--input", "s3://in-bucket/uploads/", "--instruction",
                "make it \"snowy\"", "--output-bucket", "out-bucket", "--output-prefix", "edits/", "--format", "JPG",
                "--jpeg-quality", "80", "--steps", "20", "--seed", "-7", "--version", "1.0", "--priority", "9",
                "--metadata", "a=b", "--metadata", "c=d", "--deadline", "2030-01-02T03:04:05+01:00");
        assertThat(r.rc()).as(r.err()).isZero();
        String[] lines = r.out().split("\n");
        assertThat(lines[0]).isEqualTo("would upload " + cat + " to s3://in-bucket/uploads/cat.png");
        ParseResult<EditRequest> p = ContractValidator.shared().parseRequest(lines[1]);
        assertThat(p.valid()).as(p.validation().toString()).isTrue();
        EditRequest req = p.orElseThrow();
        assertThat(req.requestId()).startsWith("submit-");
        assertThat(req.input()).isEqualTo(EditRequest.Input.of("in-bucket", "uploads/cat.png"));
        assertThat(req.instruction()).isEqualTo("make it \"snowy\"");
        assertThat(req.outputKey()).isEqualTo("edits/" + req.requestId() + ".jpg");
        assertThat(req.output().jpegQuality()).isEqualTo(80);
        assertThat(req.params().steps()).isEqualTo(20);
        assertThat(req.params().seed()).isEqualTo(-7L);
        assertThat(req.params().modelVersion().wire()).isEqualTo("v1.0");
        assertThat(req.params().sizeLevel()).isNull();
        assertThat(req.priority()).isEqualTo(9);
        assertThat(req.metadata()).containsExactly(Map.entry("a", "b"), Map.entry("c", "d"));
        assertThat(req.deadline()).isEqualTo(Instant.parse("2030-01-02T02:04:05Z"));
    }

    @Test
    void aBuiltRequestThatBreaksTheContractIsAUsageError() {
        Run r = submit("--dry-run", "--input", "s3://in-bucket/cat.png", "--instruction", "x", "--output-bucket",
                "Out_Bucket", "--steps", "101");
        assertThat(r.rc()).isEqualTo(2);
        assertThat(r.err()).contains("the request is not a valid EditRequest", "$.output.bucket", "$.params.steps");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "--instruction x --output-bucket out-bucket|give exactly one of --input",
        "--instruction x --input s3://in-bucket/a.png|--output-bucket is required",
        "--instruction x --input s3://in-bucket/dir/ --output-bucket out-bucket|names a folder",
        "--output-bucket out-bucket --input s3://in-bucket/a.png|--instruction is required",
        "--instruction x --input s3://in-bucket/a.png --previous-request-id r1 --output-bucket out-bucket"
                + "|give exactly one of --input",
        "--upload pom.xml --instruction x --previous-request-id r1 --output-bucket out-bucket|--upload needs a request "
                + "with an input",
        "--upload no-such.png --input s3://in-bucket/a.png --instruction x --output-bucket out-bucket|no such file",
        "--download d|nothing to send"})
    void incompleteRequestOptionsAreUsageErrors(String c) {
        String[] p = c.split("\\|");
        Run r = submit(p[0].split(" "));
        assertThat(r.rc()).as(c).isEqualTo(2);
        assertThat(r.err()).as(c).contains(p[1]);
    }

    @Test
    void requestOptionsAndFilesDoNotMix(@TempDir Path dir) throws IOException {
        Path f = example(dir, "valid/request-minimal.json");
        Run r = submit("--instruction", "x", f.toString());
        assertThat(r.rc()).isEqualTo(2);
        assertThat(r.err()).contains("cannot be combined with FILE.json");
    }

    @Test
    void waitWithoutANumberLeavesTheFileAlone(@TempDir Path dir) throws IOException {
        Path f = example(dir, "valid/request-minimal.json");
        Run r = submit("--wait", f.toString(), "--dry-run");
        assertThat(r.rc()).as(r.err()).isZero();
        assertThat(r.out()).contains("\"requestId\": \"req-0001\"");
    }

    @Test
    void uploadWithFilesNeedsOneInput(@TempDir Path dir) throws IOException {
        Path cat = Files.write(dir.resolve("cat.png"), new byte[] {1});
        Path a = Files.writeString(dir.resolve("a.json"), """
                [{"schemaVersion":1,"requestId":"a1","input":{"bucket":"in-bucket","key":"a.png"},"instruction":"x",
                  "output":{"bucket":"out-bucket"}},
                 {"schemaVersion":1,"requestId":"a2","input":{"bucket":"in-bucket","key":"b.png"},"instruction":"x",
                  "output":{"bucket":"out-bucket"}}]""");
        Run r = submit("--upload", cat.toString(), a.toString());
        assertThat(r.rc()).isEqualTo(2);
        assertThat(r.err()).contains("--upload: the requests name 2 different inputs");

        Path b = Files.writeString(dir.resolve("b.json"), """
                {"schemaVersion":1,"requestId":"b1","input":{"bucket":"in-bucket","key":"photos/b.png"},
                 "instruction":"x","output":{"bucket":"out-bucket"}}""");
        Run ok = submit("--upload", cat.toString(), "--dry-run", b.toString());
        assertThat(ok.rc()).as(ok.err()).isZero();
        assertThat(ok.out()).startsWith("would upload " + cat + " to s3://in-bucket/photos/b.png");
    }

    @Test
    void kafkaSecurityMistakesAreUsageErrors(@TempDir Path dir) throws IOException {
        Path f = example(dir, "valid/request-minimal.json");
        Run scram = submit("--dry-run", "--sasl-mechanism", "SCRAM-SHA-512", "--sasl-username", "u", f.toString());
        assertThat(scram.rc()).isEqualTo(2);
        assertThat(scram.err()).contains("SCRAM-SHA-512 needs --sasl-username and --sasl-password");
        Run fromEnv = submit(Map.of(KafkaOptions.ENV_SASL_PASSWORD, "p"), "--dry-run", "--sasl-mechanism",
                "scram-sha-512", "--sasl-username", "u", f.toString());
        assertThat(fromEnv.rc()).as(fromEnv.err()).isZero();
        Run iam = submit("--dry-run", "--sasl-mechanism", "AWS_MSK_IAM", "--sasl-username", "u", f.toString());
        assertThat(iam.rc()).isEqualTo(2);
        assertThat(iam.err()).contains("AWS_MSK_IAM authenticates with AWS credentials");
        Run keys = submit("--dry-run", "--s3-access-key", "k", f.toString());
        assertThat(keys.rc()).isEqualTo(2);
        assertThat(keys.err()).contains("--s3-access-key and --s3-secret-key go together");
    }

    @Test
    void contentTypeFromTheLeadingBytes() {
        assertThat(Transfers.contentType(new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10})).isEqualTo("image/png");
        assertThat(Transfers.contentType(new byte[] {(byte) 0xff, (byte) 0xd8, (byte) 0xff, 0})).isEqualTo("image/jpeg");
        assertThat(Transfers.contentType("RIFF\0\0\0\0WEBPVP8 ".getBytes(StandardCharsets.ISO_8859_1)))
                .isEqualTo("image/webp");
        assertThat(Transfers.contentType(new byte[] {'G', 'I', 'F'})).isEqualTo("application/octet-stream");
    }
}

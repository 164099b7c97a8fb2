package dev.step1x.submit;

import dev.step1x.contracts.Topics;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Stack;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * {@code bin/step1x-submit}: sends EditRequests to a Kafka cluster (plain, TLS, SASL PLAIN/SCRAM or MSK IAM),
 * keyed by requestId and validated against the contract first; the requests come from JSON files (one object,
 * or an array of objects, per file) or from options ({@code --instruction ...}). {@code --upload} puts the input
 * image into S3 first; {@code --wait} reads the results topic until every request is answered and prints a
 * table; {@code --download} fetches the edited images. Exit status: 0 all sent (and, when waiting, all
 * SUCCEEDED), 1 a failure (a request not SUCCEEDED, no answer in time, Kafka or S3 errors), 2 a usage error.
 */
@Command(name = "step1x-submit", sortOptions = false, usageHelpAutoWidth = true,
        synopsisHeading = "Usage:%n",
        customSynopsis = {
            "  bin/step1x-submit [OPTIONS] FILE.json...",
            "  bin/step1x-submit [OPTIONS] [--upload FILE] --input s3://BUCKET/KEY",
            "                    --instruction TEXT --output-bucket BUCKET"},
        description = {
            "",
            "Sends EditRequests to Kafka, keyed by requestId: from JSON files (an object or an array of objects per "
                    + "file, validated against the contract first) or built from the request options. Optionally "
                    + "uploads the input image first, waits for the results and downloads the edited images.",
            ""},
        footer = {
            "",
            "Exit status: 0 all sent (with --wait: all SUCCEEDED); 1 a request FAILED, was REJECTED or EXPIRED, an "
                    + "answer did not come in time, or Kafka/S3 failed; 2 a usage error or an invalid request.",
            "Secrets can come from the environment instead of the command line: " + KafkaOptions.ENV_SASL_USERNAME
                    + ", " + KafkaOptions.ENV_SASL_PASSWORD + ", " + KafkaOptions.ENV_TRUSTSTORE_PASSWORD + ", "
                    + KafkaOptions.ENV_KEYSTORE_PASSWORD + ", " + KafkaOptions.ENV_KEY_PASSWORD + ", "
                    + S3Options.ENV_SECRET_KEY + "; AWS credentials from the default chain (AWS_PROFILE, "
                    + "AWS_ACCESS_KEY_ID, SSO, instance and pod roles).",
            "Examples: docs/submit.md"})
public final class Submit implements Callable<Integer> {

    static final String NAME = "step1x-submit";
    /** Waiting time of {@code --wait} without a value, and of {@code --download} without {@code --wait}. */
    static final long DEFAULT_WAIT_SECONDS = 600;

    @Spec
    CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "show this help and exit")
    boolean help;

    @Parameters(paramLabel = "FILE.json", arity = "0..*", description = "request files")
    List<Path> files = new ArrayList<>();

    @Option(names = "--upload", paramLabel = "FILE", order = 1,
            description = "put FILE into S3 first, at --input (or at the input bucket/key of the request files)")
    Path upload;

    @Option(names = "--wait", paramLabel = "SECONDS", arity = "0..1", parameterConsumer = OptionalNumber.class,
            order = 2, description = "then read --results-topic until every request is answered or SECONDS pass "
                    + "(default " + DEFAULT_WAIT_SECONDS + "), and print a table of the results")
    Long waitSeconds;

    @Option(names = "--download", paramLabel = "DIR", order = 3,
            description = "download every SUCCEEDED output into DIR (implies --wait)")
    Path download;

    @Option(names = "--no-validate", order = 4, description = "send requests that do not validate against the contract")
    boolean noValidate;

    @Option(names = "--dry-run", order = 5,
            description = "print the requests (and the upload) that would be sent, contact nothing")
    boolean dryRun;

    @ArgGroup(validate = false, heading = "%nRequest options (instead of FILE.json):%n", order = 10)
    RequestOptions request = new RequestOptions();

    @ArgGroup(validate = false, heading = "%nKafka:%n", order = 20)
    KafkaOptions kafka = new KafkaOptions();

    @ArgGroup(validate = false, heading = "%nKafka topics:%n", order = 25)
    TopicOptions topics = new TopicOptions();

    @ArgGroup(validate = false, heading = "%nS3 and AWS:%n", order = 30)
    S3Options s3 = new S3Options();

    /**
     * {@code --wait [SECONDS]}: takes the next argument only when it is a number, so that
     * {@code --wait request.json} waits the default time for the file's request.
     */
    static final class OptionalNumber implements CommandLine.IParameterConsumer {
        @Override
        public void consumeParameters(Stack<String> args, CommandLine.Model.ArgSpec argSpec, CommandSpec commandSpec) {
            String value = String.valueOf(DEFAULT_WAIT_SECONDS);
            if (!args.isEmpty() && args.peek().matches("-?\\d+")) {
                value = args.pop();
            }
            try {
                argSpec.setValue(Long.parseLong(value));
            } catch (NumberFormatException e) {
                throw new ParameterException(commandSpec.commandLine(), "--wait: '" + value + "' is not a number");
            }
        }
    }

    /** Topic names (defaults: the contract's). */
    static final class TopicOptions {
        @Option(names = "--topic", paramLabel = "TOPIC", description = "request topic (default " + Topics.REQUESTS + ")")
        String requests = Topics.REQUESTS;

        @Option(names = "--results-topic", paramLabel = "TOPIC",
                description = "result topic read by --wait (default " + Topics.RESULTS + ")")
        String results = Topics.RESULTS;
    }

    private final Map<String, String> env;
    private PrintWriter out;
    private PrintWriter err;

    Submit(Map<String, String> env) {
        this.env = env;
    }

    public static void main(String[] args) {
        if (System.getProperty("logback.configurationFile") == null) {
            // before any logger exists: the clients' warnings only, on stderr
            System.setProperty("logback.configurationFile", "dev/step1x/submit/cli-logback.xml");
        }
        System.exit(run(args, System.out, System.err, System.getenv()));
    }

    /** Runs the command line with the given streams and environment; returns the exit status. */
    public static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env) {
        PrintWriter o = new PrintWriter(out, true, StandardCharsets.UTF_8);
        PrintWriter e = new PrintWriter(err, true, StandardCharsets.UTF_8);
        try {
            for (String a : args) {
                if (a.startsWith("--wait=") && !a.substring(7).matches("-?\\d+")) {
                    // --wait=X with X not a number (a bare --wait leaves a following non-number alone)
                    e.println(NAME + ": Invalid value for option '--wait': '" + a.substring(7) + "' is not a number "
                            + "of seconds");
                    e.println("Run 'bin/" + NAME + " --help' for the options.");
                    return Cli.USAGE;
                }
            }
            return Cli.command(new Submit(env), NAME).setOut(o).setErr(e).execute(args);
        } finally {
            o.flush();
            e.flush();
        }
    }

    @Override
    public Integer call() throws Exception {
        out = spec.commandLine().getOut();
        err = spec.commandLine().getErr();
        List<Sent> requests;
        Transfers.S3Target uploadTarget;
        Properties kafkaProps;
        try {
            if (waitSeconds != null && waitSeconds <= 0) {
                throw new IllegalArgumentException("--wait needs a number of seconds above 0");
            }
            if (upload != null && !Files.isRegularFile(upload)) {
                throw new IllegalArgumentException("--upload " + upload + ": no such file");
            }
            kafkaProps = kafka.clientProperties(env, s3.awsProfile);
            s3.check(env);
            RequestFiles source = new RequestFiles(noValidate, err);
            requests = files.isEmpty() ? List.of(source.built(request, upload)) : source.fromFiles(request, files);
            uploadTarget = upload == null ? null : Transfers.uploadTarget(requests);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        if (dryRun) {
            if (uploadTarget != null) {
                out.printf("would upload %s to %s%n", upload, uploadTarget);
            }
            for (Sent s : requests) {
                out.println(new String(s.json(), StandardCharsets.UTF_8));
            }
            return 0;
        }
        long wait = waitSeconds != null ? waitSeconds : download != null ? DEFAULT_WAIT_SECONDS : 0;
        S3Client client;
        try {
            client = uploadTarget != null || download != null ? s3.client(env, s3.awsProfile) : null;
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        Transfers transfers = new Transfers(client, out, err);
        try {
            if (uploadTarget != null) {
                transfers.put(upload, uploadTarget);
            }
            Map<String, Sent> byId = new LinkedHashMap<>();
            requests.forEach(r -> byId.put(r.id(), r));
            KafkaExchange exchange = new KafkaExchange(kafkaProps, topics.requests, topics.results, out);
            try (KafkaConsumer<byte[], byte[]> consumer = wait > 0 ? exchange.resultsConsumer() : null) {
                exchange.send(requests);
                if (consumer == null) {
                    return 0;
                }
                Map<String, KafkaExchange.Answer> answers = exchange.await(consumer, byId, wait);
                int rc = ResultTable.print(out, byId, answers, wait);
                if (download != null && transfers.downloadAll(download, answers.values()) != 0) {
                    rc = 1;
                }
                return rc;
            }
        } finally {
            if (client != null) {
                client.close();
            }
        }
    }
}

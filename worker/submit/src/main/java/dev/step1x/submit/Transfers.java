package dev.step1x.submit;

import dev.step1x.contracts.ContractValidator;
import dev.step1x.contracts.EditRequest;
import dev.step1x.contracts.EditResult;
import dev.step1x.contracts.ParseResult;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/** {@code --upload} (the input image into S3 first) and {@code --download} (the edited images out of it). */
final class Transfers {

    /** Where {@code --upload} puts the file. */
    record S3Target(String bucket, String key) {
        @Override
        public String toString() {
            return "s3://" + bucket + "/" + key;
        }
    }

    private final S3Client client;
    private final PrintWriter out;
    private final PrintWriter err;

    Transfers(S3Client client, PrintWriter out, PrintWriter err) {
        this.client = client;
        this.out = out;
        this.err = err;
    }

    /** The one input the requests name, where {@code --upload} puts its file. */
    static S3Target uploadTarget(List<Sent> requests) {
        Set<S3Target> inputs = new LinkedHashSet<>();
        for (Sent s : requests) {
            ParseResult<EditRequest> p = ContractValidator.shared().parseRequest(s.json());
            if (p.valid() && p.orElseThrow().input() != null) {
                inputs.add(new S3Target(p.orElseThrow().input().bucket(), p.orElseThrow().input().key()));
            }
        }
        if (inputs.size() != 1) {
            throw new IllegalArgumentException(inputs.isEmpty()
                    ? "--upload needs a request with an input (--input s3://BUCKET/KEY, or \"input\" in FILE.json)"
                    : "--upload: the requests name " + inputs.size() + " different inputs " + inputs
                            + "; upload one image per run");
        }
        return inputs.iterator().next();
    }

    void put(Path upload, S3Target target) throws IOException {
        byte[] bytes = Files.readAllBytes(upload);
        client.putObject(PutObjectRequest.builder().bucket(target.bucket()).key(target.key())
                .contentType(contentType(bytes)).contentLength((long) bytes.length).build(), RequestBody.fromBytes(bytes));
        out.printf("uploaded %s to %s (%d bytes)%n", upload, target, bytes.length);
    }

    /** The media type from the leading bytes: PNG, JPEG, WebP, else application/octet-stream. */
    static String contentType(byte[] b) {
        if (b.length >= 8 && (b[0] & 0xff) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G') {
            return "image/png";
        }
        if (b.length >= 3 && (b[0] & 0xff) == 0xff && (b[1] & 0xff) == 0xd8 && (b[2] & 0xff) == 0xff) {
            return "image/jpeg";
        }
        if (b.length >= 12 && b[0] == 'R' && b[1] == 'I' && b[2] == 'F' && b[3] == 'F' && b[8] == 'W' && b[9] == 'E'
                && b[10] == 'B' && b[11] == 'P') {
            return "image/webp";
        }
        return "application/octet-stream";
    }

    /**
     * Every SUCCEEDED output into {@code download}, named after its key, checked against the result's sha256.
     *
     * @return 0, or 1 when an output could not be named or its bytes differ from the result's checksum
     */
    int downloadAll(Path download, Collection<KafkaExchange.Answer> answers) throws IOException {
        Path dir = download.toAbsolutePath().normalize();
        Files.createDirectories(dir);
        int rc = 0;
        for (KafkaExchange.Answer a : answers) {
            EditResult.OutputRef o = a.result().output();
            if (!a.result().isSucceeded() || o == null) {
                continue;
            }
            String name = o.key().substring(o.key().lastIndexOf('/') + 1);
            Path file = dir.resolve(name).normalize();
            if (name.isEmpty() || !file.getParent().equals(dir)) {
                err.printf("%s: not downloading %s: no usable file name%n", Submit.NAME, o.key());
                rc = 1;
                continue;
            }
            byte[] bytes = client.getObjectAsBytes(GetObjectRequest.builder().bucket(o.bucket()).key(o.key()).build())
                    .asByteArray();
            Files.write(file, bytes);
            String sha = sha256(bytes);
            if (o.sha256() != null && !o.sha256().equals(sha)) {
                err.printf("%s: %s: sha256 %s differs from the result's %s%n", Submit.NAME, file, sha, o.sha256());
                rc = 1;
            }
            out.printf("downloaded s3://%s/%s to %s (%d bytes)%n", o.bucket(), o.key(), file, bytes.length);
        }
        return rc;
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

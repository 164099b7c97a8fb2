package dev.step1x.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.step1x.contracts.ContractValidator;
import dev.step1x.contracts.EditRequest;
import dev.step1x.contracts.EditResult;
import dev.step1x.contracts.ErrorCode;
import dev.step1x.worker.config.WorkerProperties;
import dev.step1x.worker.storage.S3ObjectStore;
import dev.step1x.worker.support.ItEnvironment;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;

/** {@link OutputObjects} against S3Proxy: an output object is created once, and only ever answers its own request. */
class OutputObjectsIT {

    static OutputObjects outputs;

    @BeforeAll
    static void servers() {
        ItEnvironment.start();
        outputs = new OutputObjects(new S3ObjectStore(ItEnvironment.s3(), new WorkerProperties.Storage().toS3Settings()));
    }

    static EditRequest request(String id, String instruction, String deadline, String metadataValue) {
        String json = """
                {"schemaVersion":1,"requestId":"%s","input":{"bucket":"inputs","key":"in/x.png"},"instruction":"%s",
                 "params":{"sizeLevel":512},"output":{"bucket":"outputs","keyPrefix":"objects-it/"}%s,
                 "metadata":{"k":"%s"}}
                """.formatted(id, instruction, deadline == null ? "" : ",\"deadline\":\"" + deadline + "\"",
                metadataValue);
        return ContractValidator.shared().parseRequest(json.getBytes(StandardCharsets.UTF_8)).orElseThrow().withDefaults();
    }

    @Test
    void createdOnceThenAnsweredFromTheObjectThatWon() throws Exception {
        EditRequest r = request("oo-" + System.nanoTime(), "make it snowy", null, "a");
        assertThat(outputs.existing(r)).isNull();

        OutputObjects.Written first = outputs.create(r, "bytes of run 1".getBytes(StandardCharsets.UTF_8),
                "image/png", 64, 48);
        assertThat(first.ours()).isTrue();
        // a second run of the same request made other bytes (another batch, another GPU): it does not overwrite
        OutputObjects.Written second = outputs.create(r, "bytes of run 2, different".getBytes(StandardCharsets.UTF_8),
                "image/png", 64, 48);
        assertThat(second.ours()).isFalse();
        assertThat(second.output().sha256()).isEqualTo(first.output().sha256());
        assertThat(ItEnvironment.s3().getObjectAsBytes(g -> g.bucket("outputs").key(r.outputKey())).asUtf8String())
                .isEqualTo("bytes of run 1");

        EditResult.OutputRef existing = outputs.existing(r);
        assertThat(existing).isEqualTo(first.output());
        assertThat(existing.width()).isEqualTo(64);
        assertThat(existing.height()).isEqualTo(48);
        assertThat(existing.contentType()).isEqualTo("image/png");
    }

    @Test
    void deadlineAndMetadataDoNotMakeAnotherRequestButTheInstructionDoes() throws Exception {
        String id = "oo-" + System.nanoTime();
        EditRequest r = request(id, "make it snowy", null, "a");
        OutputObjects.Written first = outputs.create(r, new byte[] {1, 2, 3}, "image/png", 8, 8);

        EditRequest late = request(id, "make it snowy", "2020-01-01T00:00:00Z", "other metadata");
        assertThat(OutputObjects.payloadSha256(late)).isEqualTo(OutputObjects.payloadSha256(r));
        assertThat(outputs.existing(late)).isEqualTo(first.output());

        EditRequest other = request(id, "make it rainy", null, "a");
        assertThat(OutputObjects.payloadSha256(other)).isNotEqualTo(OutputObjects.payloadSha256(r));
        assertThatThrownBy(() -> outputs.existing(other)).isInstanceOfSatisfying(RequestFailure.class, f -> {
            assertThat(f.code()).isEqualTo(ErrorCode.REQUEST_ID_CONFLICT);
            assertThat(f.getMessage()).contains(r.outputKey()).contains("other request contents")
                    .contains(OutputObjects.payloadSha256(r));
        });
        assertThatThrownBy(() -> outputs.create(other, new byte[] {7}, "image/png", 8, 8))
                .isInstanceOfSatisfying(RequestFailure.class, f -> assertThat(f.code())
                        .isEqualTo(ErrorCode.REQUEST_ID_CONFLICT));
        assertThat(ItEnvironment.s3().getObjectAsBytes(g -> g.bucket("outputs").key(r.outputKey())).asByteArray())
                .containsExactly(1, 2, 3);
    }

    @Test
    void anObjectNotWrittenByAWorkerIsNeitherReusedNorReplaced() {
        EditRequest r = request("oo-" + System.nanoTime(), "make it snowy", null, "a");
        ItEnvironment.s3().putObject(p -> p.bucket("outputs").key(r.outputKey()).contentType("image/png"),
                RequestBody.fromString("someone else's file"));
        assertThatThrownBy(() -> outputs.existing(r)).isInstanceOfSatisfying(RequestFailure.class, f -> {
            assertThat(f.code()).isEqualTo(ErrorCode.REQUEST_ID_CONFLICT);
            assertThat(f.getMessage()).contains("was not written by a worker");
        });
        assertThatThrownBy(() -> outputs.create(r, new byte[] {5}, "image/png", 1, 1))
                .isInstanceOf(RequestFailure.class);
        assertThat(ItEnvironment.s3().getObjectAsBytes(g -> g.bucket("outputs").key(r.outputKey())).asUtf8String())
                .isEqualTo("someone else's file");
    }
}

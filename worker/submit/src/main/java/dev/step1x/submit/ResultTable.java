package dev.step1x.submit;

import dev.step1x.contracts.EditResult;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The table {@code --wait} prints: one row per request (status, error code, output, latency), then a summary. */
final class ResultTable {

    private ResultTable() {}

    /** @return 0 when every request SUCCEEDED, else 1 */
    static int print(PrintWriter out, Map<String, Sent> sent, Map<String, KafkaExchange.Answer> answers, long waited) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"REQUEST ID", "STATUS", "ERROR", "OUTPUT", "LATENCY"});
        int failed = 0;
        List<String> messages = new ArrayList<>();
        for (Sent s : sent.values()) {
            KafkaExchange.Answer a = answers.get(s.id());
            if (a == null) {
                rows.add(new String[] {s.id(), "NO ANSWER", "-", "-", ">" + waited + " s"});
                failed++;
                continue;
            }
            EditResult r = a.result();
            String output = r.output() == null ? "-" : "s3://" + r.output().bucket() + "/" + r.output().key();
            String latency = String.format(Locale.ROOT, "%.1f s", (a.atNanos() - s.ackNanos()[0]) / 1e9);
            rows.add(new String[] {s.id(), r.status().name(), r.error() == null ? "-" : r.error().code().name(), output,
                latency});
            if (!r.isSucceeded()) {
                failed++;
                if (r.error() != null) {
                    messages.add(s.id() + ": " + r.error().code() + ": " + r.error().message());
                }
            }
        }
        int[] width = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                b.append(i == row.length - 1 ? row[i] : String.format("%-" + width[i] + "s  ", row[i]));
            }
            out.println(b.toString().stripTrailing());
        }
        messages.forEach(out::println);
        out.printf("%d sent, %d answered, %d succeeded%n", sent.size(), answers.size(), sent.size() - failed);
        return failed == 0 ? 0 : 1;
    }
}

package dev.step1x.engine.cli;

import dev.step1x.engine.pipeline.BucketKey;
import dev.step1x.engine.pipeline.EditProgress;
import java.io.PrintStream;
import java.util.Locale;

/** The progress bars of {@code edit}, on stderr. */
final class ProgressBars {

    private ProgressBars() {}

    private static String bar(double fraction, int width) {
        int filled = (int) Math.round(width * Math.max(0, Math.min(1, fraction)));
        return "[" + "#".repeat(filled) + ".".repeat(width - filled) + "]";
    }

    /** One edit: a line per stage and a bar over the denoising steps with an ETA. */
    static final class Single implements EditProgress {
        private final PrintStream err;
        private long denoiseStart;
        private boolean drawn;

        Single(PrintStream err) {
            this.err = err;
        }

        @Override
        public void stage(String name) {
            if (name.equals("denoise")) {
                denoiseStart = System.nanoTime();
            }
            if (drawn) {
                err.println();
                drawn = false;
            }
            err.print("[" + name + "]");
            err.println();
        }

        @Override
        public void step(int done, int total) {
            double elapsed = (System.nanoTime() - denoiseStart) / 1e9;
            double eta = elapsed / done * (total - done);
            err.printf(Locale.ROOT, "\rdenoise %s %d/%d  %.1f s elapsed, ETA %.1f s", bar((double) done / total, 30),
                    done, total, elapsed, eta);
            drawn = true;
        }

        void done() {
            if (drawn) {
                err.println();
            }
        }
    }

    /**
     * A folder of images: one line, redrawn in place, over the images (done + the current batch's share of its
     * denoising steps), with the batch, its bucket, the stage and step, the elapsed time and an ETA.
     */
    static final class Batch implements EditProgress {
        private final PrintStream err;
        private final int totalImages;
        private final long start = System.nanoTime();
        private int doneImages;
        private int batchIndex;
        private int batches;
        private int batchImages;
        private int shownImages;
        private BucketKey bucket;
        private String stage = "";
        private int step;
        private int steps;
        private int lastLength;

        Batch(PrintStream err, int totalImages) {
            this.err = err;
            this.totalImages = totalImages;
        }

        void startBatch(int index, int count, int images, BucketKey key) {
            batchIndex = index;
            batches = count;
            batchImages = images;
            shownImages = images;
            bucket = key;
            stage = "";
            step = 0;
            steps = 0;
            draw();
        }

        void endBatch() {
            doneImages += batchImages;
            batchImages = 0;
            stage = "done";
            draw();
        }

        @Override
        public void stage(String name) {
            stage = name;
            draw();
        }

        @Override
        public void step(int done, int total) {
            step = done;
            steps = total;
            draw();
        }

        /** Ends the line, so that other output starts on a fresh one. */
        void newLine() {
            if (lastLength > 0) {
                err.println();
                lastLength = 0;
            }
        }

        private void draw() {
            double inBatch = steps == 0 ? 0 : (double) step / steps;
            if (stage.equals("vaeDecode") || stage.equals("encode")) {
                inBatch = 1;
            }
            double fraction = totalImages == 0 ? 1 : (doneImages + batchImages * inBatch) / totalImages;
            double elapsed = (System.nanoTime() - start) / 1e9;
            String eta = fraction > 0 ? String.format(Locale.ROOT, "ETA %.0f s", elapsed / fraction * (1 - fraction)) : "ETA ?";
            String where = stage.equals("denoise") && steps > 0 ? "denoise " + step + "/" + steps : stage;
            String line = String.format(Locale.ROOT, "images %s %d/%d  batch %d/%d (%d x %s) %s  %.1f s, %s",
                    bar(fraction, 24), doneImages, totalImages, batchIndex, batches, shownImages, bucket, where, elapsed, eta);
            int pad = Math.max(0, lastLength - line.length());
            err.print("\r" + line + " ".repeat(pad));
            err.flush();
            lastLength = line.length();
        }
    }
}

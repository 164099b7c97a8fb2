package dev.step1x.loadtest.report;

import java.util.List;
import java.util.Locale;

/** Small self-contained inline SVG charts (no scripts, no external resources). */
public final class Svg {

    /** Colours of successive series. */
    public static final List<String> PALETTE = List.of("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
            "#8c564b", "#17becf", "#7f7f7f");

    /** One line: x and y values of equal length. */
    public record Series(String name, double[] x, double[] y) {}

    /** A vertical marker at x. */
    public record Marker(double x, String label) {}

    private static final int W = 760;
    private static final int H = 260;
    private static final int LEFT = 60;
    private static final int RIGHT = 150;
    private static final int TOP = 28;
    private static final int BOTTOM = 40;

    private Svg() {}

    /** A line chart with a legend on the right and dashed vertical markers. */
    public static String lineChart(String title, String xLabel, String yLabel, List<Series> series, List<Marker> markers,
            boolean steps) {
        return lineChart(title, xLabel, yLabel, series, markers, steps, Double.NaN);
    }

    /** As above with a fixed top of the y axis (NaN: from the data). */
    public static String lineChart(String title, String xLabel, String yLabel, List<Series> series, List<Marker> markers,
            boolean steps, double fixedYTop) {
        double xMin = Double.MAX_VALUE;
        double xMax = -Double.MAX_VALUE;
        double yMax = 0;
        for (Series s : series) {
            for (int i = 0; i < s.x().length; i++) {
                if (Double.isFinite(s.y()[i])) {
                    xMin = Math.min(xMin, s.x()[i]);
                    xMax = Math.max(xMax, s.x()[i]);
                    yMax = Math.max(yMax, s.y()[i]);
                }
            }
        }
        for (Marker m : markers) {
            xMin = Math.min(xMin, m.x());
            xMax = Math.max(xMax, m.x());
        }
        if (xMin > xMax) {
            xMin = 0;
            xMax = 1;
        }
        if (xMax == xMin) {
            xMax = xMin + 1;
        }
        xMin = Math.min(0, xMin);
        double yTop = Double.isNaN(fixedYTop) ? niceCeil(yMax <= 0 ? 1 : yMax * 1.05) : fixedYTop;
        StringBuilder b = open(title);
        axes(b, xMin, xMax, 0, yTop, xLabel, yLabel);
        int plotW = W - LEFT - RIGHT;
        int plotH = H - TOP - BOTTOM;
        for (int si = 0; si < series.size(); si++) {
            Series s = series.get(si);
            String colour = PALETTE.get(si % PALETTE.size());
            StringBuilder pts = new StringBuilder();
            double prevY = Double.NaN;
            for (int i = 0; i < s.x().length; i++) {
                if (!Double.isFinite(s.y()[i])) {
                    continue;
                }
                double px = LEFT + (s.x()[i] - xMin) / (xMax - xMin) * plotW;
                double py = TOP + plotH - s.y()[i] / yTop * plotH;
                if (steps && !Double.isNaN(prevY)) {
                    pts.append(f(px)).append(',').append(f(prevY)).append(' ');
                }
                pts.append(f(px)).append(',').append(f(py)).append(' ');
                prevY = py;
            }
            b.append("<polyline fill=\"none\" stroke=\"").append(colour).append("\" stroke-width=\"1.6\" points=\"")
                    .append(pts.toString().trim()).append("\"/>\n");
            int ly = TOP + 14 + si * 16;
            b.append("<line x1=\"").append(W - RIGHT + 10).append("\" y1=\"").append(ly - 4).append("\" x2=\"")
                    .append(W - RIGHT + 28).append("\" y2=\"").append(ly - 4).append("\" stroke=\"").append(colour)
                    .append("\" stroke-width=\"2\"/>");
            b.append(text(W - RIGHT + 32, ly, "start", 11, s.name())).append('\n');
        }
        double lastLabel = -1e9;
        for (Marker m : markers) {
            double px = LEFT + (m.x() - xMin) / (xMax - xMin) * plotW;
            b.append("<line x1=\"").append(f(px)).append("\" y1=\"").append(TOP).append("\" x2=\"").append(f(px))
                    .append("\" y2=\"").append(TOP + plotH).append("\" stroke=\"#555\" stroke-dasharray=\"4,3\"/>");
            // labels of markers close together are set side by side instead of on top of each other
            double lx = Math.max(px + 3, lastLabel + 12);
            lastLabel = lx;
            b.append("<text x=\"").append(f(lx)).append("\" y=\"").append(TOP + 10)
                    .append("\" font-size=\"10\" fill=\"#555\" transform=\"rotate(90 ").append(f(lx)).append(' ')
                    .append(TOP + 10).append(")\">").append(esc(m.label())).append("</text>\n");
        }
        return b.append("</svg>\n").toString();
    }

    /** A bar chart over labelled categories. */
    public static String barChart(String title, String xLabel, String yLabel, List<String> labels, double[] values) {
        double yMax = 0;
        for (double v : values) {
            yMax = Math.max(yMax, v);
        }
        double yTop = niceCeil(yMax <= 0 ? 1 : yMax * 1.1);
        StringBuilder b = open(title);
        axes(b, Double.NaN, Double.NaN, 0, yTop, xLabel, yLabel);
        int plotW = W - LEFT - RIGHT;
        int plotH = H - TOP - BOTTOM;
        int n = Math.max(1, labels.size());
        double slot = plotW / (double) n;
        for (int i = 0; i < labels.size(); i++) {
            double h = values[i] / yTop * plotH;
            double x = LEFT + i * slot + slot * 0.15;
            b.append("<rect x=\"").append(f(x)).append("\" y=\"").append(f(TOP + plotH - h)).append("\" width=\"")
                    .append(f(slot * 0.7)).append("\" height=\"").append(f(h)).append("\" fill=\"").append(PALETTE.get(0))
                    .append("\"/>");
            b.append(text(x + slot * 0.35, TOP + plotH + 14, "middle", 11, labels.get(i)));
            b.append(text(x + slot * 0.35, TOP + plotH - h - 3, "middle", 10, fmt(values[i]))).append('\n');
        }
        return b.append("</svg>\n").toString();
    }

    private static StringBuilder open(String title) {
        StringBuilder b = new StringBuilder();
        b.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(W).append("\" height=\"").append(H)
                .append("\" viewBox=\"0 0 ").append(W).append(' ').append(H)
                .append("\" font-family=\"sans-serif\" role=\"img\">\n");
        b.append("<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n");
        b.append(text(LEFT, 18, "start", 13, title)).append('\n');
        return b;
    }

    private static void axes(StringBuilder b, double xMin, double xMax, double yMin, double yMax, String xLabel,
            String yLabel) {
        int plotW = W - LEFT - RIGHT;
        int plotH = H - TOP - BOTTOM;
        b.append("<rect x=\"").append(LEFT).append("\" y=\"").append(TOP).append("\" width=\"").append(plotW)
                .append("\" height=\"").append(plotH).append("\" fill=\"none\" stroke=\"#999\"/>\n");
        for (int i = 0; i <= 4; i++) {
            double v = yMin + (yMax - yMin) * i / 4;
            double py = TOP + plotH - plotH * i / 4.0;
            b.append("<line x1=\"").append(LEFT).append("\" y1=\"").append(f(py)).append("\" x2=\"").append(LEFT + plotW)
                    .append("\" y2=\"").append(f(py)).append("\" stroke=\"#eee\"/>");
            b.append(text(LEFT - 4, py + 4, "end", 10, fmt(v))).append('\n');
        }
        if (!Double.isNaN(xMin)) {
            double step = niceStep((xMax - xMin) / 8);
            for (double v = Math.ceil(xMin / step) * step; v <= xMax + 1e-9; v += step) {
                double px = LEFT + (v - xMin) / (xMax - xMin) * plotW;
                b.append("<line x1=\"").append(f(px)).append("\" y1=\"").append(TOP + plotH).append("\" x2=\"")
                        .append(f(px)).append("\" y2=\"").append(TOP + plotH + 4).append("\" stroke=\"#999\"/>");
                b.append(text(px, TOP + plotH + 15, "middle", 10, fmt(v))).append('\n');
            }
        }
        b.append(text(LEFT + plotW / 2.0, H - 6, "middle", 11, xLabel)).append('\n');
        b.append("<text x=\"14\" y=\"").append(TOP + plotH / 2).append("\" font-size=\"11\" text-anchor=\"middle\" "
                + "transform=\"rotate(-90 14 ").append(TOP + plotH / 2).append(")\">").append(esc(yLabel))
                .append("</text>\n");
    }

    private static String text(double x, double y, String anchor, int size, String s) {
        return "<text x=\"" + f(x) + "\" y=\"" + f(y) + "\" font-size=\"" + size + "\" text-anchor=\"" + anchor + "\">"
                + esc(s) + "</text>";
    }

    static double niceCeil(double v) {
        double step = niceStep(v / 4);
        return Math.ceil(v / step) * step;
    }

    static double niceStep(double raw) {
        if (raw <= 0) {
            return 1;
        }
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double r = raw / mag;
        double nice = r <= 1 ? 1 : r <= 2 ? 2 : r <= 2.5 ? 2.5 : r <= 5 ? 5 : 10;
        return nice * mag;
    }

    static String fmt(double v) {
        if (Math.abs(v - Math.rint(v)) < 1e-9 && Math.abs(v) < 1e9) {
            return Long.toString(Math.round(v));
        }
        String s = Math.abs(v) >= 10 ? String.format(Locale.ROOT, "%.1f", v) : String.format(Locale.ROOT, "%.2f", v);
        return s.contains(".") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
    }

    private static String f(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    /** XML-escapes text. */
    public static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}

package dev.tnorders.opentact.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import javax.imageio.ImageIO;

import dev.tnorders.opentact.bench.MultiInstanceBenchmark.Point;
import dev.tnorders.opentact.bench.MultiInstanceBenchmark.Row;
import dev.tnorders.opentact.standalone.EmbeddedKafkaBroker;

/**
 * The benchmark over a grid (issue 23; docs/benchmarks.md, "The grid"; run by {@code bash bench/grid.sh}). Not a test.
 *
 * <p>Sweeps Opentact's latency L × the account's limit R × the instance count, and a skewed point
 * (several instances, the whole backlog on one partition), each point a run of
 * {@link MultiInstanceBenchmark#measure}: the app JVMs configured only with {@code OPENTACT_API_RATE_LIMIT=R}
 * (everything else at its default), a fresh sandbox enforcing R per rolling second, whose orders are final
 * only at their second lookup (as a slow Opentact: price, POST and two lookups, 4 calls per order), N
 * one-number Kafka requests as a burst. The bound is R × 100 numbers per call ÷ 4 calls per order = 25·R
 * numbers/s. Per point: numbers/s over the whole run (first request sent to last outcome) and its share of
 * the bound, the 429s' share of the calls, the busiest rolling second at the sandbox, and the run's checks.
 *
 * <p>Each point's figures are appended to {@code <out>/grid.tsv} as it ends; at the end the table goes to
 * {@code <out>/grid.md} and, between the markers of {@code --docs}, into docs/benchmarks.md; the chart to
 * {@code --chart}. {@code --redraw=<tsv>} writes the table and chart again from such a file, running nothing.
 */
public final class GridBenchmark {

    /** Numbers per call (an order's most) ÷ calls per order (price, POST, two lookups). */
    private static final double NUMBERS_PER_CALL_OF_THE_BOUND = 100.0 / 4;
    static final String BEGIN = "<!-- grid:begin (written by bench/grid.sh) -->";
    static final String END = "<!-- grid:end -->";
    private static final String HEADER = "instances\tlatency_ms\trate\tskewed\tnumbers\tseconds\tper_second\tsteady\tcalls"
            + "\trate_limited\tbusiest_second\tchecks";

    /** One point's figures, as measured or as read back from grid.tsv. */
    record Result(int instances, long latencyMs, int rate, boolean skewed, int numbers, double seconds, double perSecond,
                  double steadyPerSecond, int calls, int rateLimited, int busiestSecond, String checks) {

        double bound() {
            return NUMBERS_PER_CALL_OF_THE_BOUND * rate;
        }

        double percent() {
            return 100 * perSecond / bound();
        }

        double steadyPercent() {
            return 100 * steadyPerSecond / bound();
        }

        double rateLimitedShare() {
            return 100.0 * rateLimited / Math.max(1, calls);
        }

        /** The issue's targets: 90% of the bound (85% skewed), 429s under 0.5% of calls, never above R, checks OK. */
        boolean meetsTarget() {
            return percent() >= (skewed ? 85 : 90) && rateLimitedShare() < 0.5 && busiestSecond <= rate
                    && checks.equals("OK");
        }

        String tsv() {
            return String.join("\t", String.valueOf(instances), String.valueOf(latencyMs), String.valueOf(rate),
                    String.valueOf(skewed), String.valueOf(numbers), fmt("%.3f", seconds), fmt("%.2f", perSecond),
                    fmt("%.2f", steadyPerSecond), String.valueOf(calls), String.valueOf(rateLimited),
                    String.valueOf(busiestSecond), checks.replace('\t', ' ').replace('\n', ' '));
        }

        static Result parse(String line) {
            String[] f = line.split("\t", -1);
            return new Result(Integer.parseInt(f[0]), Long.parseLong(f[1]), Integer.parseInt(f[2]),
                    Boolean.parseBoolean(f[3]), Integer.parseInt(f[4]), Double.parseDouble(f[5]), Double.parseDouble(f[6]),
                    Double.parseDouble(f[7]), Integer.parseInt(f[8]), Integer.parseInt(f[9]), Integer.parseInt(f[10]), f[11]);
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = MultiInstanceBenchmark.parse(args);
        boolean quick = Boolean.parseBoolean(a.getOrDefault("quick", "false"));
        Path out = Path.of(a.getOrDefault("out", "target/bench-grid"));
        Path chart = Path.of(a.getOrDefault("chart", "docs/benchmarks-grid.png"));
        String docs = a.getOrDefault("docs", "docs/benchmarks.md");
        String note = a.getOrDefault("note", "");
        Files.createDirectories(out);
        List<Result> results;
        if (a.containsKey("redraw")) {
            results = read(Path.of(a.get("redraw")));
        } else {
            int numbers = Integer.parseInt(a.getOrDefault("numbers", quick ? "3000" : "20000"));
            long seconds = Long.parseLong(a.getOrDefault("seconds", quick ? "16" : "0"));
            results = run(a, numbers, seconds, out.resolve("grid.tsv"));
        }
        String sizes = sizes(results);
        boolean reduced = quick || results.stream().anyMatch(r -> r.numbers() < 20000);
        String table = table(results, sizes, reduced, note);
        Files.writeString(out.resolve("grid.md"), table, StandardCharsets.UTF_8);
        drawChart(results, sizes, reduced, chart);
        System.out.printf("%n%s%nchart: %s%n", table, chart);
        if (!docs.equals("none")) {
            writeIntoDocs(Path.of(docs), table, chart);
            System.out.println("written into " + docs + " between its grid markers");
        }
    }

    // --- running -------------------------------------------------------------------------------

    /**
     * @param numbers at least this many numbers per point
     * @param seconds and at least as many as the bound would order in this many seconds (25·R·seconds), at most
     *                60,000: so that a point at a high R lasts long enough for its ramp-up not to be the whole run
     */
    private static List<Result> run(Map<String, String> a, int numbers, long seconds, Path tsv) throws Exception {
        List<Long> latencies = longs(a.getOrDefault("latencies", "20,100,300"));
        List<Long> rates = longs(a.getOrDefault("rates", "5,20,100"));
        List<Long> instanceCounts = longs(a.getOrDefault("instances", "1,3"));
        String skewed = a.getOrDefault("skewed", "3,100,20"); // instances, L, R; "none" for no skewed point
        int partitions = Integer.parseInt(a.getOrDefault("partitions", "6"));
        int lookups = Integer.parseInt(a.getOrDefault("lookups", "2"));
        long settleMs = Long.parseLong(a.getOrDefault("settle-ms", "5000"));
        Map<String, String> extraEnv = MultiInstanceBenchmark.appEnv(a);
        List<Point> points = new ArrayList<>();
        for (long instances : instanceCounts) {
            for (long latency : latencies) {
                for (long rate : rates) {
                    points.add(point((int) instances, latency, (int) rate, size(numbers, seconds, rate), partitions,
                            settleMs, extraEnv, lookups, false, a));
                }
            }
        }
        if (!skewed.equals("none")) {
            List<Long> s = longs(skewed);
            points.add(point(s.get(0).intValue(), s.get(1), s.get(2).intValue(), size(numbers, seconds, s.get(2)),
                    partitions, settleMs, extraEnv, lookups, true, a));
        }
        int most = points.stream().mapToInt(Point::numbers).max().orElse(0);
        System.out.printf("Grid benchmark: %d points, %,d numbers each at least (%,d at the most: 25·R·%d s), %d "
                + "partitions, orders final at lookup %d, extra app env %s; figures to %s as each point ends%n",
                points.size(), numbers, most, seconds, partitions, lookups, extraEnv, tsv);
        if (!Files.exists(tsv)) {
            Files.writeString(tsv, HEADER + "\n", StandardCharsets.UTF_8);
        }
        List<String> tns = MultiInstanceBenchmark.numbers(most);
        Path work = Files.createTempDirectory("opentact-grid");
        System.out.println("logs and data under " + work);
        List<Result> results = new ArrayList<>();
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(work.resolve("kafka"), true)) {
            for (Point p : points) {
                long began = System.nanoTime();
                Result r;
                try {
                    Row row = MultiInstanceBenchmark.measure(broker.bootstrapServers(), work, tns, p);
                    r = new Result(p.instances(), p.latencyMs(), p.rate(), p.skewed(), p.numbers(), row.seconds(),
                            row.perSecond(), row.steadyPerSecond(), row.calls(), row.rateLimited(), row.busiestSecond(),
                            row.checks());
                } catch (Exception e) {
                    System.out.println("  the point failed: " + e);
                    r = new Result(p.instances(), p.latencyMs(), p.rate(), p.skewed(), p.numbers(), Double.NaN, 0, 0,
                            0, 0, 0, "FAILED " + e.getMessage());
                }
                results.add(r);
                Files.writeString(tsv, r.tsv() + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
                System.out.printf("  => %s: %.1f numbers/s = %.1f%% of the bound %.0f; 429s %.2f%% of %d calls; busiest "
                        + "second %d (R = %d); %s; point took %.0f s in all%n", p.label(), r.perSecond(), r.percent(),
                        r.bound(), r.rateLimitedShare(), r.calls(), r.busiestSecond(), r.rate(), r.checks(),
                        (System.nanoTime() - began) / 1e9);
            }
        }
        return results;
    }

    private static int size(int numbers, long seconds, long rate) {
        return (int) Math.max(numbers, Math.min(60_000, (long) NUMBERS_PER_CALL_OF_THE_BOUND * rate * seconds));
    }

    private static Point point(int instances, long latency, int rate, int numbers, int partitions, long settleMs,
                               Map<String, String> extraEnv, int lookups, boolean skewed, Map<String, String> a) {
        // Four times as long as the bound allows, and two minutes more, unless told.
        long timeoutS = Long.parseLong(a.getOrDefault("timeout-s",
                String.valueOf(120 + (long) (4 * numbers / (NUMBERS_PER_CALL_OF_THE_BOUND * rate)))));
        return new Point(instances, latency, rate, numbers, partitions, settleMs, timeoutS, extraEnv, lookups, skewed);
    }

    private static List<Result> read(Path tsv) throws Exception {
        return Files.readAllLines(tsv, StandardCharsets.UTF_8).stream()
                .filter(l -> !l.isBlank() && !l.startsWith("instances\t")).map(Result::parse).toList();
    }

    // --- the table -----------------------------------------------------------------------------

    /** "3,000 numbers per point", or "3,000 to 40,000 numbers per point". */
    static String sizes(List<Result> results) {
        int least = results.stream().mapToInt(Result::numbers).min().orElse(0);
        int most = results.stream().mapToInt(Result::numbers).max().orElse(0);
        return least == most ? String.format(Locale.ROOT, "%,d numbers per point", least)
                : String.format(Locale.ROOT, "%,d to %,d numbers per point", least, most);
    }

    static String table(List<Result> results, String sizes, boolean quick, String note) {
        StringBuilder t = new StringBuilder();
        t.append(String.format(Locale.ROOT, "%s, %s, %s%s. ",
                quick ? "**Quick run** (below the issue's 20,000 numbers per point: ramp-up weighs more)" : "Full run",
                LocalDate.now(ZoneOffset.UTC), sizes, note.isBlank() ? "" : "; " + note));
        t.append("Bound = 25·R numbers/s; \"meets\": ≥ 90% of it (skewed ≥ 85%), 429s < 0.5% of calls, busiest second ≤ R, ")
                .append("checks OK.\n\n");
        t.append("| instances | L (ms) | R (calls/s) | numbers, first send to last outcome | numbers/s of the bound | "
                + "% of the bound "
                + "(whole run / 10%-90%) | 429s (share of calls) | busiest rolling second | checks | meets |\n");
        t.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
        for (Result r : results) {
            t.append(String.format(Locale.ROOT, "| %d%s | %d | %d | %,d in %.1f s | %.1f of %.0f | **%.1f%%** / %.1f%% | "
                            + "%d of %d (%.2f%%) | %d | %s | %s |%n", r.instances(), r.skewed() ? ", skewed" : "",
                    r.latencyMs(), r.rate(), r.numbers(), r.seconds(), r.perSecond(), r.bound(), r.percent(), r.steadyPercent(), r.rateLimited(),
                    r.calls(), r.rateLimitedShare(), r.busiestSecond(), r.checks(), r.meetsTarget() ? "yes" : "no"));
        }
        return t.toString();
    }

    /** Replaces what stands between the grid markers of {@code docs} with the table and the chart's link. */
    static void writeIntoDocs(Path docs, String table, Path chart) throws Exception {
        String text = Files.readString(docs, StandardCharsets.UTF_8);
        int b = text.indexOf(BEGIN);
        int e = text.indexOf(END);
        if (b < 0 || e < b) {
            throw new IllegalStateException(docs + " has no grid markers (" + BEGIN + " ... " + END + ")");
        }
        String link = docs.toAbsolutePath().getParent().relativize(chart.toAbsolutePath()).toString();
        String body = "\n" + table + "\n![Percent of the bound per grid point](" + link + ")\n";
        Files.writeString(docs, text.substring(0, b + BEGIN.length()) + body + text.substring(e), StandardCharsets.UTF_8);
    }

    // --- the chart -----------------------------------------------------------------------------

    private static final Color ONE = new Color(0x2b, 0x6c, 0xb0);
    private static final Color MANY = new Color(0xe0, 0x8a, 0x1e);
    private static final Color SKEWED = new Color(0x3c, 0x9a, 0x5f);
    private static final Color TARGET = new Color(0xc0, 0x28, 0x28);

    /**
     * A grouped bar chart: one group per (L, R), one bar per instance count, and the skewed point(s) as a
     * group of their own; the bar's height the percent of the bound, its value above it, a dashed line at 90%
     * (and 85% when there is a skewed point), a hatched bar where the run's checks failed.
     */
    static void drawChart(List<Result> results, String sizes, boolean quick, Path file) throws Exception {
        List<Long> latencies = results.stream().filter(r -> !r.skewed()).map(Result::latencyMs).distinct().sorted().toList();
        List<Integer> rates = results.stream().filter(r -> !r.skewed()).map(Result::rate).distinct().sorted().toList();
        List<Integer> counts = results.stream().filter(r -> !r.skewed()).map(Result::instances).distinct().sorted()
                .toList();
        List<Result> skewed = results.stream().filter(Result::skewed).toList();
        int groups = latencies.size() * rates.size() + (skewed.isEmpty() ? 0 : 1);
        int w = 1400;
        int h = 700;
        int left = 90;
        int right = 30;
        int top = 90;
        int bottom = 130;
        double max = Math.max(110, Math.ceil(results.stream().mapToDouble(Result::percent).filter(Double::isFinite).max()
                .orElse(100) / 10) * 10 + 10);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        int plotW = w - left - right;
        int plotH = h - top - bottom;
        int y0 = top + plotH;
        // Title
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 20));
        String title = "Numbers/s over the whole run as % of the bound (25·R numbers/s), orders final at the 2nd lookup";
        centered(g, title, w / 2, 32);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 15));
        centered(g, String.format(Locale.ROOT, "%s, %s, %s; app configured only with "
                + "OPENTACT_API_RATE_LIMIT=R", quick ? "QUICK RUN (reduced size)" : "full run", sizes,
                LocalDate.now(ZoneOffset.UTC)), w / 2, 56);
        // Grid lines and the y axis
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        for (int v = 0; v <= max; v += 10) {
            int y = y0 - (int) Math.round(plotH * v / max);
            g.setColor(new Color(0xe4, 0xe4, 0xe4));
            g.drawLine(left, y, left + plotW, y);
            g.setColor(Color.DARK_GRAY);
            String label = v + "%";
            g.drawString(label, left - 8 - g.getFontMetrics().stringWidth(label), y + 5);
        }
        g.setColor(Color.BLACK);
        g.drawLine(left, top, left, y0);
        g.drawLine(left, y0, left + plotW, y0);
        AffineTransform saved = g.getTransform();
        g.rotate(-Math.PI / 2);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        centered(g, "% of the bound (whole run)", -(top + plotH / 2), 24);
        g.setTransform(saved);
        // Bars
        double groupW = (double) plotW / groups;
        int barsPerGroup = Math.max(counts.size(), skewed.size());
        double barW = groupW * 0.7 / Math.max(1, barsPerGroup);
        int group = 0;
        Font value = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
        for (long latency : latencies) {
            int firstGroup = group;
            for (int rate : rates) {
                double gx = left + group * groupW + groupW * 0.15;
                for (int c = 0; c < counts.size(); c++) {
                    int count = counts.get(c);
                    Result r = results.stream().filter(x -> !x.skewed() && x.latencyMs() == latency && x.rate() == rate
                            && x.instances() == count).findFirst().orElse(null);
                    bar(g, r, gx + c * barW, barW, y0, plotH, max, c == 0 ? ONE : MANY, value);
                }
                g.setColor(Color.BLACK);
                g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
                centered(g, "R = " + rate + "/s", (int) (left + (group + 0.5) * groupW), y0 + 22);
                group++;
            }
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
            int x1 = (int) (left + firstGroup * groupW) + 6;
            int x2 = (int) (left + group * groupW) - 6;
            g.drawLine(x1, y0 + 32, x2, y0 + 32);
            centered(g, "L = " + latency + " ms", (x1 + x2) / 2, y0 + 52);
            if (group < groups) {
                g.setColor(new Color(0xb0, 0xb0, 0xb0));
                int xs = (int) (left + group * groupW);
                g.drawLine(xs, top, xs, y0);
            }
        }
        if (!skewed.isEmpty()) {
            double gx = left + (group + 0.5) * groupW - skewed.size() * barW / 2; // centred in its group
            for (int i = 0; i < skewed.size(); i++) {
                bar(g, skewed.get(i), gx + i * barW, barW, y0, plotH, max, SKEWED, value);
            }
            Result s = skewed.get(0);
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
            centered(g, "R = " + s.rate() + "/s", (int) (left + (group + 0.5) * groupW), y0 + 22);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
            centered(g, "L = " + s.latencyMs() + " ms", (int) (left + (group + 0.5) * groupW), y0 + 52);
        }
        // Target lines
        g.setStroke(new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {10f, 6f}, 0f));
        g.setColor(TARGET);
        int y90 = y0 - (int) Math.round(plotH * 90 / max);
        g.drawLine(left, y90, left + plotW, y90);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
        String target = skewed.isEmpty() ? "90% target" : "90% target (85% for the skewed point)";
        g.setColor(new Color(255, 255, 255, 210));
        g.fillRect(left + 3, y90 - 19, g.getFontMetrics().stringWidth(target) + 6, 17);
        g.setColor(TARGET);
        g.drawString(target, left + 6, y90 - 5);
        if (!skewed.isEmpty()) {
            int y85 = y0 - (int) Math.round(plotH * 85 / max);
            int xs = (int) (left + (groups - 1) * groupW);
            g.drawLine(xs, y85, left + plotW, y85);
            String label = "85%";
            g.drawString(label, left + plotW - g.getFontMetrics().stringWidth(label) - 4, y85 + 16);
        }
        g.setStroke(new BasicStroke(1f));
        // Legend and x axis title
        int lx = left;
        int ly = h - 34;
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
        for (int c = 0; c < counts.size(); c++) {
            lx = legend(g, c == 0 ? ONE : MANY, counts.get(c) + (counts.get(c) == 1 ? " instance" : " instances"), lx, ly);
        }
        if (!skewed.isEmpty()) {
            lx = legend(g, SKEWED, skewed.get(0).instances() + " instances, all the backlog on one partition", lx, ly);
        }
        g.setColor(Color.DARK_GRAY);
        g.drawString("red ✗: misses a target (share, 429s ≥ 0.5%, a second above R); hatched: checks failed",
                lx + 10, ly + 12);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        centered(g, "Opentact latency L × account limit R (calls/s)", left + plotW / 2, h - 52);
        g.dispose();
        Files.createDirectories(file.toAbsolutePath().getParent());
        ImageIO.write(img, "png", file.toFile());
    }

    private static void bar(Graphics2D g, Result r, double x, double barW, int y0, int plotH, double max, Color color,
                            Font font) {
        if (r == null) {
            return;
        }
        double pct = Double.isFinite(r.percent()) ? r.percent() : 0;
        int bh = (int) Math.round(plotH * Math.min(pct, max) / max);
        int bx = (int) Math.round(x + 2);
        int bw = (int) Math.round(barW - 4);
        g.setColor(color);
        g.fillRect(bx, y0 - bh, bw, bh);
        if (!r.checks().equals("OK")) {
            g.setColor(Color.WHITE);
            g.setClip(bx, y0 - bh, bw, bh);
            for (int d = -bh; d < bw; d += 8) {
                g.drawLine(bx + d, y0, bx + d + bh, y0 - bh);
            }
            g.setClip(null);
        }
        // The value above the bar; in red with a cross where the point misses a target.
        g.setColor(r.meetsTarget() ? Color.BLACK : TARGET);
        g.setFont(font);
        centered(g, String.format(Locale.ROOT, r.meetsTarget() ? "%.0f%%" : "%.0f%% ✗", pct), bx + bw / 2, y0 - bh - 5);
    }

    private static int legend(Graphics2D g, Color color, String label, int x, int y) {
        g.setColor(color);
        g.fillRect(x, y, 16, 16);
        g.setColor(Color.BLACK);
        g.drawString(label, x + 22, y + 13);
        return x + 22 + g.getFontMetrics().stringWidth(label) + 24;
    }

    private static void centered(Graphics2D g, String s, int cx, int baseline) {
        FontMetrics m = g.getFontMetrics();
        g.drawString(s, cx - m.stringWidth(s) / 2, baseline);
    }

    // --- small things --------------------------------------------------------------------------

    private static List<Long> longs(String csv) {
        List<Long> out = new ArrayList<>();
        for (String s : csv.split(",")) {
            if (!s.isBlank()) {
                out.add(Long.parseLong(s.trim()));
            }
        }
        return out;
    }

    private static String fmt(String format, double v) {
        return String.format(Locale.ROOT, format, v);
    }
}

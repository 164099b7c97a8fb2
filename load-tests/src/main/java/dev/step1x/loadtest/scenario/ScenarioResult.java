package dev.step1x.loadtest.scenario;

import dev.step1x.loadtest.check.CheckResult;
import dev.step1x.loadtest.report.RunStats;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What one scenario did and found: criteria, the checker's counts, the run's statistics, benchmark numbers. */
public final class ScenarioResult {

    private final String name;
    private final String description;
    private final List<Criterion> criteria = new ArrayList<>();
    private final Map<String, Object> benchmarks = new LinkedHashMap<>();
    private final List<String> notes = new ArrayList<>();
    private CheckResult check;
    private RunStats stats;
    private String error;
    private double seconds;
    private String device = "";
    private double offeredRate;

    public ScenarioResult(String name, String description) {
        this.name = name;
        this.description = description;
    }

    public String name() {
        return name;
    }

    public String description() {
        return description;
    }

    public ScenarioResult criterion(String what, boolean pass, String detail) {
        criteria.add(new Criterion(what, pass, detail));
        return this;
    }

    public List<Criterion> criteria() {
        return criteria;
    }

    /** A measured number (not an assertion). */
    public ScenarioResult benchmark(String key, Object value) {
        benchmarks.put(key, value);
        return this;
    }

    public Map<String, Object> benchmarks() {
        return benchmarks;
    }

    public ScenarioResult note(String n) {
        notes.add(n);
        return this;
    }

    public List<String> notes() {
        return notes;
    }

    public CheckResult check() {
        return check;
    }

    public void check(CheckResult c) {
        this.check = c;
    }

    public RunStats stats() {
        return stats;
    }

    public void stats(RunStats s) {
        this.stats = s;
    }

    public String error() {
        return error;
    }

    public void error(String e) {
        this.error = e;
    }

    public double seconds() {
        return seconds;
    }

    public void seconds(double s) {
        this.seconds = s;
    }

    public String device() {
        return device;
    }

    public void device(String d) {
        this.device = d;
    }

    public double offeredRate() {
        return offeredRate;
    }

    public void offeredRate(double r) {
        this.offeredRate = r;
    }

    /** Passed: no error, every criterion held. */
    public boolean passed() {
        return error == null && !criteria.isEmpty() && criteria.stream().allMatch(Criterion::pass);
    }

    public int lost() {
        return check == null ? 0 : check.lost();
    }

    public int duplicated() {
        return check == null ? 0 : check.duplicated();
    }

    public int conflicting() {
        return check == null ? 0 : check.conflicting();
    }

    public int unanswered() {
        return check == null ? 0 : check.unanswered();
    }
}

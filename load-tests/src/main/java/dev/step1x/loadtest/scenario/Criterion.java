package dev.step1x.loadtest.scenario;

/**
 * One pass/fail check of a scenario.
 *
 * @param name   what is checked
 * @param pass   whether it held
 * @param detail the measured value(s)
 */
public record Criterion(String name, boolean pass, String detail) {
}

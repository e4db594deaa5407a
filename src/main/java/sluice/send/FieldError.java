package sluice.send;

/** One problem with one member of a send request: {@code field} is a path such as {@code recipients[3].to}. */
public record FieldError(String field, String message) {}

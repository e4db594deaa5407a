package sluice.smtp;

/** An RFC 3463 enhanced status code, e.g. 5.7.1. */
public record EnhancedStatus(int klass, int subject, int detail) {

    public static EnhancedStatus of(String text) {
        String[] p = text.split("\\.");
        return new EnhancedStatus(Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2]));
    }

    @Override
    public String toString() {
        return klass + "." + subject + "." + detail;
    }
}

package sluice.mailauth;

/** Ends an SPF evaluation early with temperror or permerror (RFC 7208 2.6.6, 2.6.7). */
final class SpfException extends Exception {
    private static final long serialVersionUID = 1L;

    private final SpfResult.Result result;

    private SpfException(SpfResult.Result result, String reason) {
        super(reason, null, false, false);
        this.result = result;
    }

    static SpfException permerror(String reason) {
        return new SpfException(SpfResult.Result.PERMERROR, reason);
    }

    static SpfException temperror(String reason) {
        return new SpfException(SpfResult.Result.TEMPERROR, reason);
    }

    SpfResult.Result result() {
        return result;
    }
}

package sluice.cli;

import sluice.config.ConfigError;
import sluice.config.ConfigException;
import sluice.observe.FailureText;

/** Turns failures into one readable line each on stderr and the contract's exit code. */
final class Failures {
    private Failures() {}

    /** A failure the user can act on; the message is printed as is. */
    static final class UserError extends RuntimeException {
        final int exitCode;

        UserError(int exitCode, String message) {
            super(message, null, false, false);
            this.exitCode = exitCode;
        }
    }

    /** --debug anywhere on the line; it also makes {@link FailureText} keep the exception's own text. */
    static boolean debug(String[] args) {
        for (String a : args) {
            if (a.equals("--debug")) {
                System.setProperty("sluice.debug", "true");
                return true;
            }
        }
        return false;
    }

    static int report(Exception e, boolean debug) {
        if (e instanceof ConfigException ce) {
            for (ConfigError err : ce.errors()) System.err.println(err);
            return 2;
        }
        if (e instanceof UserError u) {
            System.err.println("sluice: " + u.getMessage());
            return u.exitCode;
        }
        if (debug) e.printStackTrace();
        System.err.println("sluice: " + FailureText.of(e));
        return 1;
    }
}

package sluice.smtp;

/** The catalogue of replies Sluice sends; call sites never spell reply strings. */
public final class Replies {
    private Replies() {}

    public static final Reply OK = Reply.of(250, "2.0.0", "OK");
    public static final Reply SENDER_OK = Reply.of(250, "2.1.0", "Sender OK");
    public static final Reply RECIPIENT_OK = Reply.of(250, "2.1.5", "Recipient OK");
    public static final Reply RESET_OK = Reply.of(250, "2.0.0", "Reset OK");
    public static final Reply BYE = Reply.of(221, "2.0.0", "Bye").closing();
    public static final Reply START_DATA = Reply.of(354, null, "End data with <CR><LF>.<CR><LF>");
    public static final Reply READY_FOR_TLS = Reply.of(220, "2.0.0", "Ready to start TLS");
    public static final Reply AUTH_OK = Reply.of(235, "2.7.0", "Authentication successful");
    public static final Reply VRFY = Reply.of(252, "2.5.0", "Cannot VRFY user, but will accept message and attempt delivery");
    public static final Reply HELP = new Reply(214, EnhancedStatus.of("2.0.0"), java.util.List.of(
            "Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP STARTTLS AUTH",
            "See RFC 5321; submission needs STARTTLS and AUTH"), false);

    public static final Reply SYNTAX = Reply.of(500, "5.5.2", "Syntax error, command unrecognized");
    public static final Reply LINE_TOO_LONG = Reply.of(500, "5.5.6", "Line too long");
    public static final Reply BARE_NEWLINE = Reply.of(500, "5.5.2", "Bare CR or LF in command line; lines end with CRLF");
    public static final Reply PARAM_SYNTAX = Reply.of(501, "5.5.4", "Syntax error in parameters or arguments");
    public static final Reply HELO_SYNTAX = Reply.of(501, "5.5.4", "EHLO/HELO needs a domain or address literal");
    public static final Reply SENDER_SYNTAX = Reply.of(501, "5.1.7", "Bad sender address syntax");
    public static final Reply RECIPIENT_SYNTAX = Reply.of(501, "5.1.3", "Bad recipient address syntax");
    public static final Reply COMMAND_UNSUPPORTED = Reply.of(502, "5.5.1", "Command not supported here (EXPN, TURN, ETRN)");
    public static final Reply BAD_SEQUENCE = Reply.of(503, "5.5.1", "Bad sequence of commands");
    public static final Reply NEED_HELO = Reply.of(503, "5.5.1", "Send EHLO or HELO first");
    public static final Reply NEED_MAIL = Reply.of(503, "5.5.1", "Need MAIL command first");
    public static final Reply NEED_RCPT = Reply.of(503, "5.5.1", "Need RCPT command first");
    public static final Reply NESTED_MAIL = Reply.of(503, "5.5.1", "Sender already specified");
    public static final Reply ALREADY_AUTHENTICATED = Reply.of(503, "5.5.1", "Already authenticated");
    public static final Reply AUTH_IN_TRANSACTION = Reply.of(503, "5.5.1", "AUTH not permitted during a mail transaction");
    public static final Reply TLS_ALREADY_ACTIVE = Reply.of(503, "5.5.1", "TLS already active");
    public static final Reply MIXED_DATA_BDAT = Reply.of(503, "5.5.1", "DATA and BDAT cannot be mixed in one transaction");
    public static final Reply UNKNOWN_MECHANISM = Reply.of(504, "5.5.4", "Unrecognized authentication type");
    public static final Reply UNKNOWN_PARAMETER = Reply.of(555, "5.5.4", "Unsupported MAIL/RCPT parameter");
    public static final Reply NON_ASCII_ADDRESS = Reply.of(553, "5.6.7", "Non-ASCII address needs SMTPUTF8");
    public static final Reply AUTH_CANCELLED = Reply.of(501, "5.7.0", "Authentication cancelled");
    public static final Reply AUTH_BAD_BASE64 = Reply.of(501, "5.5.2", "Cannot decode AUTH response (base64)");
    public static final Reply AUTH_FAILED = Reply.of(535, "5.7.8", "Authentication credentials invalid");
    public static final Reply AUTH_LOCKED_OUT = Reply.of(454, "4.7.0", "Too many authentication failures; try again later");
    public static final Reply AUTH_UNAVAILABLE = Reply.of(454, "4.7.0", "Temporary authentication failure");
    /** RFC 8689 4.1: REQUIRETLS is accepted only in a session that uses TLS (5.7.10: encryption needed, RFC 5248). */
    public static final Reply REQUIRETLS_NEEDS_TLS = Reply.of(530, "5.7.10", "REQUIRETLS needs TLS; issue STARTTLS first");
    public static final Reply STARTTLS_FIRST = Reply.of(530, "5.7.0", "Must issue a STARTTLS command first");
    public static final Reply AUTH_REQUIRED = Reply.of(530, "5.7.0", "Authentication required");
    public static final Reply TLS_UNAVAILABLE = Reply.of(454, "4.7.0", "TLS not available");
    public static final Reply RELAY_DENIED = Reply.of(554, "5.7.1", "Relay access denied");
    public static final Reply UNKNOWN_LOCAL_USER = Reply.of(550, "5.1.1", "Recipient address rejected: User unknown");
    public static final Reply TOO_MANY_RECIPIENTS = Reply.of(452, "4.5.3", "Too many recipients");
    public static final Reply TOO_BIG = Reply.of(552, "5.3.4", "Message size exceeds fixed maximum message size");
    public static final Reply DATA_LINE_TOO_LONG = Reply.of(550, "5.6.0", "Message line longer than 1000 octets; not queued");
    public static final Reply DATA_BARE_NEWLINE =
            Reply.of(550, "5.6.0", "Message contains a bare CR or LF (lines end with CRLF); not queued");
    public static final Reply NO_STORAGE = Reply.of(452, "4.3.1", "Insufficient system storage");
    public static final Reply LOCAL_ERROR = Reply.of(451, "4.3.0", "Local error in processing; try again later");
    public static final Reply TOO_MANY_ERRORS = Reply.of(421, "4.7.0", "Too many errors; closing connection").closing();
    public static final Reply TIMEOUT = Reply.of(421, "4.4.2", "Timeout; closing connection").closing();
    public static final Reply SHUTTING_DOWN = Reply.of(421, "4.3.2", "Service shutting down; closing connection").closing();
    public static final Reply TOO_MANY_CONNECTIONS =
            Reply.of(421, "4.7.0", "Too many connections; try again later").closing();
    public static final Reply CONNECTION_RATE =
            Reply.of(421, "4.7.0", "Connection rate limit exceeded for your address; try again later").closing();
    public static final Reply MESSAGE_RATE_CLIENT =
            Reply.of(450, "4.7.1", "Message rate limit exceeded for your address; try again later");
    public static final Reply MESSAGE_RATE_USER =
            Reply.of(450, "4.7.1", "Sending rate limit exceeded for this user; try again later");
    public static final Reply ACCESS_DENIED = Reply.of(554, "5.7.1", "Access denied").closing();

    public static Reply queued(String queueId) {
        return Reply.of(250, "2.0.0", "OK: queued as " + queueId);
    }

    public static Reply chunkReceived(long octets) {
        return Reply.of(250, "2.0.0", octets + " octets received");
    }

    public static Reply challenge(String base64) {
        return Reply.of(334, null, base64);
    }

    public static Reply greeting(String hostname) {
        return Reply.of(220, null, hostname + " ESMTP Sluice");
    }
}

package sluice.smtp;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/** Turns one command line (without CRLF) into a {@link Command}. Never throws for client input. */
public final class CommandParser {
    private CommandParser() {}

    public static Command parse(String line) {
        int sp = line.indexOf(' ');
        String verb = (sp < 0 ? line : line.substring(0, sp)).toUpperCase(Locale.ROOT);
        String arg = sp < 0 ? "" : line.substring(sp + 1);
        return switch (verb) {
            case "EHLO" -> helo(arg, true);
            case "HELO" -> helo(arg, false);
            case "MAIL" -> mail(arg);
            case "RCPT" -> rcpt(arg);
            case "DATA" -> noArgs(arg, new Command.Data());
            case "BDAT" -> bdat(arg);
            case "RSET" -> noArgs(arg, new Command.Rset());
            case "NOOP" -> new Command.Noop();
            case "QUIT" -> noArgs(arg, new Command.Quit());
            case "HELP" -> new Command.Help();
            case "VRFY" -> arg.isBlank() ? invalid(Replies.PARAM_SYNTAX) : new Command.Vrfy(arg.strip());
            case "STARTTLS" -> noArgs(arg, new Command.StartTls());
            case "AUTH" -> auth(arg);
            case "EXPN", "TURN", "ETRN", "ATRN" -> invalid(Replies.COMMAND_UNSUPPORTED);
            default -> invalid(Replies.SYNTAX);
        };
    }

    private static Command invalid(Reply reply) {
        return new Command.Invalid(reply);
    }

    private static Command noArgs(String arg, Command command) {
        return arg.isBlank() ? command : invalid(Replies.PARAM_SYNTAX);
    }

    private static Command helo(String arg, boolean extended) {
        String domain = arg.strip();
        // Like Postfix's default, any single printable token is accepted: real clients send
        // Windows host names with underscores; the name is only recorded in Received.
        if (domain.isEmpty() || domain.indexOf(' ') >= 0 || !printable(domain)) return invalid(Replies.HELO_SYNTAX);
        return extended ? new Command.Ehlo(domain) : new Command.Helo(domain);
    }

    private static boolean printable(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 33 || c == 127) return false;
        }
        return true;
    }

    private static Command mail(String arg) {
        if (!arg.regionMatches(true, 0, "FROM:", 0, 5)) return invalid(Replies.PARAM_SYNTAX);
        int i = skipSpaces(arg, 5);
        PathParser.Parsed path;
        try {
            path = PathParser.parse(arg, i, true);
        } catch (PathParser.BadPath e) {
            return invalid(Replies.SENDER_SYNTAX.withText("Bad sender address syntax: " + e.getMessage()));
        }
        long size = -1;
        String body = null;
        boolean utf8 = false;
        String ret = null;
        String envid = null;
        boolean requireTls = false;
        Set<String> seen = new HashSet<>();
        for (String p : params(arg, path.end())) {
            if (p == null) return invalid(Replies.PARAM_SYNTAX);
            int eq = p.indexOf('=');
            String key = (eq < 0 ? p : p.substring(0, eq)).toUpperCase(Locale.ROOT);
            String value = eq < 0 ? null : p.substring(eq + 1);
            if (!seen.add(key)) return invalid(Replies.PARAM_SYNTAX.withText("Duplicate parameter " + key));
            switch (key) {
                case "SIZE" -> {
                    if (value == null || value.isEmpty() || value.length() > 18 || !digits(value)) {
                        return invalid(Replies.PARAM_SYNTAX.withText("Bad SIZE parameter"));
                    }
                    size = Long.parseLong(value);
                }
                case "BODY" -> {
                    String v = value == null ? "" : value.toUpperCase(Locale.ROOT);
                    if (!v.equals("7BIT") && !v.equals("8BITMIME")) {
                        return invalid(Replies.UNKNOWN_PARAMETER.withText("BODY must be 7BIT or 8BITMIME"));
                    }
                    body = v;
                }
                case "SMTPUTF8" -> {
                    if (value != null) return invalid(Replies.PARAM_SYNTAX.withText("SMTPUTF8 takes no value"));
                    utf8 = true;
                }
                case "RET" -> {
                    String v = value == null ? "" : value.toUpperCase(Locale.ROOT);
                    if (!v.equals("FULL") && !v.equals("HDRS")) {
                        return invalid(Replies.PARAM_SYNTAX.withText("RET must be FULL or HDRS"));
                    }
                    ret = v;
                }
                case "ENVID" -> {
                    if (value == null || value.length() > 100 || !isXtext(value)) {
                        return invalid(Replies.PARAM_SYNTAX.withText("Bad ENVID parameter"));
                    }
                    envid = value;
                }
                case "REQUIRETLS" -> {
                    // RFC 8689 3: a keyword without a value; whether TLS is active is the session's question
                    if (value != null) return invalid(Replies.PARAM_SYNTAX.withText("REQUIRETLS takes no value"));
                    requireTls = true;
                }
                case "AUTH" -> {
                    // RFC 4954 5: accepted and not trusted (we never relay the identity onward)
                    if (value == null || !(value.equals("<>") || isXtext(value))) {
                        return invalid(Replies.PARAM_SYNTAX.withText("Bad AUTH parameter"));
                    }
                }
                default -> {
                    return invalid(Replies.UNKNOWN_PARAMETER.withText("Unsupported MAIL parameter " + key));
                }
            }
        }
        return new Command.Mail(path.mailbox(), new MailParameters(size, body, utf8, ret, envid, requireTls));
    }

    private static Command rcpt(String arg) {
        if (!arg.regionMatches(true, 0, "TO:", 0, 3)) return invalid(Replies.PARAM_SYNTAX);
        int i = skipSpaces(arg, 3);
        Mailbox mailbox;
        int end;
        if (arg.regionMatches(true, i, "<postmaster>", 0, 12)) {
            // RFC 5321 4.1.1.3: <Postmaster> without a domain must be accepted
            mailbox = new Mailbox("postmaster", "");
            end = i + 12;
        } else {
            try {
                PathParser.Parsed path = PathParser.parse(arg, i, false);
                mailbox = path.mailbox();
                end = path.end();
            } catch (PathParser.BadPath e) {
                return invalid(Replies.RECIPIENT_SYNTAX.withText("Bad recipient address syntax: " + e.getMessage()));
            }
        }
        String notify = null;
        String orcpt = null;
        Set<String> seen = new HashSet<>();
        for (String p : params(arg, end)) {
            if (p == null) return invalid(Replies.PARAM_SYNTAX);
            int eq = p.indexOf('=');
            String key = (eq < 0 ? p : p.substring(0, eq)).toUpperCase(Locale.ROOT);
            String value = eq < 0 ? null : p.substring(eq + 1);
            if (!seen.add(key)) return invalid(Replies.PARAM_SYNTAX.withText("Duplicate parameter " + key));
            switch (key) {
                case "NOTIFY" -> {
                    notify = notify(value);
                    if (notify == null) return invalid(Replies.PARAM_SYNTAX.withText("Bad NOTIFY parameter"));
                }
                case "ORCPT" -> {
                    int semi = value == null ? -1 : value.indexOf(';');
                    if (semi <= 0 || value.length() > 500 || !isXtext(value.substring(semi + 1))) {
                        return invalid(Replies.PARAM_SYNTAX.withText("Bad ORCPT parameter"));
                    }
                    orcpt = value;
                }
                default -> {
                    return invalid(Replies.UNKNOWN_PARAMETER.withText("Unsupported RCPT parameter " + key));
                }
            }
        }
        return new Command.Rcpt(mailbox, new RcptParameters(notify, orcpt));
    }

    private static String notify(String value) {
        if (value == null || value.isEmpty()) return null;
        String v = value.toUpperCase(Locale.ROOT);
        if (v.equals("NEVER")) return v;
        Set<String> seen = new HashSet<>();
        for (String part : v.split(",", -1)) {
            if (!(part.equals("SUCCESS") || part.equals("FAILURE") || part.equals("DELAY")) || !seen.add(part)) {
                return null;
            }
        }
        return v;
    }

    private static Command bdat(String arg) {
        String[] parts = arg.strip().split(" +");
        if (parts.length < 1 || parts.length > 2 || parts[0].isEmpty() || parts[0].length() > 18 || !digits(parts[0])) {
            return invalid(Replies.PARAM_SYNTAX.withText("BDAT needs a chunk size"));
        }
        boolean last = false;
        if (parts.length == 2) {
            if (!parts[1].equalsIgnoreCase("LAST")) return invalid(Replies.PARAM_SYNTAX);
            last = true;
        }
        return new Command.Bdat(Long.parseLong(parts[0]), last);
    }

    private static Command auth(String arg) {
        String[] parts = arg.strip().split(" +");
        if (parts.length < 1 || parts.length > 2 || parts[0].isEmpty()) return invalid(Replies.PARAM_SYNTAX);
        return new Command.Auth(parts[0].toUpperCase(Locale.ROOT), parts.length == 2 ? parts[1] : null);
    }

    /** The parameters after a path: each separated by one or more spaces; null entry = malformed. */
    private static java.util.List<String> params(String arg, int from) {
        java.util.List<String> out = new java.util.ArrayList<>();
        if (from >= arg.length()) return out;
        if (arg.charAt(from) != ' ') {
            out.add(null);
            return out;
        }
        for (String p : arg.substring(from).strip().split(" +")) {
            if (p.isEmpty()) continue;
            out.add(p.startsWith("=") ? null : p);
        }
        return out;
    }

    private static int skipSpaces(String s, int i) {
        while (i < s.length() && s.charAt(i) == ' ') i++;
        return i;
    }

    private static boolean digits(String s) {
        for (int i = 0; i < s.length(); i++) if (s.charAt(i) < '0' || s.charAt(i) > '9') return false;
        return true;
    }

    /** RFC 3461 xtext: printable ASCII except '+' and '=', which are written "+HH". */
    static boolean isXtext(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '+') {
                if (i + 2 >= s.length() || hex(s.charAt(i + 1)) < 0 || hex(s.charAt(i + 2)) < 0) return false;
                i += 2;
            } else if (c < 33 || c > 126 || c == '=') {
                return false;
            }
        }
        return true;
    }

    private static int hex(char c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    }
}

package sluice.delivery;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import sluice.observe.FailureText;
import sluice.smtp.Capabilities;
import sluice.smtp.ClientCommands;
import sluice.smtp.Reply;

/**
 * The MAIL/RCPT/DATA exchange on an open connection, pipelined (RFC 2920) when the server offers it. Every
 * recipient ends with a reply; the connection's state carries over to the next transaction.
 */
final class Transaction {
    private final Wire wire;
    private final Timeouts timeouts;
    private boolean broken;
    private boolean needsReset;

    Transaction(Wire wire, Timeouts timeouts) {
        this.wire = wire;
        this.timeouts = timeouts;
    }

    boolean usable() {
        return !broken;
    }

    /** The replies of one attempt: RCPT replies first, then the final ones as they become known. */
    private static final class Outcome {
        final Reply[] decided;
        final boolean[] accepted;
        Reply dataReply;

        Outcome(int n) {
            decided = new Reply[n];
            accepted = new boolean[n];
        }

        void decideUndecided(Reply r) {
            for (int i = 0; i < decided.length; i++) if (decided[i] == null) decided[i] = r;
        }

        boolean anyAccepted() {
            for (boolean a : accepted) if (a) return true;
            return false;
        }
    }

    MessageResult run(OutboundMessage m, Capabilities caps) {
        int n = m.recipients().size();
        Outcome o = new Outcome(n);
        Reply refusal = refusalBeforeSending(m, caps);
        if (refusal == null && broken) refusal = lost("connection no longer usable");
        if (refusal != null) {
            o.decideUndecided(refusal);
            return result(m, o, false);
        }
        try {
            Reply closing = needsReset ? reset() : null;
            if (closing != null) o.decideUndecided(closing);
            else exchange(m, caps, o);
        } catch (IOException e) {
            broken = true;
            wire.close();
            Reply r = lost(wire.timedOut() ? e.getMessage() : FailureText.of(e));
            if (o.anyAccepted() && o.dataReply == null) o.dataReply = r;
            o.decideUndecided(r);
        }
        return result(m, o, caps.has("DSN"));
    }

    private static Reply refusalBeforeSending(OutboundMessage m, Capabilities caps) {
        long max = caps.maxSize();
        if (max > 0 && m.data().length > max) {
            return Reply.of(552, "5.3.4", "Message size exceeds the remote host's limit (" + max + ")");
        }
        if (m.smtpUtf8() && !caps.has("SMTPUTF8")) {
            return Reply.of(550, "5.6.7", "Message needs SMTPUTF8 but the remote host does not support it");
        }
        // The last line of defence: RemoteTransport asks transit.RequireTls per host (and tries the next MX); whatever
        // route got here, a REQUIRETLS message never goes to a host that does not announce REQUIRETLS.
        if (m.requireTls() && !caps.has("REQUIRETLS")) {
            return Reply.of(450, "4.7.30", "REQUIRETLS not supported by the next hop");
        }
        return null;
    }

    /** RSET after a transaction that failed midway; the 421 if the server is closing, else null. */
    private Reply reset() throws IOException {
        wire.send(timeouts.command(), "RSET");
        Reply r = wire.read(timeouts.command());
        if (r.code() == 421) {
            closing();
            return r;
        }
        needsReset = false; // a refused RSET leaves MAIL to tell whether the server still cooperates
        return null;
    }

    private void exchange(OutboundMessage m, Capabilities caps, Outcome o) throws IOException {
        List<String> commands = commands(m, caps);
        boolean pipelined = caps.has("PIPELINING");
        needsReset = true; // until the transaction ends cleanly
        if (pipelined) wire.send(timeouts.command(), commands.toArray(String[]::new));
        else wire.send(timeouts.command(), commands.get(0));

        Reply mail = wire.read(timeouts.command());
        if (mail.code() == 421) {
            o.decideUndecided(mail);
            closing();
            return;
        }
        boolean mailOk = mail.code() / 100 == 2;
        if (!mailOk) o.decideUndecided(mail);
        if (!pipelined && !mailOk) return;

        for (int i = 0; i < m.recipients().size(); i++) {
            if (!pipelined) wire.send(timeouts.command(), commands.get(1 + i));
            Reply r = wire.read(timeouts.command());
            if (r.code() == 421) {
                o.decideUndecided(r);
                closing();
                return;
            }
            if (!mailOk) continue;
            if (r.code() / 100 == 2) o.accepted[i] = true;
            else o.decided[i] = r;
        }
        if (!pipelined && !o.anyAccepted()) return;

        if (!pipelined) wire.send(timeouts.command(), "DATA");
        Reply data = wire.read(timeouts.dataInit());
        if (data.code() == 421) {
            o.decideUndecided(data);
            if (o.anyAccepted()) o.dataReply = data;
            closing();
            return;
        }
        if (data.code() != 354) {
            if (o.anyAccepted()) {
                o.dataReply = data;
                o.decideUndecided(data);
            }
            return;
        }
        if (!mailOk || !o.anyAccepted()) {
            // DATA went out pipelined and was accepted with nobody to deliver to: end it empty (RFC 2920 3.1).
            wire.sendData(new byte[0], timeouts.dataBlock());
            Reply ignored = wire.read(timeouts.dataTerm());
            if (ignored.code() == 421) closing();
            return;
        }
        wire.sendData(m.data(), timeouts.dataBlock());
        Reply end = wire.read(timeouts.dataTerm());
        o.dataReply = end;
        o.decideUndecided(end);
        if (end.code() == 421) closing();
        else needsReset = false;
    }

    private static List<String> commands(OutboundMessage m, Capabilities caps) {
        boolean dsn = caps.has("DSN");
        List<String> out = new ArrayList<>(m.recipients().size() + 2);
        out.add(ClientCommands.mailFrom(m.sender(),
                caps.has("SIZE") ? m.data().length : -1,
                m.eightBit() && caps.has("8BITMIME"),
                m.smtpUtf8(),
                dsn ? m.ret() : null,
                dsn ? m.envid() : null,
                m.requireTls()));
        for (OutboundRecipient r : m.recipients()) {
            out.add(ClientCommands.rcptTo(r.address(), dsn ? r.dsnNotify() : null, dsn ? r.orcpt() : null));
        }
        out.add("DATA");
        return out;
    }

    /** The server said 421: it closes the connection, so do we. */
    private void closing() {
        broken = true;
        wire.close();
    }

    private static Reply lost(String detail) {
        return Reply.of(451, "4.4.2", "Connection lost or timed out: " + detail);
    }

    private static MessageResult result(OutboundMessage m, Outcome o, boolean dsnPassedOn) {
        List<RecipientResult> list = new ArrayList<>(o.decided.length);
        for (int i = 0; i < o.decided.length; i++) list.add(new RecipientResult(m.recipients().get(i), o.decided[i]));
        return new MessageResult(list, o.dataReply, dsnPassedOn);
    }
}

package sluice.delivery;

import java.util.ArrayList;
import java.util.List;
import sluice.smtp.Reply;
import sluice.transit.RequireTls;

/** Why the candidates of one attempt failed, for the deferral text, the log and REQUIRETLS's verdict. */
final class AttemptFailures {
    final List<String> lines = new ArrayList<>();
    String last;
    Candidate refusedBy;   // the last host that answered with a refusal (greeting, EHLO, STARTTLS), and how
    Reply refusal;
    String policy;         // the transit policy of the last host tried (tls_policy)
    boolean lastWasPolicy; // the last failure was transit security's (a refused host or a failed verification)
    int hosts;             // hosts (candidates) that failed
    final List<RequireTls.Verdict.Refuse> requireTls = new ArrayList<>(); // hosts that could not carry REQUIRETLS

    void add(String where, String why) {
        last = where + ": " + why;
        lines.add(last);
        lastWasPolicy = false;
    }

    void addPolicy(String where, String why) {
        add(where, why);
        lastWasPolicy = true;
    }
}

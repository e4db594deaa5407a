package sluice.policy;

import java.net.InetAddress;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import sluice.config.Cidr;
import sluice.smtp.Mailbox;
import sluice.smtp.Replies;
import sluice.smtp.Reply;

/**
 * Who may send mail where (no open relay). A recipient in a local domain is accepted when it exists there (and,
 * for untrusted clients, its local part cannot route elsewhere); a remote one only from trusted or authenticated
 * clients.
 */
public final class RelayRules {
    private final Set<String> localDomains;
    private volatile List<Cidr> trustedNetworks; // replaced on reload
    private final LocalRecipients recipients; // null: every address in a local domain exists

    public RelayRules(List<String> localDomains, List<Cidr> trustedNetworks) {
        this(localDomains, trustedNetworks, null);
    }

    public RelayRules(List<String> localDomains, List<Cidr> trustedNetworks, LocalRecipients recipients) {
        this.localDomains = localDomains.stream().map(d -> d.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
        this.trustedNetworks = List.copyOf(trustedNetworks);
        this.recipients = recipients;
    }

    /** The networks that may relay without AUTH from now on (a reload); sessions already open keep their answer. */
    public void trust(List<Cidr> networks) {
        this.trustedNetworks = List.copyOf(networks);
    }

    public boolean isTrusted(InetAddress client) {
        for (Cidr c : trustedNetworks) if (c.contains(client)) return true;
        return false;
    }

    public boolean isLocal(Mailbox rcpt) {
        return !rcpt.isAddressLiteral() && localDomains.contains(rcpt.domainLower());
    }

    /** Null to accept, else the refusal. */
    public Reply check(Mailbox rcpt, boolean trustedOrAuthenticated) {
        if (isLocal(rcpt)) {
            // user%elsewhere@local, elsewhere!user@local and "user@elsewhere"@local are not local mailboxes:
            // a downstream MTA could route them out, so an untrusted client may not use them.
            if (rcpt.hasRoutingCharacters() && !trustedOrAuthenticated) return Replies.RELAY_DENIED;
            return recipients == null || recipients.exists(rcpt.address()) ? null : Replies.UNKNOWN_LOCAL_USER;
        }
        return trustedOrAuthenticated ? null : Replies.RELAY_DENIED;
    }
}

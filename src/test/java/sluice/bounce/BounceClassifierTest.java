package sluice.bounce;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Real replies from the big providers and common MTAs, each with the class it must get. */
class BounceClassifierTest {
    private static final BounceClassifier CLASSIFIER = new BounceClassifier();

    static Stream<String> replies() {
        return Stream.of(
                // Gmail
                "invalid_recipient | 550 5.1.1 The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos or unnecessary spaces. For more information, go to https://support.google.com/mail/?p=NoSuchUser a1si123 - gsmtp",
                "invalid_recipient | 550 5.2.1 The email account that you tried to reach is disabled. https://support.google.com/mail/?p=DisabledUser - gsmtp",
                "mailbox_full      | 452 4.2.2 The recipient's inbox is out of storage space. Please direct the recipient to https://support.google.com/mail/?p=OverQuotaTemp - gsmtp",
                "mailbox_full      | 552 5.2.2 The email account that you tried to reach is over quota. Please direct the recipient to https://support.google.com/mail/?p=OverQuotaPerm - gsmtp",
                "rate_limited      | 450 4.2.1 The user you are trying to contact is receiving mail too quickly. Please resend your message at a later time. - gsmtp",
                "rate_limited      | 451 4.2.1 The user you are trying to contact is receiving mail at a rate that prevents additional messages from being delivered. - gsmtp",
                "rate_limited      | 421 4.7.28 [192.0.2.1] Our system has detected an unusual rate of unsolicited mail originating from your IP address. To protect our users from spam, mail sent from your IP address has been temporarily rate limited. - gsmtp",
                "spam_block        | 550 5.7.1 [192.0.2.1] Our system has detected that this message is likely unsolicited mail. To reduce the amount of spam sent to Gmail, this message has been blocked. - gsmtp",
                "spam_block        | 550 5.7.1 [192.0.2.1] Gmail has detected that this message is likely suspicious due to the very low reputation of the sending IP address. - gsmtp",
                "auth_failure      | 550 5.7.26 Unauthenticated email from example.com is not accepted due to domain's DMARC policy. Please contact the administrator of example.com domain. - gsmtp",
                "auth_failure      | 550 5.7.26 This mail has been blocked because the sender is unauthenticated. Gmail requires all senders to authenticate with either SPF or DKIM. - gsmtp",
                "auth_failure      | 550 5.7.25 [192.0.2.1] The IP address sending this message does not have a PTR record setup, or the corresponding forward DNS entry does not point to the sending IP. - gsmtp",
                "auth_failure      | 421 4.7.0 This message does not pass authentication checks (SPF and DKIM both do not pass). - gsmtp",
                "tls_required      | 421 4.7.0 TLS required for RCPT domain, closing connection. - gsmtp",
                "message_too_large | 552 5.2.3 Your message exceeded Google's message size limits. - gsmtp",
                "content_rejected  | 552 5.7.0 This message was blocked because its content presents a potential security issue. - gsmtp",
                "content_rejected  | 550 5.7.1 [192.0.2.1] Messages missing a valid messageId header are not accepted. - gsmtp",
                "rate_limited      | 421 4.7.0 Try again later, closing connection. (EHLO) - gsmtp",
                // Microsoft (Outlook.com, Exchange Online)
                "spam_block        | 550 5.7.1 Service unavailable, Client host [192.0.2.1] blocked using Spamhaus. To request removal from this list see https://www.spamhaus.org/query/ip/192.0.2.1 (AS3130). [BN8NAM11FT066.eop-nam11.prod.protection.outlook.com]",
                "invalid_recipient | 550 5.4.1 Recipient address rejected: Access denied. AS(201806281) [DB5EUR03FT012.eop-EUR03.prod.protection.outlook.com]",
                "spam_block        | 550 5.7.606 Access denied, banned sending IP [192.0.2.1]. To request removal from this list please visit https://sender.office.com/",
                "spam_block        | 550 5.7.1 Unfortunately, messages from [192.0.2.1] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150).",
                "spam_block        | 550 5.7.708 Service unavailable. Access denied, traffic not accepted from this IP.",
                "invalid_recipient | 550 5.5.0 Requested action not taken: mailbox unavailable (S2017062302) [AM4PEPF00012345.eurprd04.prod.outlook.com]",
                "invalid_recipient | 550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup",
                "auth_failure      | 550 5.7.509 Access denied, sending domain example.com does not pass DMARC verification and has a DMARC policy of reject.",
                "rate_limited      | 451 4.7.500 Server busy. Please try again later from [192.0.2.1]. (S77714) [HE1EUR01FT012.eop-EUR01.prod.protection.outlook.com]",
                "rate_limited      | 451 4.7.650 The mail server [192.0.2.1] has been temporarily rate limited due to IP reputation.",
                "dns_routing       | 550 5.4.310 DNS domain example.invalid does not exist",
                // Yahoo / AOL
                "rate_limited      | 421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes",
                "spam_block        | 421 4.7.0 [TS03] All messages from 192.0.2.1 will be permanently deferred; Retrying will NOT succeed. See https://postmaster.yahooinc.com/error-codes",
                "spam_block        | 554 5.7.9 Message not accepted for policy reasons.  See https://postmaster.yahooinc.com/error-codes",
                "spam_block        | 553 5.7.1 [BL21] Connections will not be accepted from 192.0.2.1, because the ip is in Spamhaus's list; see https://postmaster.yahooinc.com/error-codes",
                "invalid_recipient | 554 delivery error: dd This user doesn't have a yahoo.com account (nobody@yahoo.com) [0] - mta1234.mail.ne1.yahoo.com",
                "auth_failure      | 550 5.7.9 This mail has been blocked because the sender is unauthenticated. Yahoo requires all senders to authenticate with either SPF or DKIM.",
                // iCloud, Proofpoint, others
                "spam_block        | 550 5.7.0 Blocked - see https://support.proofpoint.com/dnsbl-lookup.cgi?ip=192.0.2.1",
                "spam_block        | 554 5.7.1 [CS01] Message rejected due to local policy. Please visit https://support.apple.com/en-us/HT204137",
                "invalid_recipient | 550 5.1.1 <nobody@icloud.com>: user does not exist",
                // Postfix, Exim, generic
                "invalid_recipient | 550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown in local recipient table",
                "dns_routing       | 450 4.1.2 <a@nowhere.example>: Recipient address rejected: Domain not found",
                "dns_routing       | 554 5.7.1 <a@elsewhere.example>: Relay access denied",
                "spam_block        | 554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/192.0.2.1",
                "auth_failure      | 450 4.7.1 Client host rejected: cannot find your reverse hostname, [192.0.2.1]",
                "rate_limited      | 421 4.7.0 mx.example.org Error: too many connections from 192.0.2.1",
                "rate_limited      | 452 4.5.3 Error: too many recipients",
                "rate_limited      | 450 4.7.1 <a@example.org>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/example.org.html",
                "mailbox_full      | 552 5.2.2 <a@example.org>: Mailbox full",
                "message_too_large | 552 5.3.4 Error: message file too big",
                "message_too_large | 552 5.3.4 Message size exceeds fixed limit",
                "tls_required      | 530 5.7.0 Must issue a STARTTLS command first",
                "dns_routing       | 556 5.1.10 Recipient address has null MX",
                "dns_routing       | 550 Unrouteable address",
                "invalid_recipient | 550 No Such User Here",
                "content_rejected  | 554 5.7.1 The message was rejected because it contains prohibited virus or spam content",
                "content_rejected  | 550 5.6.0 Message contains invalid header",
                "other             | 451 4.3.0 Temporary local problem - please try again",
                "other             | 451 4.4.2 Connection lost or timed out: read timed out",
                "other             | 535 5.7.8 Authentication credentials invalid");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("replies")
    void classifiesRealReplies(String row) {
        String[] parts = row.split("\\|", 2);
        String expected = parts[0].strip();
        String reply = parts[1].strip();
        int code = Integer.parseInt(reply.substring(0, 3));
        String text = reply.substring(4);

        assertThat(CLASSIFIER.classify(code, null, text)).as(reply).isEqualTo(expected);
    }

    @Test
    void theEnhancedCodeArgumentWinsOverText() {
        assertThat(CLASSIFIER.classify(550, "5.1.1", "Recipient rejected")).isEqualTo("invalid_recipient");
        assertThat(CLASSIFIER.classify(550, "5.1.1", "")).isEqualTo("invalid_recipient");
        assertThat(CLASSIFIER.classify(452, "4.2.2", null)).isEqualTo("mailbox_full");
        assertThat(CLASSIFIER.classify(550, "5.7.23", "")).isEqualTo("auth_failure");
        assertThat(CLASSIFIER.classify(550, "5.7.27", "")).isEqualTo("auth_failure");
        assertThat(CLASSIFIER.classify(550, "5.7.2", "")).isEqualTo("other"); // 5.7.2 is not 5.7.20-27
        assertThat(CLASSIFIER.classify(550, "5.7.640", "")).isEqualTo("spam_block");
        assertThat(CLASSIFIER.classify(550, "5.7.650", "")).isEqualTo("other");
        assertThat(CLASSIFIER.classify(554, "5.6.3", "")).isEqualTo("content_rejected");
        assertThat(CLASSIFIER.classify(0, null, null)).isEqualTo("other");
    }

    @Test
    void overrideRulesComeFirst() {
        BounceClassifier c = new BounceClassifier("""
                # our upstream says "full" when it means unknown
                invalid_recipient  5.2.2,55x   account full
                spam_block         4xx
                """);

        assertThat(c.classify(552, "5.2.2", "Account full")).isEqualTo("invalid_recipient");
        assertThat(c.classify(552, "5.2.2", "Mailbox full")).isEqualTo("mailbox_full");
        assertThat(c.classify(421, null, "whatever")).isEqualTo("spam_block");
    }

    @Test
    void badRulesNameTheLine() {
        assertThatThrownBy(() -> new BounceClassifier("\nbouncy * x")).hasMessageContaining("override line 2")
                .hasMessageContaining("unknown class \"bouncy\"");
        assertThatThrownBy(() -> new BounceClassifier("other 5-7")).hasMessageContaining("bad code \"5-7\"");
        assertThatThrownBy(() -> new BounceClassifier("other * (")).hasMessageContaining("bad regular expression");
        assertThatThrownBy(() -> new BounceClassifier("other")).hasMessageContaining("expected CLASS CODES [REGEX]");
    }
}

package sluice.bounce;

import java.util.List;

/** What a report is mainly about: any failure makes it a bounce; else any delay a delay notice; else a success report. */
enum ReportKind {
    FAILURE("Undelivered Mail Returned to Sender"),
    DELAY("Delayed Mail (still being retried)"),
    SUCCESS("Successful Mail Delivery Report");

    final String subject;

    ReportKind(String subject) {
        this.subject = subject;
    }

    static ReportKind of(List<DsnRecipient> recipients) {
        if (recipients.stream().anyMatch(r -> r.action() == DsnRecipient.Action.FAILED)) return FAILURE;
        if (recipients.stream().anyMatch(r -> r.action() == DsnRecipient.Action.DELAYED)) return DELAY;
        return SUCCESS;
    }
}

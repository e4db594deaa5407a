package sluice.transit;

import java.util.List;
import java.util.regex.Pattern;
import sluice.dns.TxtAnswer;

/** The {@code _mta-sts} TXT record of a domain (RFC 8461 3.1): does the domain announce a policy, and under which id. */
sealed interface StsRecord {
    /** One valid STSv1 record. */
    record Announced(String id) implements StsRecord {}

    /** No usable record: none, several, or malformed (RFC 8461 3.1: the sender assumes no policy). */
    record Absent(String why) implements StsRecord {}

    /** The lookup failed (SERVFAIL, timeout): whether a policy is announced is unknown. */
    record Unknown(String why) implements StsRecord {}

    Pattern ID = Pattern.compile("[A-Za-z0-9]{1,32}");
    Pattern FIELD = Pattern.compile("([A-Za-z0-9][A-Za-z0-9_.-]{0,31})[ \\t]*=[ \\t]*([\\x21-\\x3A\\x3C\\x3E-\\x7E]+)");

    static StsRecord of(TxtAnswer answer) {
        return switch (answer) {
            case TxtAnswer.Records r -> parse(r.strings());
            case TxtAnswer.NoRecords n -> new Absent("no _mta-sts TXT record");
            case TxtAnswer.NoSuchDomain n -> new Absent("no _mta-sts TXT record (" + n.detail() + ")");
            case TxtAnswer.TempFail f -> new Unknown("_mta-sts TXT lookup failed: " + f.detail());
        };
    }

    /** RFC 8461 3.1: records not starting "v=STSv1;" are discarded; more than one left means no policy. */
    static StsRecord parse(List<String> txt) {
        List<String> sts = txt.stream().filter(t -> t.startsWith("v=STSv1;")).toList();
        if (sts.isEmpty()) return new Absent("no TXT record starting v=STSv1;");
        if (sts.size() > 1) return new Absent(sts.size() + " STSv1 TXT records (RFC 8461 3.1: no policy)");
        String text = sts.get(0);
        String id = null;
        String[] fields = text.substring("v=STSv1;".length()).split(";", -1);
        for (int i = 0; i < fields.length; i++) {
            String field = fields[i].strip();
            if (field.isEmpty() && i == fields.length - 1) break; // a trailing ';' is allowed
            var m = FIELD.matcher(field);
            if (!m.matches()) return new Absent("malformed STSv1 record field '" + field + "' in \"" + text + "\"");
            if (!m.group(1).equals("id")) continue; // extension fields are ignored
            if (id != null) return new Absent("STSv1 record with two ids: \"" + text + "\"");
            if (!ID.matcher(m.group(2)).matches()) {
                return new Absent("STSv1 record id is not 1-32 letters or digits: \"" + text + "\"");
            }
            id = m.group(2);
        }
        return id == null ? new Absent("STSv1 record without id: \"" + text + "\"") : new Announced(id);
    }
}

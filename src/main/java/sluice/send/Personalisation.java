package sluice.send;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A batch's texts ({@code subject}, {@code text}, {@code html}, {@code list_unsubscribe}) parsed once as
 * {@link Template}s and filled in per recipient: as given in the subject, the text and the unsubscribe URIs,
 * HTML-escaped in the html. A placeholder without a value is an error naming the recipient and the variable.
 */
final class Personalisation {
    private final Template subject;
    private final Template text;
    private final Template html;
    private final List<Template> unsubscribe;

    Personalisation(JsonRequest.Content c) {
        subject = c.subject() == null ? null : Template.parse(c.subject());
        text = c.text() == null ? null : Template.parse(c.text());
        html = c.html() == null ? null : Template.parse(c.html());
        unsubscribe = c.listUnsubscribe().stream().map(Template::parse).toList();
    }

    /** The content for recipient {@code index}; every missing variable and bad value is noted in {@code p}. */
    JsonRequest.Content render(int index, Map<String, String> values, JsonRequest.Problems p) {
        String at = "recipients[" + index + "]";
        Map<String, List<String>> missing = new LinkedHashMap<>();
        note(missing, subject, values, "subject");
        note(missing, text, values, "text");
        note(missing, html, values, "html");
        for (Template u : unsubscribe) note(missing, u, values, "list_unsubscribe");
        missing.forEach((name, where) -> p.add(at + ".variables." + name,
                "missing: {{" + name + "}} is used in " + String.join(", ", where)));
        if (!missing.isEmpty()) return null;
        String s = subject == null ? null : subject.render(values, Template.Escaping.NONE);
        if (s != null) {
            try {
                JsonRequest.oneLine(s, at + ".subject");
            } catch (Invalid e) {
                p.add(e); // a value with a line break would start a header field of its own
                return null;
            }
        }
        List<String> uris = new ArrayList<>();
        for (Template u : unsubscribe) uris.add(u.render(values, Template.Escaping.NONE));
        if (!uris.isEmpty()) {
            try {
                ListUnsubscribe.header(uris, at + ".list_unsubscribe");
            } catch (Invalid e) {
                p.add(e);
                return null;
            }
        }
        return new JsonRequest.Content(s, text == null ? null : text.render(values, Template.Escaping.NONE),
                html == null ? null : html.render(values, Template.Escaping.HTML), uris);
    }

    private static void note(Map<String, List<String>> missing, Template t, Map<String, String> values, String where) {
        if (t == null) return;
        for (String name : t.missing(values)) {
            List<String> w = missing.computeIfAbsent(name, k -> new ArrayList<>());
            if (!w.contains(where)) w.add(where);
        }
    }
}

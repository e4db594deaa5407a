package sluice.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * {@code redis://[[user]:password@]IP[:PORT][/DB]} or {@code rediss://…} (TLS), with a literal IP: a host name
 * would make the cluster depend on the system resolver, which Sluice never asks.
 *
 * @param password null when the URL has none (a {@code password_file} may give it)
 */
public record RedisUrl(boolean tls, String host, int port, String user, String password, int database) {

    /** Parses a URL {@link #problem} accepted. */
    public static RedisUrl parse(String text) {
        String problem = problem(text);
        if (problem != null) throw new IllegalArgumentException(problem);
        URI u = URI.create(text);
        String user = null;
        String password = null;
        String info = u.getRawUserInfo();
        if (info != null) {
            int colon = info.indexOf(':');
            String name = colon < 0 ? "" : info.substring(0, colon);
            user = name.isEmpty() ? null : decode(name);
            password = decode(colon < 0 ? info : info.substring(colon + 1));
        }
        String path = u.getPath() == null ? "" : u.getPath();
        int db = path.length() <= 1 ? 0 : Integer.parseInt(path.substring(1));
        return new RedisUrl("rediss".equals(u.getScheme()), stripBrackets(u.getHost()), u.getPort() < 0 ? 6379 : u.getPort(),
                user, password, db);
    }

    /** What is wrong with {@code text} as a Redis URL, in words for the config error, or null. */
    public static String problem(String text) {
        if (!text.startsWith("redis://") && !text.startsWith("rediss://")) {
            return "must start with redis:// or rediss:// (or be empty for a single node) (got \"" + redacted(text) + "\")";
        }
        URI u;
        try {
            u = new URI(text);
        } catch (URISyntaxException e) {
            return "not a valid URL: " + e.getReason() + " (got \"" + redacted(text) + "\")";
        }
        if (u.getHost() == null || IpLiterals.parse(stripBrackets(u.getHost())) == null) {
            return "the host must be a literal IP address such as redis://10.0.0.5:6379, not a name (got \"" + redacted(text) + "\")";
        }
        String path = u.getPath() == null ? "" : u.getPath();
        if (path.length() > 1 && !path.substring(1).matches("[0-9]{1,2}")) {
            return "the path may only name a database number, e.g. redis://10.0.0.5:6379/0 (got \"" + redacted(text) + "\")";
        }
        if (u.getQuery() != null || u.getFragment() != null) {
            return "query parameters are not understood; use the [cluster] keys (got \"" + redacted(text) + "\")";
        }
        return null;
    }

    /** The URL with any password replaced, for messages and logs: credentials are never written. */
    public static String redacted(String text) {
        return text.replaceAll("(?<=://)[^@/]*@", "***@");
    }

    private static String stripBrackets(String host) {
        return host != null && host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return (tls ? "rediss://" : "redis://") + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port
                + (database == 0 ? "" : "/" + database);
    }
}

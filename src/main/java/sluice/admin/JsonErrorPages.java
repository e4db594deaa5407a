package sluice.admin;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Errors Jetty answers before a request reaches a route (a URI too long, a NUL in the path, a malformed header):
 * the same JSON {@code {"error": ...}} as every other answer of the API, instead of Jetty's HTML page.
 */
final class JsonErrorPages extends ErrorHandler {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
                                    Callback callback) throws IOException {
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.write(true, ByteBuffer.wrap(body(code, message)), callback);
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(HttpHeader.CONTENT_TYPE, "application/json");
        return ByteBuffer.wrap(body(status, reason));
    }

    private static byte[] body(int code, String message) {
        String text = message == null || message.isBlank() ? HttpStatus.getMessage(code) : message;
        try {
            return JSON.writeValueAsBytes(Map.of("error", "the request was refused before it reached the API: " + text));
        } catch (IOException e) {
            return "{\"error\": \"bad request\"}".getBytes(StandardCharsets.US_ASCII);
        }
    }
}

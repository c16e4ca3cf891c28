package io.tuns.server.console;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;

/** The console API's JSON answers: one mapper, and errors in sish's {@code {"status": false, "error": …}} shape. */
final class ConsoleJson {

    private final ObjectMapper mapper;

    ConsoleJson(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    ObjectMapper mapper() {
        return mapper;
    }

    ObjectNode object() {
        return mapper.createObjectNode();
    }

    byte[] bytes(JsonNode n) {
        try {
            return mapper.writeValueAsBytes(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    FullHttpResponse ok(JsonNode n) {
        return Replies.json(HttpResponseStatus.OK, bytes(n));
    }

    FullHttpResponse failure(HttpResponseStatus status, String message) {
        return Replies.json(status, bytes(mapper.createObjectNode().put("status", false).put("error", message)));
    }

    FullHttpResponse notFound(ConsoleCall c, String message) {
        return c.api() ? failure(HttpResponseStatus.NOT_FOUND, message)
                : Replies.page(HttpResponseStatus.NOT_FOUND, "Console: not found", message);
    }
}

package com.mysticanvas.app.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.mysticanvas.core.Json;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An OpenAI-compatible server as vLLM or llama-server answers, on loopback, for the backend tests: {@code /v1/models}
 * lists one model, {@code /v1/chat/completions} answers whole or streamed (three chunks, then {@code [DONE]}), each
 * reply naming this server, or with tools offered streams a call of the first; {@code /v1/embeddings} answers a
 * vector per input. It can refuse the next requests with a status, die part-way through a stream, or stop.
 */
final class FakeOpenAiServer implements AutoCloseable {
    /** A request it was sent: the path, its Authorization header and its body. */
    record Seen(String path, String authorization, JsonNode body) {}

    final String name;
    final String model;
    final List<Seen> seen = new CopyOnWriteArrayList<>();
    /** The next this many chat requests are answered with {@link #failStatus}. */
    final AtomicInteger failNext = new AtomicInteger();
    volatile int failStatus = 503;
    /** Answers Ollama's {@code /api/ps} with these models loaded; null: no such route (as vLLM, llama-server). */
    volatile List<String> loaded;
    /** Answers LM Studio's {@code /api/v0/models} with these models loaded (the listed one not, if absent); null: no such route. */
    volatile List<String> lmStudioLoaded;
    /** A stream ends after its first chunk with the connection dropped. */
    volatile boolean dieMidStream;
    private final HttpServer server;

    FakeOpenAiServer(String name, String model) throws IOException {
        this.name = name;
        this.model = model;
        server = LoopbackServer.start(this::handle);
    }

    String url() {
        return LoopbackServer.url(server);
    }

    long chats() {
        return seen.stream().filter(s -> s.path().equals("/v1/chat/completions")).count();
    }

    private void handle(HttpExchange x) throws IOException {
        try (x) {
            String path = x.getRequestURI().getPath();
            byte[] in = x.getRequestBody().readAllBytes();
            seen.add(new Seen(path, x.getRequestHeaders().getFirst("Authorization"), in.length == 0 ? null : Json.parse(new String(in, StandardCharsets.UTF_8))));
            if (path.equals("/v1/models")) {
                send(x, 200, "application/json", "{\"object\":\"list\",\"data\":[{\"id\":\"" + model + "\",\"object\":\"model\",\"created\":1,\"owned_by\":\"" + name + "\"}]}");
                return;
            }
            if (path.equals("/api/ps") && loaded != null) {
                StringBuilder models = new StringBuilder();
                for (String m : loaded) {
                    models.append(models.isEmpty() ? "" : ",").append("{\"name\":\"").append(m).append("\",\"model\":\"").append(m).append("\"}");
                }
                send(x, 200, "application/json", "{\"models\":[" + models + "]}");
                return;
            }
            if (path.equals("/v1/embeddings")) { // one vector per input: [its index, its length]
                JsonNode input = seen.getLast().body().path("input");
                StringBuilder data = new StringBuilder();
                List<JsonNode> inputs = new java.util.ArrayList<>();
                if (input.isArray()) {
                    input.forEach(inputs::add);
                } else {
                    inputs.add(input);
                }
                for (int i = 0; i < inputs.size(); i++) {
                    data.append(i == 0 ? "" : ",").append("{\"object\":\"embedding\",\"index\":").append(i)
                            .append(",\"embedding\":[").append(i).append(",").append(inputs.get(i).asText().length()).append("]}");
                }
                send(x, 200, "application/json", "{\"object\":\"list\",\"data\":[" + data + "],\"usage\":{\"prompt_tokens\":"
                        + inputs.size() + "}}");
                return;
            }
            if (path.equals("/api/v0/models") && lmStudioLoaded != null) {
                send(x, 200, "application/json", "{\"object\":\"list\",\"data\":[{\"id\":\"" + model + "\",\"type\":\"llm\",\"state\":\""
                        + (lmStudioLoaded.contains(model) ? "loaded" : "not-loaded") + "\"}]}");
                return;
            }
            if (!path.equals("/v1/chat/completions")) {
                send(x, 404, "application/json", "{\"error\":{\"message\":\"no route\"}}");
                return;
            }
            if (failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                send(x, failStatus, "application/json", "{\"error\":{\"message\":\"" + name + " is overloaded\"}}");
                return;
            }
            JsonNode body = seen.getLast().body();
            if (!body.path("stream").asBoolean(false)) {
                send(x, 200, "application/json", "{\"id\":\"c1\",\"object\":\"chat.completion\",\"model\":\"" + body.path("model").asText()
                        + "\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"from " + name
                        + "\"},\"finish_reason\":\"stop\"}]}");
                return;
            }
            if (body.path("tools").isArray() && !body.path("tools").isEmpty()) {
                streamToolCall(x, body.path("tools").get(0).path("function").path("name").asText());
                return;
            }
            x.getResponseHeaders().add("Content-Type", "text/event-stream");
            // dying: a length it will not reach, so the cut is a cut (a chunked stream would be closed cleanly)
            x.sendResponseHeaders(200, dieMidStream ? 1 << 20 : 0);
            OutputStream out = x.getResponseBody();
            for (int i = 0; i < 3; i++) {
                out.write(("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + name + i + " \"}}]}\n\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                if (dieMidStream) {
                    throw new IOException("dying on purpose"); // the server drops the connection
                }
            }
            out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
        }
    }

    /**
     * As vLLM streams a tool call: some reasoning, the call's name with an id, its arguments in two pieces, the finish
     * reason, then the usage.
     */
    private static void streamToolCall(HttpExchange x, String function) throws IOException {
        x.getResponseHeaders().add("Content-Type", "text/event-stream");
        x.sendResponseHeaders(200, 0);
        OutputStream out = x.getResponseBody();
        for (String delta : List.of("{\"reasoning_content\":\"the user wants weather\"}",
                "{\"tool_calls\":[{\"index\":0,\"id\":\"call_abc\",\"type\":\"function\",\"function\":{\"name\":\"" + function + "\",\"arguments\":\"\"}}]}",
                "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"city\\\":\"}}]}",
                "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"Paris\\\"}\"}}]}")) {
            out.write(("data: {\"choices\":[{\"index\":0,\"delta\":" + delta + "}]}\n\n").getBytes(StandardCharsets.UTF_8));
        }
        out.write("data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n".getBytes(StandardCharsets.UTF_8));
        out.write("data: {\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":9}}\n\ndata: [DONE]\n\n"
                .getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange x, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().add("Content-Type", type);
        x.sendResponseHeaders(status, bytes.length);
        x.getResponseBody().write(bytes);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}

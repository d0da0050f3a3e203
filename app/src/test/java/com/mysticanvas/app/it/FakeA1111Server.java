package com.mysticanvas.app.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.mysticanvas.core.Json;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An A1111-compatible server as A1111 or Forge answers, on loopback, for the backend tests: {@code /sdapi/v1/sd-models}
 * lists one checkpoint, {@code txt2img} and {@code img2img} answer with one PNG (held until {@link #release} when {@link #hold} is set, so
 * its progress can be asked meanwhile), {@code /sdapi/v1/progress} says it is half-way through.
 */
final class FakeA1111Server implements AutoCloseable {
    /** 1x1 PNG. */
    static final String PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC";

    final List<JsonNode> jobs = new CopyOnWriteArrayList<>();
    volatile CompletableFuture<Void> hold;
    /** Drops the connection of each job it takes instead of answering, as a backend that crashes mid-job. */
    volatile boolean crashMidJob;
    /** How many times its progress was asked for. */
    final java.util.concurrent.atomic.AtomicInteger progressAsked = new java.util.concurrent.atomic.AtomicInteger();
    private final HttpServer server;
    private final String model;

    FakeA1111Server(String model) throws IOException {
        this.model = model;
        server = LoopbackServer.start(this::handle);
    }

    String url() {
        return LoopbackServer.url(server);
    }

    void release() {
        hold.complete(null);
    }

    private void handle(HttpExchange x) throws IOException {
        try (x) {
            String path = x.getRequestURI().getPath();
            byte[] in = x.getRequestBody().readAllBytes();
            switch (path) {
                case "/sdapi/v1/sd-models" -> send(x, "[{\"title\":\"" + model + ".safetensors [0123456789]\",\"model_name\":\"" + model
                        + "\",\"hash\":\"0123456789\",\"filename\":\"/models/" + model + ".safetensors\"}]");
                case "/sdapi/v1/progress" -> send(x, progressAsked.incrementAndGet() < 0 ? "" : "{\"progress\":0.5,\"eta_relative\":1.0,\"state\":{\"job\":\"remote\","
                        + "\"sampling_step\":5,\"sampling_steps\":10},\"current_image\":null}");
                case "/sdapi/v1/txt2img", "/sdapi/v1/img2img" -> {
                    jobs.add(((com.fasterxml.jackson.databind.node.ObjectNode) Json.parse(new String(in, StandardCharsets.UTF_8)))
                            .put("route", path));
                    CompletableFuture<Void> h = hold;
                    if (h != null) {
                        h.join();
                    }
                    if (crashMidJob) {
                        return; // closed with no answer: the client's connection drops
                    }
                    send(x, "{\"images\":[\"" + PNG + "\"],\"parameters\":{},\"info\":\"{\\\"infotexts\\\":[\\\"from the A1111 box\\\"]}\"}");
                }
                default -> {
                    x.sendResponseHeaders(404, -1);
                }
            }
        }
    }

    private static void send(HttpExchange x, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().add("Content-Type", "application/json");
        x.sendResponseHeaders(200, bytes.length);
        x.getResponseBody().write(bytes);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}

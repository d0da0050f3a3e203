package com.mysticanvas.core.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.Problem;
import com.mysticanvas.core.Problem.Kind;
import java.util.concurrent.CancellationException;

/**
 * The one place where a {@link Problem} becomes HTTP: its kind decides the status and OpenAI's error
 * {@code type}, and the body is always {@code {"error":{"message","type","code"}}}. The reverse, an error
 * answer of a worker or another server read back into a Problem, lives here too, so both directions agree.
 */
public final class HttpProblems {
    private HttpProblems() {}

    public static int status(Kind kind) {
        return switch (kind) {
            case BAD_INPUT -> 400;
            case UNAUTHORIZED -> 401;
            case NOT_FOUND -> 404;
            case CANCELLED -> 409;
            case TOO_LARGE -> 413;
            case BUSY -> 429;
            case INTERNAL -> 500;
            case UPSTREAM_FAILED -> 502;
            case NO_MODEL, UNAVAILABLE -> 503;
            case INSUFFICIENT_MEMORY, STORAGE_FAILED -> 507;
        };
    }

    /** OpenAI's error {@code type} for a kind. */
    public static String type(Kind kind) {
        return switch (kind) {
            case BAD_INPUT, NOT_FOUND, CANCELLED, TOO_LARGE -> "invalid_request_error";
            case UNAUTHORIZED -> "authentication_error";
            case BUSY -> "rate_limit_error";
            case NO_MODEL, UNAVAILABLE -> "unavailable_error";
            case INSUFFICIENT_MEMORY -> "insufficient_memory";
            case STORAGE_FAILED, UPSTREAM_FAILED, INTERNAL -> "server_error";
        };
    }

    /** A user's cancel as the problem clients are told of. */
    public static Problem cancelled(CancellationException e) {
        return new Problem(Kind.CANCELLED, "cancelled", e.getMessage() == null ? "cancelled" : e.getMessage(), e);
    }

    /** The JSON body clients see. */
    public static ObjectNode body(Problem p) {
        return body(p.getMessage(), type(p.kind()), p.code());
    }

    public static ObjectNode body(String message, String type, String code) {
        ObjectNode root = Json.object();
        root.putObject("error").put("message", message).put("type", type).put("code", code);
        return root;
    }

    /**
     * An error answer ({@code status}, {@code body}) of the server {@code who} as the Problem it stands for: its
     * own message and code, the kind read back from the status (and the code where one status serves two kinds).
     * A body that is not our JSON error shape is the server's failure.
     */
    public static Problem fromAnswer(String who, int status, String body) {
        JsonNode error;
        try {
            error = Json.MAPPER.readTree(body == null ? "" : body).path("error");
        } catch (Exception e) {
            error = com.fasterxml.jackson.databind.node.MissingNode.getInstance();
        }
        if (!error.path("message").isTextual()) {
            return new Problem(Kind.UPSTREAM_FAILED, "worker_failed", who + " answered HTTP " + status + " without a JSON error");
        }
        String code = error.path("code").asText("worker_error");
        return new Problem(kindOf(status, code, error.path("type").asText("")), code, error.path("message").asText());
    }

    /**
     * A stream's error frame ({@code {"error":{...}}}, no status to go by) as the Problem it stands for: the kind
     * read back from the error's type, and its code where one type serves several kinds.
     */
    public static Problem fromFrame(String who, String data) {
        JsonNode error;
        try {
            error = Json.MAPPER.readTree(data).path("error");
        } catch (Exception e) {
            error = com.fasterxml.jackson.databind.node.MissingNode.getInstance();
        }
        String message = error.isTextual() ? error.asText() : error.path("message").asText(who + " failed mid-stream");
        String code = error.path("code").asText("worker_error");
        Kind kind = switch (error.path("type").asText("")) {
            case "invalid_request_error" -> switch (code) {
                case "not_found" -> Kind.NOT_FOUND;
                case "cancelled" -> Kind.CANCELLED;
                case "payload_too_large" -> Kind.TOO_LARGE;
                default -> Kind.BAD_INPUT;
            };
            case "authentication_error" -> Kind.UNAUTHORIZED;
            case "rate_limit_error" -> Kind.BUSY;
            case "unavailable_error" -> code.equals("no_model_loaded") ? Kind.NO_MODEL : Kind.UNAVAILABLE;
            case "insufficient_memory" -> Kind.INSUFFICIENT_MEMORY;
            default -> switch (code) {
                case "worker_failed" -> Kind.UPSTREAM_FAILED;
                case "storage_error" -> Kind.STORAGE_FAILED;
                default -> Kind.INTERNAL;
            };
        };
        return new Problem(kind, code, message);
    }

    static Kind kindOf(int status, String code, String type) {
        return switch (status) {
            case 400, 405, 422 -> Kind.BAD_INPUT;
            case 401, 403 -> Kind.UNAUTHORIZED;
            case 404 -> Kind.NOT_FOUND;
            case 409 -> code.equals("cancelled") ? Kind.CANCELLED : Kind.BAD_INPUT;
            case 413 -> Kind.TOO_LARGE;
            case 429 -> Kind.BUSY;
            case 502, 504 -> Kind.UPSTREAM_FAILED;
            case 503 -> code.equals("no_model_loaded") ? Kind.NO_MODEL : Kind.UNAVAILABLE;
            case 507 -> type.equals("insufficient_memory") ? Kind.INSUFFICIENT_MEMORY : Kind.STORAGE_FAILED;
            default -> status >= 400 && status < 500 ? Kind.BAD_INPUT : Kind.INTERNAL;
        };
    }
}

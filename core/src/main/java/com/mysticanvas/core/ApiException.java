package com.mysticanvas.core;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An error that reaches the client as {@code {"error":{"message","type","code"}}} with an HTTP status.
 * 4xx for the caller's mistakes, 5xx only for real server faults.
 */
public class ApiException extends RuntimeException {
    private final int status;
    private final String type;
    private final String code;

    public ApiException(int status, String type, String code, String message) {
        super(message);
        this.status = status;
        this.type = type;
        this.code = code;
    }

    public static ApiException badRequest(String message) {
        return new ApiException(400, "invalid_request_error", "bad_request", message);
    }

    public static ApiException notFound(String message) {
        return new ApiException(404, "invalid_request_error", "not_found", message);
    }

    public static ApiException unauthorized(String message) {
        return new ApiException(401, "authentication_error", "unauthorized", message);
    }

    public static ApiException tooLarge(String message) {
        return new ApiException(413, "invalid_request_error", "payload_too_large", message);
    }

    public static ApiException tooManyRequests(String message) {
        return new ApiException(429, "rate_limit_error", "queue_full", message);
    }

    public static ApiException unavailable(String code, String message) {
        return new ApiException(503, "unavailable_error", code, message);
    }

    public static ApiException noModelLoaded(String what) {
        return unavailable("no_model_loaded", "no model loaded: " + what);
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String code() {
        return code;
    }

    /** The JSON body clients see. */
    public ObjectNode toJson() {
        return errorBody(getMessage(), type, code);
    }

    public static ObjectNode errorBody(String message, String type, String code) {
        ObjectNode root = Json.object();
        ObjectNode error = root.putObject("error");
        error.put("message", message);
        error.put("type", type);
        error.put("code", code);
        return root;
    }
}

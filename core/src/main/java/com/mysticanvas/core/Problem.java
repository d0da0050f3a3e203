package com.mysticanvas.core;

/**
 * Something a request cannot have, in words its user can act on, with the {@link Kind} of trouble it is and a
 * stable machine-readable {@code code} ({@code context_length_exceeded}, {@code queue_full} …). It knows no
 * HTTP: engines, parsers and stores throw it, and the HTTP layer ({@code core.http.HttpProblems}) turns the kind
 * into a status and the JSON error body, once. A user's cancel is not a problem: it is a plain
 * {@link java.util.concurrent.CancellationException}.
 */
public class Problem extends RuntimeException {
    /** What kind of trouble: this alone decides the status a client sees. */
    public enum Kind {
        /** The request is wrong: a malformed body, a value out of range, a file that is not a model. */
        BAD_INPUT,
        /** The caller did not prove who it is (no or a wrong API key, a worker without its secret). */
        UNAUTHORIZED,
        /** What the request names does not exist. */
        NOT_FOUND,
        /** The work was stopped on request before it produced its result. */
        CANCELLED,
        /** The request is larger than allowed (its body). */
        TOO_LARGE,
        /** A bound the caller can wait out is reached: a queue is full, too many streams are open. */
        BUSY,
        /** The work needs a model and none is loaded. */
        NO_MODEL,
        /** The service cannot take the work now: starting, loading, shutting down, every slot taken. */
        UNAVAILABLE,
        /** The work would not fit in the memory there is; refused before it started. */
        INSUFFICIENT_MEMORY,
        /** Storing failed (a full disk, a read-only data folder); nothing was saved. */
        STORAGE_FAILED,
        /** A process or server we passed the work to failed or answered nonsense. */
        UPSTREAM_FAILED,
        /** Our own fault. */
        INTERNAL
    }

    private final Kind kind;
    private final String code;

    public Problem(Kind kind, String code, String message) {
        super(message);
        this.kind = kind;
        this.code = code;
    }

    public Problem(Kind kind, String code, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.code = code;
    }

    public static Problem badInput(String message) {
        return new Problem(Kind.BAD_INPUT, "bad_request", message);
    }

    public static Problem badInput(String code, String message) {
        return new Problem(Kind.BAD_INPUT, code, message);
    }

    public static Problem notFound(String message) {
        return new Problem(Kind.NOT_FOUND, "not_found", message);
    }

    public static Problem unauthorized(String code, String message) {
        return new Problem(Kind.UNAUTHORIZED, code, message);
    }

    public static Problem tooLarge(String message) {
        return new Problem(Kind.TOO_LARGE, "payload_too_large", message);
    }

    public static Problem busy(String message) {
        return new Problem(Kind.BUSY, "queue_full", message);
    }

    public static Problem unavailable(String code, String message) {
        return new Problem(Kind.UNAVAILABLE, code, message);
    }

    public static Problem noModelLoaded(String what) {
        return new Problem(Kind.NO_MODEL, "no_model_loaded", "no model loaded: " + what);
    }

    public static Problem internal(String code, String message) {
        return new Problem(Kind.INTERNAL, code, message);
    }

    public Kind kind() {
        return kind;
    }

    public String code() {
        return code;
    }
}

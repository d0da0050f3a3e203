package com.mysticanvas.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.mysticanvas.core.Json;
import com.mysticanvas.core.Problem;
import com.mysticanvas.core.Problem.Kind;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;

class HttpProblemsTest {
    @Test
    void theBodyHasOpenAisShape() {
        assertThat(Json.write(HttpProblems.body(Problem.badInput("steps must be 1..150")))).isEqualTo(
                "{\"error\":{\"message\":\"steps must be 1..150\",\"type\":\"invalid_request_error\",\"code\":\"bad_request\"}}");
    }

    @Test
    void eachKindHasTheStatusTheApiDocuments() {
        assertThat(HttpProblems.status(Kind.BAD_INPUT)).isEqualTo(400);
        assertThat(HttpProblems.status(Kind.UNAUTHORIZED)).isEqualTo(401);
        assertThat(HttpProblems.status(Kind.NOT_FOUND)).isEqualTo(404);
        assertThat(HttpProblems.status(Kind.CANCELLED)).isEqualTo(409);
        assertThat(HttpProblems.status(Kind.TOO_LARGE)).isEqualTo(413);
        assertThat(HttpProblems.status(Kind.BUSY)).isEqualTo(429);
        assertThat(HttpProblems.status(Kind.INTERNAL)).isEqualTo(500);
        assertThat(HttpProblems.status(Kind.UPSTREAM_FAILED)).isEqualTo(502);
        assertThat(HttpProblems.status(Kind.NO_MODEL)).isEqualTo(503);
        assertThat(HttpProblems.status(Kind.UNAVAILABLE)).isEqualTo(503);
        assertThat(HttpProblems.status(Kind.INSUFFICIENT_MEMORY)).isEqualTo(507);
        assertThat(HttpProblems.type(Kind.INSUFFICIENT_MEMORY)).isEqualTo("insufficient_memory");
        assertThat(HttpProblems.status(Kind.STORAGE_FAILED)).isEqualTo(507);
    }

    @Test
    void everyProblemReadBackFromItsAnswerIsTheSameProblem() {
        for (Kind kind : Kind.values()) {
            Problem sent = new Problem(kind, kind == Kind.NO_MODEL ? "no_model_loaded" : kind == Kind.CANCELLED ? "cancelled"
                    : "some_code", "what went wrong");
            Problem read = HttpProblems.fromAnswer("sd-worker", HttpProblems.status(kind), Json.write(HttpProblems.body(sent)));
            assertThat(read.kind()).as(kind.name()).isEqualTo(kind);
            assertThat(read.code()).isEqualTo(sent.code());
            assertThat(read.getMessage()).isEqualTo("what went wrong");
        }
    }

    @Test
    void everyProblemReadBackFromItsStreamErrorFrameIsTheSameProblem() {
        for (Kind kind : Kind.values()) {
            String code = switch (kind) {
                case NO_MODEL -> "no_model_loaded";
                case CANCELLED -> "cancelled";
                case NOT_FOUND -> "not_found";
                case TOO_LARGE -> "payload_too_large";
                case UPSTREAM_FAILED -> "worker_failed";
                case STORAGE_FAILED -> "storage_error";
                default -> "some_code";
            };
            Problem read = HttpProblems.fromFrame("llm-worker", Json.write(HttpProblems.body(new Problem(kind, code, "gone"))));
            assertThat(read.kind()).as(kind.name()).isEqualTo(kind);
            assertThat(read.code()).isEqualTo(code);
            assertThat(read.getMessage()).isEqualTo("gone");
        }
        assertThat(HttpProblems.fromFrame("llm-worker", "{}").kind()).isEqualTo(Kind.INTERNAL);
    }

    @Test
    void anAnswerThatIsNoJsonErrorIsTheServersFailureAndSaysWho() {
        for (String body : new String[] {"<html>Bad Gateway</html>", "", "{\"error\":\"flat\"}", "[1]"}) {
            Problem p = HttpProblems.fromAnswer("llm-worker", 500, body);
            assertThat(p.kind()).as(body).isEqualTo(Kind.UPSTREAM_FAILED);
            assertThat(p.code()).isEqualTo("worker_failed");
            assertThat(p.getMessage()).isEqualTo("llm-worker answered HTTP 500 without a JSON error");
        }
    }

    @Test
    void aCancelIsAPlainExceptionToldAs409() {
        Problem p = HttpProblems.cancelled(new CancellationException("generation was interrupted"));
        assertThat(p.kind()).isEqualTo(Kind.CANCELLED);
        assertThat(Json.write(HttpProblems.body(p))).contains("\"code\":\"cancelled\"", "generation was interrupted");
    }
}

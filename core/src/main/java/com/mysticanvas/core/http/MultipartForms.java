package com.mysticanvas.core.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Json;
import com.mysticanvas.core.Problem;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import org.eclipse.jetty.http.MultiPart;
import org.eclipse.jetty.http.MultiPartFormData;
import org.eclipse.jetty.io.Content;

/**
 * OpenAI clients send image edits as {@code multipart/form-data}; the routes read them as the JSON body they stand for.
 * One reader for the image worker and the orchestrator (which reads a form's model to route it, from the bytes it
 * also forwards), on Jetty's parser.
 */
public final class MultipartForms {
    private MultipartForms() {}

    public static boolean isMultipart(String contentType) {
        return contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("multipart/form-data");
    }

    /**
     * The form as JSON: the first {@code image} (or {@code image[]}) and {@code mask} files as base64 fields, every other
     * field typed as JSON would type it (numbers and booleans as such, the rest as text). A malformed form is a 400.
     */
    public static ObjectNode toJson(String contentType, byte[] body) {
        String boundary = MultiPart.extractBoundary(contentType);
        if (boundary == null) {
            throw Problem.badInput("a multipart/form-data body needs a boundary in its Content-Type");
        }
        MultiPartFormData.Parser parser = new MultiPartFormData.Parser(boundary);
        parser.setMaxMemoryFileSize(Long.MAX_VALUE); // the body is in memory already: no files on disk
        ObjectNode out = Json.object();
        try (MultiPartFormData.Parts parts = parser.parse(Content.Source.from(ByteBuffer.wrap(body))).get()) {
            for (MultiPart.Part part : parts) {
                String name = part.getName();
                if (part.getFileName() != null) {
                    String field = name.equals("mask") ? "mask" : name.equals("image") || name.equals("image[]") ? "image" : null;
                    if (field != null && !out.has(field)) {
                        ByteBuffer content = Content.Source.asByteBuffer(part.createContentSource());
                        byte[] bytes = new byte[content.remaining()];
                        content.get(bytes);
                        out.put(field, Base64.getEncoder().encodeToString(bytes));
                    }
                } else if (name != null) {
                    out.set(name, typed(part.getContentAsString(StandardCharsets.UTF_8)));
                }
            }
        } catch (ExecutionException | IOException e) {
            Throwable why = e instanceof ExecutionException ? e.getCause() : e;
            throw Problem.badInput("the multipart form cannot be read: " + why.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Problem.unavailable("interrupted", "interrupted while reading the form");
        }
        return out;
    }

    private static JsonNode typed(String value) {
        return value.matches("-?\\d+(\\.\\d+)?|true|false") ? Json.parse(value) : Json.MAPPER.getNodeFactory().textNode(value);
    }
}

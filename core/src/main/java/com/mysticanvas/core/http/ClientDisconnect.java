package com.mysticanvas.core.http;

import io.javalin.http.Context;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;

import java.io.IOException;

/**
 * Notice that a client hung up while its answer, sent in one piece, is still being worked out, so that the work
 * stops (a stream learns it from its next write). Jetty reads nothing from a connection while a request is being
 * handled, so this asks to be called when the socket becomes readable: an HTTP/1.1 client waiting for its answer
 * sends nothing more, so readable means it closed (the read sees the end) or broke the protocol. The answer then
 * closes the connection ({@code Connection: close}), which keeps Jetty's own reading of the next request clear of
 * this one.
 */
public final class ClientDisconnect {
    private ClientDisconnect() {}

    /** Runs {@code action} (once, on a Jetty thread) if the client closes its connection before the answer is sent. */
    public static void whenGone(Context ctx, Runnable action) {
        ServletContextRequest request = ServletContextRequest.getServletContextRequest(ctx.req());
        if (request == null || !"HTTP/1.1".equals(ctx.protocol()) && !"HTTP/1.0".equals(ctx.protocol())) {
            return;
        }
        EndPoint endPoint = request.getConnectionMetaData().getConnection().getEndPoint();
        if (endPoint.tryFillInterested(new Callback() {
            @Override
            public void succeeded() {
                try {
                    int read = endPoint.fill(BufferUtil.allocate(1)); // Jetty's buffers start empty, in flush mode
                    if (read < 0) {
                        action.run();
                    } else if (read == 0) {
                        endPoint.tryFillInterested(this); // woken for nothing: keep listening
                    }
                } catch (IOException e) {
                    action.run();
                }
            }

            @Override
            public void failed(Throwable x) {
                action.run(); // the connection failed or closed (also after the answer: then there is nothing to stop)
            }
        })) {
            ctx.header("Connection", "close");
        }
    }
}

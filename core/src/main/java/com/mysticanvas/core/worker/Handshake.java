package com.mysticanvas.core.worker;

import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one line a worker prints on stdout once it listens: {@code MYSTI_READY port=NNNNN}.
 * Every other output line is plain log and is forwarded by the orchestrator.
 */
public final class Handshake {
    /** Environment variable carrying the per-run secret workers require on every request. */
    public static final String SECRET_ENV = "MYSTI_WORKER_SECRET";
    /** Header the orchestrator adds when it talks to a worker. */
    public static final String SECRET_HEADER = "X-Mysti-Worker-Secret";

    private static final Pattern READY = Pattern.compile("^MYSTI_READY port=(\\d{1,5})$");

    private Handshake() {}

    public static String readyLine(int port) {
        return "MYSTI_READY port=" + port;
    }

    public static OptionalInt parse(String line) {
        Matcher m = READY.matcher(line.strip());
        if (!m.matches()) {
            return OptionalInt.empty();
        }
        int port = Integer.parseInt(m.group(1));
        return port > 0 && port < 65536 ? OptionalInt.of(port) : OptionalInt.empty();
    }
}

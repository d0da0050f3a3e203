package com.mysticanvas.orchestrator.workers;

import java.time.Duration;

/**
 * How the process manager watches workers. A worker is killed and restarted after
 * {@code healthFailuresToRestart} failed checks in a row; back-off resets once it stayed up {@code stableAfter}.
 */
public record SupervisorTiming(Duration healthInterval, Duration healthTimeout, int healthFailuresToRestart,
                               Duration handshakeTimeout, Duration stableAfter) {
    public static final SupervisorTiming DEFAULT = new SupervisorTiming(Duration.ofSeconds(2), Duration.ofSeconds(3), 3,
            Duration.ofSeconds(120), Duration.ofSeconds(60));
}

package dev.tnorders.opentact.ops;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tnorders.opentact.client.OpentactApi;
import dev.tnorders.opentact.control.IntakeControl;

/**
 * While intake is paused for a refused token, asks Opentact now and then whether the token works
 * again (a cheap, idempotent GET of one lease) and resumes intake when it does. Run by the
 * auth-probe timer route every {@code opentact.api.auth-probe-interval-ms}.
 */
public class AuthProbe {

    private static final Logger LOG = LoggerFactory.getLogger(AuthProbe.class);

    private final OpentactApi api;
    private final IntakeControl intake;

    public AuthProbe(OpentactApi api, IntakeControl intake) {
        this.api = api;
        this.intake = intake;
    }

    /** @return whether this probe resumed intake */
    public boolean probe() {
        if (!intake.isPausedForToken()) {
            return false;
        }
        try {
            api.call("GET", "/rest/lease/tn", "take=1&skip=0", null);
            return intake.resume();
        } catch (Exception e) {
            LOG.warn("Intake stays paused: {}", e.getMessage());
            return false;
        }
    }
}

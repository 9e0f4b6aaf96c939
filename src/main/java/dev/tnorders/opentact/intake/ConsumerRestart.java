package dev.tnorders.opentact.intake;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tnorders.opentact.ops.IntakeControl;

/**
 * Gives a poll back to Kafka after it failed in batching mode. camel-kafka's batching consumer
 * moves on past a failed poll (it cannot seek back like breakOnFirstError does for single
 * records), so the records would only come back after a restart: restart the consumer route at
 * once, and refuse every poll until then, so that no later offset is committed past them.
 * Nothing is lost or repeated: the offsets were not committed, and the journal tells what each
 * request had already reached.
 */
public class ConsumerRestart implements CamelContextAware {

    private static final Logger LOG = LoggerFactory.getLogger(ConsumerRestart.class);

    private final AtomicBoolean pending = new AtomicBoolean();
    private CamelContext camelContext;
    private ExecutorService executor;

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    /** Restarts the route on another thread (it waits for the failing poll to end first). */
    public void restart(String routeId, String why) {
        if (!pending.compareAndSet(false, true)) {
            return;
        }
        LOG.warn("Giving the poll back to Kafka ({}): restarting route {} to read its records again", why, routeId);
        synchronized (this) {
            if (executor == null) {
                executor = camelContext.getExecutorServiceManager().newSingleThreadExecutor(this, "consumer-restart");
            }
        }
        executor.submit(() -> {
            try {
                camelContext.getRouteController().stopRoute(routeId);
                camelContext.getRouteController().startRoute(routeId);
            } catch (Exception e) {
                LOG.error("Could not restart route {}: {}", routeId, e.getMessage(), e);
            } finally {
                pending.set(false);
            }
        });
    }

    /** @throws IntakeControl.IntakePausedException while a restart is pending: this poll must not be committed */
    public void refuseWhilePending() {
        if (pending.get()) {
            throw new IntakeControl.IntakePausedException("the consumer is restarting to read a failed poll again");
        }
    }
}

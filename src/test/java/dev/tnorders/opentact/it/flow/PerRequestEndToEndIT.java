package dev.tnorders.opentact.it.flow;

import dev.tnorders.opentact.it.RunningApp;

/**
 * Every {@link EndToEndIT} scenario again in the per-request mode ({@code opentact.order.batching=false}),
 * so that the mode kept for those who switch batching off stays proven end to end in the default
 * build (the other ITs run in the default, batching mode; {@code -Dit.batching=false} runs them
 * all per request).
 */
class PerRequestEndToEndIT extends EndToEndIT {

    @Override
    protected RunningApp app() {
        return super.app().with("opentact.order.batching", "false");
    }
}

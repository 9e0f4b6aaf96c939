package com.example.desk;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import dev.tnorders.opentact.hosttest.HostDeployment;

/**
 * The deployment (the library's host test support: a real Kafka broker and the Opentact sandbox over
 * HTTP at the addresses that this JVM's environment variables name, set by the build: surefire's
 * environmentVariables in pom.xml), started before the application, stopped after it. It gives the
 * application no configuration: the application reads the same variables itself.
 * (No Dev Services: they would need Docker.)
 */
public class DeskDeployment implements QuarkusTestResourceLifecycleManager {

    static HostDeployment deployment;

    @Override
    public Map<String, String> start() {
        try {
            deployment = HostDeployment.start();
            return Map.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void stop() {
        if (deployment != null) {
            deployment.close();
        }
    }
}

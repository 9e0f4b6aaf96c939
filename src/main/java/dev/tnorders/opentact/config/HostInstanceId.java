package dev.tnorders.opentact.config;

import java.io.IOException;
import java.net.InetAddress;

/**
 * This host's name as an instance id: the default of {@code opentact.inbox.instance-id}, which the
 * inbox claims and the requests consumers' static group instance ids are named after.
 */
public final class HostInstanceId {

    private static volatile String current;

    private HostInstanceId() {
    }

    /** The host name as an instance id, looked up once. */
    public static String current() {
        String id = current;
        if (id == null) {
            id = of(hostName());
            current = id;
        }
        return id;
    }

    /** A host name made into an instance id: every other character becomes {@code _}. */
    public static String of(String hostName) {
        String s = hostName == null || hostName.isBlank() ? "localhost" : hostName.strip();
        s = s.replaceAll("[^A-Za-z0-9._-]", "_");
        if (s.startsWith(".")) {
            s = "_" + s.substring(1);
        }
        return s.length() > 128 ? s.substring(0, 128) : s;
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException | RuntimeException e) {
            return System.getenv().getOrDefault("HOSTNAME", System.getenv("COMPUTERNAME"));
        }
    }
}

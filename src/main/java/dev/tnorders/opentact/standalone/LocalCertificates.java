package dev.tnorders.opentact.standalone;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Throwaway certificates for a secured {@link EmbeddedKafkaBroker} on this machine (tests, the
 * embedding hosts' tests, trying TLS locally): a CA made with the JDK's keytool, valid two days,
 * and a broker certificate it signed for 127.0.0.1 / localhost, as PKCS12 key store (broker key
 * and chain) and trust store (the CA); client certificates for mTLS. Never for a real broker.
 */
public final class LocalCertificates {

    private LocalCertificates() {
    }

    /** The CA and the broker's key store and trust store in {@code dir}, all under {@code password}. */
    public static EmbeddedKafkaBroker.Tls make(Path dir, String password) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path ca = dir.resolve("ca.p12");
        Path broker = dir.resolve("broker.p12");
        Path trust = dir.resolve("truststore.p12");
        Path csr = dir.resolve("broker.csr");
        Path crt = dir.resolve("broker.crt");
        Path caCrt = dir.resolve("ca.crt");
        String[] store = {"-storetype", "PKCS12", "-storepass", password, "-keypass", password};
        keytool(store, "-genkeypair", "-alias", "ca", "-dname", "CN=opentact-test-ca", "-ext", "bc:c",
                "-keyalg", "RSA", "-keysize", "2048", "-validity", "2", "-keystore", ca.toString());
        keytool(store, "-exportcert", "-rfc", "-alias", "ca", "-keystore", ca.toString(), "-file", caCrt.toString());
        keytool(store, "-genkeypair", "-alias", "broker", "-dname", "CN=localhost", "-keyalg", "RSA", "-keysize", "2048",
                "-validity", "2", "-keystore", broker.toString());
        keytool(store, "-certreq", "-alias", "broker", "-keystore", broker.toString(), "-file", csr.toString());
        keytool(store, "-gencert", "-rfc", "-alias", "ca", "-keystore", ca.toString(), "-infile", csr.toString(),
                "-outfile", crt.toString(), "-validity", "2", "-ext", "SAN=ip:127.0.0.1,dns:localhost");
        keytool(store, "-importcert", "-noprompt", "-alias", "ca", "-file", caCrt.toString(), "-keystore", broker.toString());
        keytool(store, "-importcert", "-alias", "broker", "-file", crt.toString(), "-keystore", broker.toString());
        keytool(store, "-importcert", "-noprompt", "-alias", "ca", "-file", caCrt.toString(), "-keystore", trust.toString());
        return new EmbeddedKafkaBroker.Tls(broker, trust, password, "PKCS12");
    }

    /** A client's key store (PKCS12): a key and a certificate for {@code cn} signed by the CA of {@link #make} in {@code dir}. */
    public static Path client(Path dir, String password, String cn) throws IOException, InterruptedException {
        Path ca = dir.resolve("ca.p12");
        Path caCrt = dir.resolve("ca.crt");
        Path client = dir.resolve(cn + ".p12");
        Path csr = dir.resolve(cn + ".csr");
        Path crt = dir.resolve(cn + ".crt");
        String[] store = {"-storetype", "PKCS12", "-storepass", password, "-keypass", password};
        keytool(store, "-genkeypair", "-alias", "client", "-dname", "CN=" + cn, "-keyalg", "RSA", "-keysize", "2048",
                "-validity", "2", "-keystore", client.toString());
        keytool(store, "-certreq", "-alias", "client", "-keystore", client.toString(), "-file", csr.toString());
        keytool(store, "-gencert", "-rfc", "-alias", "ca", "-keystore", ca.toString(), "-infile", csr.toString(),
                "-outfile", crt.toString(), "-validity", "2");
        keytool(store, "-importcert", "-noprompt", "-alias", "ca", "-file", caCrt.toString(), "-keystore", client.toString());
        keytool(store, "-importcert", "-alias", "client", "-file", crt.toString(), "-keystore", client.toString());
        return client;
    }

    private static void keytool(String[] store, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        command.addAll(List.of(store));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("keytool " + args[0] + " failed: " + out);
        }
    }
}

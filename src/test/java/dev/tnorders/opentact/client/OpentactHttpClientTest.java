package dev.tnorders.opentact.client;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpServer;

import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The call's admission runs inside the HTTP client once its connection is made, before a byte of
 * the request is written: a call refused there never reaches Opentact, and a call's turn is not
 * spent while its connection is still being opened.
 */
class OpentactHttpClientTest {

    private static CloseableHttpClient client() {
        HttpClientBuilder b = HttpClientBuilder.create();
        new OpentactHttpClient().configureHttpClient(b);
        return b.build();
    }

    @Test
    void aCallRefusedAtItsAdmissionHasItsConnectionButWritesNothing() throws Exception {
        AtomicInteger connections = new AtomicInteger();
        AtomicInteger bytes = new AtomicInteger(-1);
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
             CloseableHttpClient client = client()) {
            Thread reader = new Thread(() -> {
                try (Socket s = server.accept()) {
                    connections.incrementAndGet();
                    s.setSoTimeout(3000);
                    InputStream in = s.getInputStream();
                    int n = 0;
                    try {
                        while (in.read() >= 0) {
                            n++;
                        }
                    } catch (SocketTimeoutException e) {
                        // nothing more came
                    } catch (IOException e) {
                        // the client closed the connection (reset): what came before counts
                    }
                    bytes.set(n);
                } catch (Exception e) {
                    bytes.set(-2);
                }
            }, "test-server");
            reader.setDaemon(true);
            reader.start();

            AtomicInteger admissions = new AtomicInteger();
            SendAdmission.arm(() -> {
                admissions.incrementAndGet();
                throw new CallNotSentException("no turn within the rate limit; it was not sent", null);
            });
            HttpGet get = new HttpGet("http://127.0.0.1:" + server.getLocalPort() + "/rest/order/price");
            assertThatThrownBy(() -> client.execute(get, r -> r.getCode())).isInstanceOf(CallNotSentException.class);

            assertThat(admissions).hasValue(1);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(bytes.get()).isGreaterThanOrEqualTo(0));
            assertThat(connections).as("the connection was made before the admission").hasValue(1);
            assertThat(bytes).as("no byte of the request was written").hasValue(0);
        } finally {
            SendAdmission.disarm();
        }
    }

    @Test
    void anAdmittedCallIsSentOnceAndTheAdmissionIsNotLeftArmed() throws Exception {
        AtomicInteger requests = new AtomicInteger();
        HttpServer server = answering(requests::incrementAndGet);
        try (CloseableHttpClient client = client()) {
            AtomicInteger admissions = new AtomicInteger();
            SendAdmission.arm(admissions::incrementAndGet);
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/rest/order";
            assertThat((int) client.execute(new HttpGet(url), r -> r.getCode())).isEqualTo(200);
            assertThat((int) client.execute(new HttpGet(url), r -> r.getCode())).isEqualTo(200);
            assertThat(admissions).as("armed once, carried out once").hasValue(1);
            assertThat(requests).hasValue(2);
        } finally {
            server.stop(0);
            SendAdmission.disarm();
        }
    }

    /**
     * The turn counts until the request was written: the client says so once the request's head is
     * out, on the thread that sends, before the answer is read; a call that ended without (refused,
     * no connection) says so when it ends.
     */
    @Test
    void aCallCountsAsLeftOnceItsRequestWasWrittenBeforeItsAnswer() throws Exception {
        AtomicInteger leftBeforeAnswer = new AtomicInteger(-1);
        AtomicInteger left = new AtomicInteger();
        HttpServer server = answering(() -> leftBeforeAnswer.set(left.get()));
        try (CloseableHttpClient client = client()) {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/rest/order";
            SendAdmission.arm(() -> SendAdmission.leaving(counting(left, 0)), () -> { });
            assertThat((int) client.execute(new HttpGet(url), r -> r.getCode())).isEqualTo(200);
            assertThat(leftBeforeAnswer).as("left when written, before the server answered").hasValue(1);
            SendAdmission.disarm();
            assertThat(left).as("once").hasValue(1);

            SendAdmission.arm(() -> {
                SendAdmission.leaving(counting(left, 0));
                throw new CallNotSentException("refused after its turn", null);
            });
            assertThatThrownBy(() -> client.execute(new HttpGet(url), r -> r.getCode())).isInstanceOf(CallNotSentException.class);
            assertThat(left).as("not written: not yet left").hasValue(1);
            SendAdmission.disarm();
            assertThat(left).as("left when the call ended").hasValue(2);
        } finally {
            server.stop(0);
            SendAdmission.disarm();
        }
    }

    /**
     * The client asks right before it writes: a call whose turn is older than a pause allows is
     * admitted again there, after its connection was made, and then written once.
     */
    @Test
    void aCallHeldUpSinceItsTurnIsAdmittedAgainRightBeforeItIsWritten() throws Exception {
        AtomicInteger requests = new AtomicInteger();
        HttpServer server = answering(requests::incrementAndGet);
        try (CloseableHttpClient client = client()) {
            AtomicInteger admissions = new AtomicInteger();
            AtomicInteger requeued = new AtomicInteger();
            AtomicInteger left = new AtomicInteger();
            SendAdmission.arm(() -> {
                // the first turn as if taken before a pause of the JVM
                long ago = admissions.incrementAndGet() == 1 ? SendAdmission.TURN_MAX_AGE_MS + 1000 : 0;
                SendAdmission.leaving(counting(left, ago));
            }, requeued::incrementAndGet);
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/rest/order";
            assertThat((int) client.execute(new HttpGet(url), r -> r.getCode())).isEqualTo(200);
            assertThat(admissions).as("admitted again before the write").hasValue(2);
            assertThat(requeued).hasValue(1);
            assertThat(left).as("the new turn left; the old one was given back").hasValue(1);
            assertThat(requests).hasValue(1);
        } finally {
            server.stop(0);
            SendAdmission.disarm();
        }
    }

    /** A server on loopback that runs {@code onRequest} for each request and answers 200. */
    private static HttpServer answering(Runnable onRequest) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 5);
        server.createContext("/", ex -> {
            onRequest.run();
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        server.start();
        return server;
    }

    /** A turn taken {@code agoMs} before now that counts its leaving in {@code left}. */
    private static Departing counting(AtomicInteger left, long agoMs) {
        return FakeTurn.taken(agoMs, left::incrementAndGet, () -> { });
    }
}

package dev.tnorders.opentact.client;

import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;

/**
 * {@link OpentactApi} over the client routes: {@code direct:opentact-call} (sent once) and
 * {@code direct:opentact-call-idempotent} (Camel's redelivery, opentact-client.camel.yaml).
 */
public class CamelOpentactApi implements OpentactApi, CamelContextAware {

    private CamelContext camelContext;
    private volatile ProducerTemplate template;

    @Override
    public ApiResponse call(String method, String path, String query, String body) throws Exception {
        return send("direct:opentact-call", method, path, query, body);
    }

    @Override
    public ApiResponse callIdempotent(String method, String path, String query, String body) throws Exception {
        return send("direct:opentact-call-idempotent", method, path, query, body);
    }

    private ApiResponse send(String uri, String method, String path, String query, String body) throws Exception {
        Exchange answer = template().send(uri, exchange -> {
            exchange.getMessage().setBody(body);
            exchange.getMessage().setHeader(Exchange.HTTP_METHOD, method);
            exchange.getMessage().setHeader(Exchange.HTTP_PATH, path);
            if (query != null) {
                exchange.getMessage().setHeader(Exchange.HTTP_QUERY, query);
            }
        });
        if (answer.getException() != null) {
            throw answer.getException();
        }
        return answer.getMessage().getBody(ApiResponse.class);
    }

    private ProducerTemplate template() {
        ProducerTemplate t = template;
        if (t == null) {
            synchronized (this) {
                if (template == null) {
                    template = camelContext.createProducerTemplate();
                }
                t = template;
            }
        }
        return t;
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }
}

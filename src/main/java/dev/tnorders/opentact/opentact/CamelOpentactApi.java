package dev.tnorders.opentact.opentact;

import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;

/** {@link OpentactApi} over the {@code direct:opentact-call} route. */
public class CamelOpentactApi implements OpentactApi, CamelContextAware {

    private CamelContext camelContext;
    private volatile ProducerTemplate template;

    @Override
    public ApiResponse call(String method, String path, String query, String body) throws Exception {
        Exchange answer = template().send("direct:opentact-call", exchange -> {
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

package dev.tnorders.opentact.model;

import java.math.BigDecimal;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;


/**
 * Test data: an {@link OrderRequest} named by what a test cares about, the rest at plain values
 * (voice, autorenew, no limits, no source, received at {@link #RECEIVED_AT}).
 * {@code request("r1").tns("+12029822917").maxNrc("1.00").build()}.
 */
public final class RequestBuilder {

    /** When a built request was received, unless told. */
    public static final String RECEIVED_AT = "2026-12-01T10:00:00.000Z";

    private final String requestId;
    private List<String> tns;
    private CriteriaSearch search;
    private Set<Feature> features = EnumSet.of(Feature.VOICE);
    private boolean autorenew = true;
    private String profile;
    private String sipConnection;
    private String sipControlApp;
    private BigDecimal maxNrc;
    private BigDecimal maxMrc;
    private RequestSource source;
    private String receivedAt = RECEIVED_AT;

    private RequestBuilder(String requestId) {
        this.requestId = requestId;
    }

    /** A request with this id. */
    public static RequestBuilder request(String requestId) {
        return new RequestBuilder(requestId);
    }

    /** A numbers request for these numbers. */
    public RequestBuilder tns(String... tns) {
        return tns(List.of(tns));
    }

    public RequestBuilder tns(List<String> tns) {
        this.tns = tns;
        return this;
    }

    /** A criteria request. */
    public RequestBuilder search(CriteriaSearch search) {
        this.search = search;
        return this;
    }

    public RequestBuilder features(Set<Feature> features) {
        this.features = features;
        return this;
    }

    public RequestBuilder features(Feature first, Feature... rest) {
        return features(EnumSet.of(first, rest));
    }

    public RequestBuilder autorenew(boolean autorenew) {
        this.autorenew = autorenew;
        return this;
    }

    public RequestBuilder profile(String profile) {
        this.profile = profile;
        return this;
    }

    public RequestBuilder sipConnection(String sipConnection) {
        this.sipConnection = sipConnection;
        return this;
    }

    public RequestBuilder sipControlApp(String sipControlApp) {
        this.sipControlApp = sipControlApp;
        return this;
    }

    /** The one-time price limit, as written (null: none). */
    public RequestBuilder maxNrc(String maxNrc) {
        return maxNrc(maxNrc == null ? null : new BigDecimal(maxNrc));
    }

    public RequestBuilder maxNrc(BigDecimal maxNrc) {
        this.maxNrc = maxNrc;
        return this;
    }

    /** The monthly price limit, as written (null: none). */
    public RequestBuilder maxMrc(String maxMrc) {
        return maxMrc(maxMrc == null ? null : new BigDecimal(maxMrc));
    }

    public RequestBuilder maxMrc(BigDecimal maxMrc) {
        this.maxMrc = maxMrc;
        return this;
    }

    public RequestBuilder source(RequestSource source) {
        this.source = source;
        return this;
    }

    public RequestBuilder receivedAt(String receivedAt) {
        this.receivedAt = receivedAt;
        return this;
    }

    public OrderRequest build() {
        return new OrderRequest(requestId, tns, search, features, autorenew, profile, sipConnection, sipControlApp,
                maxNrc, maxMrc, source, receivedAt);
    }
}

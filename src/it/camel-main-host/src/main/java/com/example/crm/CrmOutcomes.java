package com.example.crm;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** What the host does with an outcome: it keeps the last one of each request (a CRM would update its customer). */
public class CrmOutcomes {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final Map<String, JsonNode> byRequest = new ConcurrentHashMap<>();

    public void received(String outcome) throws Exception {
        JsonNode json = MAPPER.readTree(outcome);
        byRequest.put(json.path("request_id").asText(), json);
    }

    /** The last outcome of this request, or null. */
    public JsonNode of(String requestId) {
        return byRequest.get(requestId);
    }
}

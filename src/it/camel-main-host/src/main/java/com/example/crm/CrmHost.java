package com.example.crm;

import org.apache.camel.main.Main;

/**
 * The host application: plain Camel Main. Everything it runs is chosen in
 * application.properties: the Opentact order routes and beans from the library jar, and its own
 * routes; the deployment's settings come from environment variables.
 */
public final class CrmHost {

    private CrmHost() {
    }

    public static Main create() {
        Main main = new Main(CrmHost.class);
        main.bind("crmOutcomes", new CrmOutcomes());
        return main;
    }

    public static void main(String[] args) throws Exception {
        create().run(args);
    }
}

package com.example.crm;

import org.apache.camel.main.Main;

/**
 * The host application: plain Camel Main. Everything it runs is chosen in
 * application.properties: the Opentact order routes from the library jar, and its own routes.
 */
public final class CrmHost {

    private CrmHost() {
    }

    public static Main create() {
        return new Main(CrmHost.class);
    }

    public static void main(String[] args) throws Exception {
        create().run(args);
    }
}

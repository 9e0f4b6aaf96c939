/**
 * What the host builds under src/it (Camel Main, Spring Boot, Quarkus) share in their tests: the
 * deployment they start (a real Kafka broker and the Opentact sandbox, plain or secured), reading and
 * writing the host's topics, and the checks every host makes on its Camel context. Shipped to them as
 * this project's test-jar (pom.xml: maven-jar-plugin test-jar, this package only), a test-scope
 * dependency of each host; nothing here reaches the library jar. Only what is the same in every host
 * lives here: each host's test keeps what is its own (how it starts, its routes, its runtime's
 * logging, health and metrics).
 */
package dev.tnorders.opentact.hosttest;

// After the host's build: its tests ran, Quarkus built the application, and what it got at runtime
// from the library is clean.
def reports = new File(basedir, 'target/surefire-reports')
assert reports.isDirectory() : 'the host tests did not run'
def ran = reports.listFiles().findAll { it.name.endsWith('.txt') }.collect { it.text }.join('\n')
assert ran =~ /Tests run: [1-9]/ : 'no host test ran'
assert new File(basedir, 'target/quarkus-app/quarkus-run.jar').isFile() : 'quarkus-maven-plugin built no application'

def runtime = new File(basedir, 'target/runtime-dependencies.txt').text
assert runtime.contains('dev.tnorders:opentact-order-routes:jar')
// A host gets no Kafka broker unless it asks (this one asks only in test scope).
assert !runtime.contains('org.apache.kafka:kafka_2.13') : 'kafka_2.13 reached the host at runtime:\n' + runtime
assert !runtime.contains('org.apache.kafka:kafka-server') : 'kafka-server reached the host at runtime:\n' + runtime
// The library jar the host got (as invoker:install put it into the local repository) holds no sandbox
// and no standalone run: those are the standalone jar's, which this host takes in test scope only.
def libraryJar = new File(localRepositoryPath.toString(), "dev/tnorders/opentact-order-routes/${libraryVersion}/opentact-order-routes-${libraryVersion}.jar")
assert libraryJar.isFile() : 'no library jar at ' + libraryJar
def strays = new java.util.zip.ZipFile(libraryJar).withCloseable { jar ->
    Collections.list(jar.entries())*.name.findAll { it =~ /^dev\/tnorders\/opentact\/(sandbox|standalone)\/./ } }
assert strays.isEmpty() : 'the library jar holds the sandbox or the standalone run: ' + strays
assert !runtime.contains('opentact-order-routes:jar:standalone') : 'the standalone jar reached the host at runtime:\n' + runtime
// One Camel line: every Camel jar, the library's own Camel dependencies included, on the Camel
// that Camel Quarkus is built on (camel-quarkus-bom), not on the one the library was built with.
def camelVersions = (runtime =~ /org\.apache\.camel:[\w.-]+:jar:([^:\s]+):/).collect { it[1] }.unique()
assert camelVersions.size() == 1 : 'Camel jars of more than one version reached the host ' + camelVersions + ':\n' + runtime
// Quarkus logs through JBoss LogManager: the library must not bring a second SLF4J binding.
assert !runtime.contains('log4j-slf4j2-impl') && !runtime.contains('slf4j-reload4j') && !runtime.contains('slf4j-simple') &&
        !runtime.contains('logback-classic') : 'a second SLF4J binding reached the host:\n' + runtime
return true

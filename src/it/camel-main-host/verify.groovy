// After the host's build: its tests ran, and what it got at runtime from the library is clean.
def reports = new File(basedir, 'target/surefire-reports')
assert reports.isDirectory() : 'the host tests did not run'
def ran = reports.listFiles().findAll { it.name.endsWith('.txt') }.collect { it.text }.join('\n')
assert ran =~ /Tests run: [1-9]/ : 'no host test ran'

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

// The host is the Camel Main snippet of the library's docs/embedding.md: its properties (but for the
// host's name) and its outcome consumer, line for line (comments aside).
def docs = new File(basedir, '../../../docs/embedding.md').text
def section = docs.substring(docs.indexOf('## Camel Main'), docs.indexOf('## Spring Boot'))
def block = { String lang -> def m = (section =~ /(?s)```${lang}\n(.*?)```/); assert m.find() : "no ${lang} block"; m.group(1) }
def lines = { String text -> text.readLines().collect { it.trim() }.findAll { it && !it.startsWith('#') } }
def props = lines(new File(basedir, 'src/main/resources/application.properties').text).findAll { !it.startsWith('camel.main.name') }
assert lines(block('properties')) == props : 'docs/embedding.md Camel Main properties differ from the host:\n' + block('properties')
assert lines(block('yaml')) == lines(new File(basedir, 'src/main/resources/crm-routes/crm-outcomes.camel.yaml').text) :
        'docs/embedding.md outcome consumer differs from the host crm-outcomes.camel.yaml'
return true

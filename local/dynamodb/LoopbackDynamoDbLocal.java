/*
 * Starts DynamoDB Local listening on 127.0.0.1 only. DynamoDBLocal.jar has no host option: its Jetty server binds
 * every interface, so anyone on the network could read the local tables (webhook secrets among them). This
 * launcher builds the server exactly as DynamoDBLocal.jar's main does from the same arguments, sets the host of its
 * connector to the loopback address before starting it, and leaves telemetry unconfigured (off).
 * Run in Java's single-file source mode by local/dynamodb/dynamodb-local.ts, with DynamoDBLocal.jar on the class path.
 */
import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

public class LoopbackDynamoDbLocal {
  public static void main(String[] args) throws Exception {
    String host = System.getProperty("dynamodb.local.host", "127.0.0.1");
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server server = (Server) field.get(proxy);
    int bound = 0;
    for (Connector connector : server.getConnectors()) {
      if (connector instanceof ServerConnector serverConnector) {
        serverConnector.setHost(host);
        bound += 1;
      }
    }
    if (bound == 0) throw new IllegalStateException("DynamoDB Local has no ServerConnector to bind to " + host);
    proxy.start();
    System.err.println("DynamoDB Local listening on " + host + " (loopback launcher)");
    proxy.join();
  }
}

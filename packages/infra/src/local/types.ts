/** A server started by this package: enough to reach it, check it, and stop it. */
export interface ServerRecord {
  name: 'nats' | 'postgres' | 'mongodb' | 'collector' | 'jaeger' | 'prometheus';
  url: string;
  pid: number;
  logFile: string;
  /** Other endpoints worth printing (monitoring, health, OTLP gRPC). */
  extra: Record<string, string>;
}

export interface LaunchOptions {
  /** Folder for this server's data and log. */
  dir: string;
  port: number;
}

// The one guest import the QuickJS console shim needs; the real types are generated for plugins.
declare module 'witkit:host-api/host-services@0.1.0' {
  export class Logger {
    log(level: 'trace' | 'debug' | 'info' | 'warn' | 'error', message: string): void;
  }
}

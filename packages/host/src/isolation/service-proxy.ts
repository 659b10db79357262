// The guest's view of the host services inside a worker: every call crosses the channel to
// the host thread and blocks this worker (only this one) until the answer is back.

/** Sends `[name, method, args]` and returns the host's answer, or throws what the host threw. */
export type ServiceCall = (name: string, method: string, args: unknown[]) => unknown;

/** Builds the `witkit:host-api/host-services` import that forwards to the host thread. */
export function proxyHostServices(call: ServiceCall): Record<string, unknown> {
  const resource = (name: string, methods: string[]) => {
    const cls = class {};
    for (const method of methods) {
      Object.defineProperty(cls.prototype, method, {
        value: (...args: unknown[]) => call(name, method, args),
      });
    }
    Object.defineProperty(cls, 'name', { value: name });
    return cls;
  };
  return {
    Logger: resource('Logger', ['log', 'flush']),
    ConfigStore: resource('ConfigStore', ['get', 'set', 'delete', 'listKeys']),
    HttpClient: resource('HttpClient', ['get', 'post']),
    getEnvironment: (...args: unknown[]) => call('', 'getEnvironment', args),
    getPluginDataDir: (...args: unknown[]) => call('', 'getPluginDataDir', args),
    emitEvent: (...args: unknown[]) => call('', 'emitEvent', args),
    sendRequest: (...args: unknown[]) => call('', 'sendRequest', args),
  };
}

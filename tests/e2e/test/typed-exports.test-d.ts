// Compile-time checks of the typed plugin exports; `pnpm test` runs `tsc` over this file,
// so an `@ts-expect-error` that stops being an error fails the suite.
import type { LoadedPlugin } from '@witkit/host';
import type { WorldExports } from '@witkit/wit-types/host';

declare const processor: LoadedPlugin<WorldExports['processor-plugin']>;
declare const v1: LoadedPlugin<WorldExports['plugin-v1']>;
declare const v2: LoadedPlugin<WorldExports['plugin-v2']>;

const response = processor.exports.dataProcessor.process({
  input: new Uint8Array(),
  contentType: 'text/plain',
  options: [['mode', 'upper']],
});
export const itemCount: number = response.itemsProcessed;

// @ts-expect-error input must be bytes, not a string
processor.exports.dataProcessor.process({ input: 'text', contentType: 'text/plain', options: [] });
// @ts-expect-error a request needs its content type
processor.exports.dataProcessor.process({ input: new Uint8Array(), options: [] });
// @ts-expect-error processor plugins have no event handler
processor.exports.eventHandler;

export const v1Out: string = v1.exports['witkit:plugin-api/plugin@1.0.0'].process('x');
// @ts-expect-error version 1 takes no options
v1.exports['witkit:plugin-api/plugin@1.0.0'].process('x', []);
export const v2Out: string = v2.exports['witkit:plugin-api/plugin@2.0.0'].process('x', []);
// @ts-expect-error version 2 metadata has a description, version 1 does not
export const v1Description: string = v1.exports['witkit:plugin-api/plugin@1.0.0'].getMetadata().description;

// The managed host: `get` with a world gives asynchronous exports typed by that world.
import type { PluginHost } from '@witkit/host';

declare const host: PluginHost;
const tt = host.get('text-transformer', { world: 'processor-plugin' });
export const asyncResult: Promise<boolean> = tt.exports.dataProcessor.validate(new Uint8Array());
// @ts-expect-error calls through the host are asynchronous
export const notSync: boolean = tt.exports.dataProcessor.validate(new Uint8Array());
// @ts-expect-error the request must be a process-request record
tt.exports.dataProcessor.process({ input: 'x' });
const service = host.get('echo-service', { world: 'service-plugin' });
export const answer: Promise<Uint8Array> = service.exports.requestHandler.handleRequest({
  correlationId: 'c',
  source: 's',
  messageType: 't',
  payload: new Uint8Array(),
});

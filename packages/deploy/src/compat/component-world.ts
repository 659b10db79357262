import {
  isMalformedComponent,
  describeComponentWorld as readComponentWorld,
  type WorldShape,
} from '@witkit/wit';
import { CompatibilityError } from './errors.js';

/**
 * What a component really imports and exports, read from its binary (see `@witkit/wit`'s
 * `describeComponentWorld`), with unreadable bytes reported as a compatibility error.
 *
 * @param bytes - The component (`.wasm`).
 * @throws {CompatibilityError} `WITKIT_UNREADABLE_COMPONENT` when the bytes are not a component this reader understands
 */
export function describeComponentWorld(bytes: Uint8Array): WorldShape {
  try {
    return readComponentWorld(bytes);
  } catch (cause) {
    if (isMalformedComponent(cause)) {
      throw new CompatibilityError(
        'WITKIT_UNREADABLE_COMPONENT',
        `cannot read the component's types (${cause.message}); pass a component as \`witkit build\` writes it`,
        { cause },
      );
    }
    throw cause;
  }
}

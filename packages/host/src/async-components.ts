// WASIp3 (async) components are refused at load, before jco runs: jco 1.35's async support
// needs JSPI and its own event loop, and its failures escape as unhandled rejections with jco's
// stack. witkit serves synchronous (WASIp2) components only.
import {
  type ComponentCanon,
  describeComponentCanon,
  describeComponentWorld,
  type FunctionShape,
  type ValueShape,
  type WorldShape,
} from '@witkit/wit';

/** Built-ins that only async components use (names as {@link describeComponentCanon} gives them). */
const asyncBuiltin =
  /^(task\.|subtask\.|waitable|stream\.|future\.|error-context\.|backpressure\.|thread\.|lower async$|resource\.drop async$)/;

function hasAsyncType(type: ValueShape | undefined): boolean {
  if (type === undefined) return false;
  switch (type.kind) {
    case 'future':
    case 'stream':
      return true;
    case 'record':
      return type.fields.some((f) => hasAsyncType(f.type));
    case 'variant':
      return type.cases.some((c) => hasAsyncType(c.type));
    case 'list':
      return hasAsyncType(type.element);
    case 'tuple':
      return type.types.some(hasAsyncType);
    case 'option':
      return hasAsyncType(type.type);
    case 'result':
      return hasAsyncType(type.ok) || hasAsyncType(type.err);
    default:
      return false;
  }
}

function functionReasons(label: string, fn: FunctionShape, out: string[]): void {
  if (fn.async) out.push(`\`${label}\` is an \`async\` function`);
  else if (fn.params.some((p) => hasAsyncType(p.type)) || hasAsyncType(fn.result))
    out.push(`\`${label}\` takes or returns a \`stream\` or \`future\``);
}

/**
 * What makes a component async (WASIp3), each reason naming the export, import or built-in;
 * empty for a synchronous component, or for bytes these readers do not understand (jco then
 * reports them).
 */
export function asyncComponentReasons(bytes: Uint8Array): string[] {
  let canon: ComponentCanon;
  let world: WorldShape;
  try {
    canon = describeComponentCanon(bytes);
    world = describeComponentWorld(bytes);
  } catch {
    return [];
  }
  const out: string[] = [];
  const wasip3 = (id: string) => /^wasi:[^/]+\/[^@]+@0\.3\./.test(id);
  for (const id of Object.keys(world.imports)) if (wasip3(id)) out.push(`it imports \`${id}\``);
  for (const id of Object.keys(world.exports)) if (wasip3(id)) out.push(`it exports \`${id}\``);
  const lifted: string[] = [];
  for (const [name, lift] of canon.exportFunctions) {
    if (lift?.async || lift?.callback !== undefined) lifted.push(name);
  }
  for (const [id, fns] of canon.exportInterfaces) {
    for (const [name, lift] of fns)
      if (lift?.async || lift?.callback !== undefined) lifted.push(`${id}#${name}`);
  }
  for (const name of lifted) out.push(`\`${name}\` is lifted \`async\``);
  if (canon.asyncLift && lifted.length === 0) out.push('a nested component lifts a function `async`');
  for (const [name, fn] of Object.entries(world.exportFunctions)) functionReasons(name, fn, out);
  for (const [name, fn] of Object.entries(world.importFunctions)) functionReasons(name, fn, out);
  for (const side of [world.exports, world.imports]) {
    for (const [id, iface] of Object.entries(side)) {
      for (const [name, fn] of Object.entries(iface.functions)) functionReasons(`${id}#${name}`, fn, out);
    }
  }
  const builtins = canon.builtins.filter((b) => asyncBuiltin.test(b));
  if (builtins.length > 0) out.push(`it uses ${builtins.map((b) => `\`canon ${b}\``).join(', ')}`);
  return [...new Set(out)];
}

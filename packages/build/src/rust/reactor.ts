import { coreSections, leb, readLeb } from './wasm-binary.js';

/** The linker-synthesized function that runs a module's static constructors. */
export const ctorsExport = '__wasm_call_ctors';

/** The export a WASI reactor runs once, before any other; the preview 1 adapter calls it at instantiation. */
export const reactorInitExport = '_initialize';

/** The names of a core module's exports, in order. */
export function coreExportNames(module: Uint8Array): string[] {
  return [...(exportEntries(module)?.entries ?? [])].map((e) => e.name);
}

interface ExportSection {
  /** Offset of the section id byte, and of the first byte after the section. */
  readonly start: number;
  readonly end: number;
  readonly entries: { name: string; rest: Uint8Array }[];
}

function exportEntries(module: Uint8Array): ExportSection | undefined {
  const decoder = new TextDecoder();
  for (const { id, header, start: body, end } of coreSections(module)) {
    if (id !== 7) continue;
    let [count, i] = readLeb(module, body);
    const entries: ExportSection['entries'] = [];
    while (count-- > 0) {
      const [length, nameStart] = readLeb(module, i);
      const name = decoder.decode(module.subarray(nameStart, nameStart + length));
      // kind byte + index (LEB128)
      const [, next] = readLeb(module, nameStart + length + 1);
      entries.push({ name, rest: module.subarray(nameStart + length, next) });
      i = next;
    }
    return { start: header, end, entries };
  }
  return undefined;
}

/**
 * Makes a module built with `--export=__wasm_call_ctors` a WASI reactor: its constructors
 * export becomes `_initialize` (which the component's adapter calls once at instantiation),
 * or is dropped when the crate defines its own `_initialize`. Other modules are returned as is.
 */
export function adoptReactorInit(module: Uint8Array): Uint8Array {
  const section = exportEntries(module);
  if (!section?.entries.some((e) => e.name === ctorsExport)) return module;
  const hasInit = section.entries.some((e) => e.name === reactorInitExport);
  const entries = section.entries
    .filter((e) => !(hasInit && e.name === ctorsExport))
    .map((e) => (e.name === ctorsExport ? { ...e, name: reactorInitExport } : e));
  const encoder = new TextEncoder();
  const body: number[] = [...leb(entries.length)];
  for (const e of entries) {
    const name = encoder.encode(e.name);
    body.push(...leb(name.length), ...name, ...e.rest);
  }
  const header = [7, ...leb(body.length)];
  const out = new Uint8Array(module.length - (section.end - section.start) + header.length + body.length);
  out.set(module.subarray(0, section.start), 0);
  out.set(header, section.start);
  out.set(body, section.start + header.length);
  out.set(module.subarray(section.end), section.start + header.length + body.length);
  return out;
}

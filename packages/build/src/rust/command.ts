// WASI commands: what the pipeline does to a program's core module beyond what the preview 1
// command adapter does.
import { coreSections, leb, readLeb } from './wasm-binary.js';

/** The WASI version of the `wasi:cli` interfaces an adapter imports (`0.2.12`), read from its bytes. */
export function adapterWasiVersion(adapter: Uint8Array): string | undefined {
  return /wasi:cli\/exit@(\d+\.\d+\.\d+)/.exec(Buffer.from(adapter).toString('latin1'))?.[1];
}

/**
 * The WIT to embed in a command so its `proc_exit` can reach `exit-with-code` (see
 * {@link redirectProcExit}): a world importing `wasi:cli/exit` of the adapter's version.
 */
export function commandExitWit(version: string): string {
  return `package witkit:command;

world command {
  import wasi:cli/exit@${version};
}

package wasi:cli@${version} {
  interface exit {
    exit: func(status: result);
    exit-with-code: func(status-code: u8);
  }
}
`;
}

/**
 * Redirects the module's `wasi_snapshot_preview1.proc_exit` import to
 * `wasi:cli/exit@<version>.exit-with-code` (same core signature, `(i32) -> ()`). Why: the
 * preview 1 command adapter turns every non-zero `proc_exit` (Rust's `std::process::exit(n)`,
 * or `main` returning an error) into `exit(err)`, which a host can only report as 1; with the
 * import redirected, the host sees the code itself. Modules without the import are returned as is.
 */
export function redirectProcExit(module: Uint8Array, version: string): Uint8Array {
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  for (const { id, header, start, end } of coreSections(module)) {
    if (id !== 2) continue;
    let [count, i] = readLeb(module, start);
    const body: number[] = [...leb(count)];
    let changed = false;
    const readName = (): string => {
      const [length, at] = readLeb(module, i);
      i = at + length;
      return decoder.decode(module.subarray(at, at + length));
    };
    while (count-- > 0) {
      const moduleName = readName();
      const field = readName();
      const descStart = i;
      i = skipImportDesc(module, i);
      const redirect = moduleName === 'wasi_snapshot_preview1' && field === 'proc_exit';
      changed ||= redirect;
      for (const name of redirect ? [`wasi:cli/exit@${version}`, 'exit-with-code'] : [moduleName, field]) {
        const bytes = encoder.encode(name);
        body.push(...leb(bytes.length), ...bytes);
      }
      body.push(...module.subarray(descStart, i));
    }
    if (!changed) return module;
    const head = [2, ...leb(body.length)];
    const out = new Uint8Array(module.length - (end - header) + head.length + body.length);
    out.set(module.subarray(0, header), 0);
    out.set(head, header);
    out.set(body, header + head.length);
    out.set(module.subarray(end), header + head.length + body.length);
    return out;
  }
  return module;
}

/** The offset after an import's description (function, table, memory, global or tag). */
function skipImportDesc(module: Uint8Array, at: number): number {
  const kind = module[at]!;
  const limits = (i: number) => {
    const flags = module[i]!;
    let [, next] = readLeb(module, i + 1);
    if (flags & 1) [, next] = readLeb(module, next);
    return next;
  };
  switch (kind) {
    case 0: // function: type index
      return readLeb(module, at + 1)[1];
    case 1: // table: reference type, limits
      return limits(at + 2);
    case 2: // memory: limits
      return limits(at + 1);
    case 3: // global: value type, mutability
      return at + 3;
    case 4: // tag: attribute, type index
      return readLeb(module, at + 2)[1];
    default:
      throw new RangeError(`unknown import kind ${kind} at offset ${at}`);
  }
}

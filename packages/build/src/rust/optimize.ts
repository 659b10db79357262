import { BuildError } from '../errors.js';
import type { RustOptimizeLevel } from './manifest.js';
import { coreSections, readLeb } from './wasm-binary.js';

/** binaryen's feature names as LLVM writes them into a module's `target_features` section. */
const featureFlags: Record<string, string> = {
  atomics: 'Atomics',
  'mutable-globals': 'MutableGlobals',
  'nontrapping-fptoint': 'NontrappingFPToInt',
  simd128: 'SIMD128',
  'bulk-memory': 'BulkMemory',
  'bulk-memory-opt': 'BulkMemoryOpt',
  'sign-ext': 'SignExt',
  'exception-handling': 'ExceptionHandling',
  'tail-call': 'TailCall',
  'reference-types': 'ReferenceTypes',
  multivalue: 'Multivalue',
  'extended-const': 'ExtendedConst',
  'relaxed-simd': 'RelaxedSIMD',
  multimemory: 'MultiMemory',
  memory64: 'Memory64',
  'call-indirect-overlong': 'CallIndirectOverlong',
  fp16: 'FP16',
};

/**
 * The features a core module's `target_features` custom section declares (`+` prefixed), or
 * `undefined` when it has none (stripped modules, e.g. `strip = true` in the cargo profile).
 */
export function targetFeatures(module: Uint8Array): string[] | undefined {
  const decoder = new TextDecoder();
  for (const { id, start } of coreSections(module)) {
    if (id !== 0) continue;
    const [nameLength, nameStart] = readLeb(module, start);
    if (decoder.decode(module.subarray(nameStart, nameStart + nameLength)) !== 'target_features') continue;
    let [count, i] = readLeb(module, nameStart + nameLength);
    const features: string[] = [];
    while (count-- > 0) {
      const prefix = module[i]!;
      const [length, textStart] = readLeb(module, i + 1);
      if (prefix === 0x2b || prefix === 0x3d) {
        features.push(decoder.decode(module.subarray(textStart, textStart + length)));
      }
      i = textStart + length;
    }
    return features;
  }
  return undefined;
}

/**
 * The features LLVM enables for `wasm32` by default in a given rustc, for modules whose
 * `target_features` section was stripped: LLVM 16 (Rust 1.70) added sign-ext and
 * mutable-globals, LLVM 19 (Rust 1.82) multivalue and reference-types, LLVM 20 (Rust 1.87)
 * bulk memory and non-trapping float-to-int.
 */
export function defaultRustFeatures(rustcVersion: string): string[] {
  const [major = 1, minor = 0] = rustcVersion.split('.').map(Number);
  const v = major * 1000 + minor;
  const features: string[] = [];
  if (v >= 1070) features.push('sign-ext', 'mutable-globals');
  if (v >= 1082) features.push('multivalue', 'reference-types');
  if (v >= 1087)
    features.push('bulk-memory', 'bulk-memory-opt', 'nontrapping-fptoint', 'call-indirect-overlong');
  return features;
}

/**
 * Strips debug info and producer sections from a core module and optimizes it with binaryen
 * (wasm-opt as a library), within the features the module was compiled for, so the optimizer
 * introduces no instruction an older engine would reject.
 *
 * Runs before WIT embedding, so no custom section that embedding adds can be lost.
 *
 * @param level - `size` (`-Os`), `speed` (`-O3`), or `none` to return the module unchanged
 * @param rustcVersion - picks the default features when the module declares none
 * @throws {BuildError} `WITKIT_BUILD_OPTIMIZE` when binaryen cannot read or validate the module
 */
export async function optimizeCoreModule(
  plugin: string,
  module: Uint8Array,
  level: RustOptimizeLevel,
  rustcVersion: string,
): Promise<Uint8Array> {
  if (level === 'none') return module;
  const { default: binaryen } = await import('binaryen');
  const names = targetFeatures(module) ?? defaultRustFeatures(rustcVersion);
  let features = binaryen.Features.MVP;
  for (const name of names) {
    const flag = featureFlags[name] as keyof typeof binaryen.Features | undefined;
    if (flag) features |= binaryen.Features[flag];
  }
  let mod: ReturnType<typeof binaryen.readBinary> | undefined;
  try {
    mod = binaryen.readBinaryWithFeatures(module, features);
    if (!mod.validate()) {
      throw new Error(`the module does not validate with features [${names.join(', ')}]`);
    }
    // binaryen's settings are process-global; every call sets all of them.
    binaryen.setOptimizeLevel(level === 'size' ? 2 : 3);
    binaryen.setShrinkLevel(level === 'size' ? 1 : 0);
    binaryen.setDebugInfo(false);
    mod.runPasses(['strip-debug', 'strip-producers']);
    mod.optimize();
    return mod.emitBinary();
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    throw new BuildError(
      'WITKIT_BUILD_OPTIMIZE',
      plugin,
      `wasm-opt (binaryen) failed on the core module: ${message}; set \`optimize = "none"\` in \`[package.metadata.witkit]\` to skip it`,
      { cause },
    );
  } finally {
    mod?.dispose();
  }
}

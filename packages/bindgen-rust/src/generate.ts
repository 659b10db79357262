/**
 * Generates one self-contained Rust source file with guest bindings for a WIT world.
 *
 * @module
 */
import {
  type CoreType,
  coreExportName,
  coreSignature,
  flattenType,
  hasAllocations,
  isAbiError,
  layoutOf,
  recordLayout,
  resolveWitPath,
  selectWorld,
  unaliasTypeDef,
  type VariantLayout,
  variantLayout,
  type WitFunction,
  type WitInterface,
  type WitResolve,
  type WitType,
  type WitTypeDef,
  type WitWorld,
} from '@witkit/wit';
import { BindgenError } from './errors.js';
import { type RustBindingsDirection, RustBindingsLayout } from './layout.js';
import { camel, docLines, rustString, shouty, snake, typeName } from './names.js';
import { RUNTIME } from './runtime.js';

/** Version of this generator, written into every file it produces. */
export const GENERATOR_VERSION = '0.1.0';

/** Options of {@link generateRustBindings}. */
export interface RustBindingsOptions {
  /** The resolved WIT, from `resolveWitPath` or `resolveWitSource` of `@witkit/wit`. */
  readonly resolve: WitResolve;
  /** The world: its name in the root package, or its id (`ns:pkg/world@1.0.0`). */
  readonly world: string;
  /**
   * The Rust path at which the generated file is mounted, used by the export macro when it is
   * called without `with_types_in`.
   * @default 'crate::bindings' (the file saved as `src/bindings.rs`, declared with `mod bindings;`)
   */
  readonly modulePath?: string;
}

/** Options of {@link generateRustBindingsFromPath}. */
export interface RustBindingsPathOptions extends Omit<RustBindingsOptions, 'resolve'> {
  /** Unstable WIT features to keep, as for `resolveWitPath`. */
  readonly features?: readonly string[] | 'all';
}

interface Module {
  readonly segments: readonly string[];
  readonly docs?: string | undefined;
  readonly lines: string[];
  readonly children: Map<string, Module>;
}

type Dir = RustBindingsDirection;

const INDENT = '    ';

function unsupported(message: string): BindgenError {
  return new BindgenError('WITKIT_BINDGEN_UNSUPPORTED', message);
}

function ownerName(def: WitTypeDef): string {
  return def.owner.kind === 'world' ? `world \`${def.owner.name}\`` : `\`${def.owner.id ?? def.owner.name}\``;
}

function unalias(t: WitType): WitType {
  let cur = t;
  while (cur.kind === 'ref' && cur.def.body.kind === 'alias') cur = cur.def.body.type;
  return cur;
}

/** Scalars the Rust side passes by value. */
function isCopy(t: WitType): boolean {
  const u = unalias(t);
  switch (u.kind) {
    case 'string':
    case 'list':
    case 'option':
    case 'result':
    case 'tuple':
    case 'own':
    case 'borrow':
    case 'future':
    case 'stream':
    case 'error-context':
      return false;
    case 'ref':
      return u.def.body.kind === 'enum' || u.def.body.kind === 'flags';
    default:
      return true;
  }
}

function containsHandle(t: WitType, seen = new Set<WitTypeDef>()): boolean {
  switch (t.kind) {
    case 'own':
    case 'borrow':
      return true;
    case 'list':
      return containsHandle(t.element, seen);
    case 'option':
      return containsHandle(t.type, seen);
    case 'result':
      return (
        (t.ok !== undefined && containsHandle(t.ok, seen)) ||
        (t.err !== undefined && containsHandle(t.err, seen))
      );
    case 'tuple':
      return t.types.some((x) => containsHandle(x, seen));
    case 'ref': {
      if (seen.has(t.def)) return false;
      seen.add(t.def);
      const b = t.def.body;
      if (b.kind === 'resource') return true;
      if (b.kind === 'alias') return containsHandle(b.type, seen);
      if (b.kind === 'record') return b.fields.some((f) => containsHandle(f.type, seen));
      if (b.kind === 'variant')
        return b.cases.some((c) => c.type !== undefined && containsHandle(c.type, seen));
      return false;
    }
    default:
      return false;
  }
}

function containsBorrow(t: WitType): boolean {
  switch (t.kind) {
    case 'borrow':
      return true;
    case 'list':
      return containsBorrow(t.element);
    case 'option':
      return containsBorrow(t.type);
    case 'result':
      return (t.ok !== undefined && containsBorrow(t.ok)) || (t.err !== undefined && containsBorrow(t.err));
    case 'tuple':
      return t.types.some(containsBorrow);
    default:
      return false;
  }
}

/** Methods every imported resource type has; WIT functions with these names get a `_` suffix. */
const RESOURCE_HELPERS = new Set(['handle', 'take_handle', 'from_handle']);

const FROM_CORE: Record<CoreType, string> = {
  i32: '_rt::from_i32',
  i64: '_rt::from_i64',
  f32: '_rt::from_f32',
  f64: '_rt::from_f64',
};
const AS_CORE: Record<CoreType, string> = {
  i32: '_rt::as_i32',
  i64: '_rt::as_i64',
  f32: '_rt::as_f32',
  f64: '_rt::as_f64',
};

function readDisc(size: 1 | 2 | 4, ptr: string): string {
  if (size === 1) return `*${ptr} as u32`;
  if (size === 2) return `((${ptr} as *const u16).read_unaligned() as u32)`;
  return `(${ptr} as *const u32).read_unaligned()`;
}

function writeDisc(size: 1 | 2 | 4, ptr: string, value: number): string {
  if (size === 1) return `*${ptr} = ${value};`;
  return `(${ptr} as *mut u${size * 8}).write_unaligned(${value});`;
}

/** Generates bindings for one world; see {@link generateRustBindings}. */
class Generator extends RustBindingsLayout {
  readonly root: Module = { segments: [], lines: [], children: new Map() };
  readonly modulePath: string;
  /** Lines of the export macro: one export (and post-return) per exported function. */
  readonly macroLines: string[] = [];
  retAreaSize = 8;
  exportCount = 0;

  constructor(world: WitWorld, modulePath: string) {
    super(world);
    this.modulePath = modulePath;
  }

  // ---- modules and paths -------------------------------------------------------------------

  /** Where an interface's types live, seen from code generated for direction `dir`. */
  interfaceModule(iface: WitInterface, dir: Dir): string[] {
    const exportedKey = this.exported.get(iface);
    const importedKey = this.imported.get(iface);
    if (dir === 'export' && exportedKey !== undefined)
      return this.interfaceSegments(iface, exportedKey, 'export');
    if (importedKey !== undefined) return this.interfaceSegments(iface, importedKey, 'import');
    if (exportedKey !== undefined) return this.interfaceSegments(iface, exportedKey, 'export');
    throw new BindgenError(
      'WITKIT_BINDGEN_UNSUPPORTED',
      `interface \`${iface.id ?? iface.name}\` is used by world \`${this.world.id}\` but neither imported nor exported`,
    );
  }

  module(segments: readonly string[], docs?: string): Module {
    let cur = this.root;
    segments.forEach((s, i) => {
      let next = cur.children.get(s);
      if (next === undefined) {
        next = {
          segments: segments.slice(0, i + 1),
          docs: i === segments.length - 1 ? docs : undefined,
          lines: [],
          children: new Map(),
        };
        cur.children.set(s, next);
      }
      cur = next;
    });
    return cur;
  }

  relPath(from: readonly string[], to: readonly string[], name: string): string {
    if (from.length === to.length && from.every((s, i) => s === to[i])) return name;
    return `${'super::'.repeat(from.length)}${[...to, name].join('::')}`;
  }

  defModule(def: WitTypeDef, dir: Dir): string[] {
    return def.owner.kind === 'world' ? [] : this.interfaceModule(def.owner, dir);
  }

  // ---- type rendering ---------------------------------------------------------------------

  /**
   * The owned Rust type of `t`, referenced from module `from`. `borrowOk`: inside a parameter of
   * an import, where `borrow<r>` of an imported resource becomes `&R`.
   */
  rustType(t: WitType, from: readonly string[], dir: Dir, where: string, borrowOk = false): string {
    switch (t.kind) {
      case 'bool':
      case 'char':
      case 'u8':
      case 'u16':
      case 'u32':
      case 'u64':
      case 'f32':
      case 'f64':
        return t.kind;
      case 's8':
      case 's16':
      case 's32':
      case 's64':
        return `i${t.kind.slice(1)}`;
      case 'string':
        return 'String';
      case 'list':
        if (t.length !== undefined)
          throw unsupported(
            `fixed-length list in ${where} is not supported by the Rust generator yet; use \`list<T>\` instead`,
          );
        return `Vec<${this.rustType(t.element, from, dir, where, borrowOk)}>`;
      case 'option':
        return `Option<${this.rustType(t.type, from, dir, where, borrowOk)}>`;
      case 'result':
        return `Result<${t.ok ? this.rustType(t.ok, from, dir, where, borrowOk) : '()'}, ${t.err ? this.rustType(t.err, from, dir, where, borrowOk) : '()'}>`;
      case 'tuple': {
        if (t.types.length > 12)
          throw unsupported(
            `tuple of ${t.types.length} types in ${where}: at most 12 are supported; use a record instead`,
          );
        const parts = t.types.map((x) => this.rustType(x, from, dir, where, borrowOk));
        return parts.length === 1 ? `(${parts[0]},)` : `(${parts.join(', ')})`;
      }
      case 'ref':
        return this.relPath(from, this.defModule(t.def, dir), typeName(t.def.name));
      case 'own':
        return this.relPath(from, this.defModule(t.resource, dir), typeName(t.resource.name));
      case 'borrow':
        if (borrowOk && !this.isExportedResource(unaliasTypeDef(t.resource), dir))
          return `&${this.relPath(from, this.defModule(t.resource, dir), typeName(t.resource.name))}`;
        throw unsupported(
          `\`borrow<${t.resource.name}>\` nested inside another type in ${where}: only parameters of imports (and top-level parameters of exports) may borrow for now; take one \`borrow<r>\` per parameter instead`,
        );
      case 'future':
      case 'stream':
      case 'error-context':
        throw unsupported(
          `\`${t.kind}\` in ${where} is not supported by the Rust generator (async is not supported); target a world without it, such as WASI 0.2`,
        );
    }
  }

  /** Whether `def` is a resource this plugin implements, seen from code for direction `dir`. */
  isExportedResource(def: WitTypeDef, dir: Dir): boolean {
    return dir === 'export' && def.owner.kind === 'interface' && this.exported.has(def.owner);
  }

  /** The type of a top-level parameter: borrowed forms for imports, owned values for exports. */
  paramType(t: WitType, from: readonly string[], dir: Dir, where: string): string {
    if (t.kind === 'borrow') {
      // `use`d resources are aliases: the borrow type lives with the resource itself.
      const real = unaliasTypeDef(t.resource);
      if (this.isExportedResource(real, dir))
        return this.relPath(from, this.defModule(real, dir), `${camel(real.name)}Borrow`);
      return `&${this.relPath(from, this.defModule(t.resource, dir), typeName(t.resource.name))}`;
    }
    if (dir === 'export') return this.rustType(t, from, dir, where);
    const u = unalias(t);
    if (u.kind === 'string') return '&str';
    if (u.kind === 'list' && u.length === undefined)
      return `&[${this.rustType(u.element, from, dir, where, true)}]`;
    const borrowed = this.optionalSlice(t, from, where);
    if (borrowed !== undefined) return borrowed;
    if (isCopy(t) || u.kind === 'own' || (u.kind === 'ref' && u.def.body.kind === 'resource'))
      return this.rustType(t, from, dir, where);
    return `&${this.rustType(t, from, dir, where, true)}`;
  }

  /** `option<string>` and `option<list<T>>` import parameters: `Option<&str>`, `Option<&[T]>`. */
  optionalSlice(t: WitType, from: readonly string[], where: string): string | undefined {
    const u = unalias(t);
    if (u.kind !== 'option') return undefined;
    const inner = unalias(u.type);
    if (inner.kind === 'string') return 'Option<&str>';
    if (inner.kind === 'list' && inner.length === undefined)
      return `Option<&[${this.rustType(inner.element, from, 'import', where, true)}]>`;
    return undefined;
  }

  // ---- type definitions -------------------------------------------------------------------

  typeDef(def: WitTypeDef, mod: Module, dir: Dir, wasmModule: string): void {
    const out = mod.lines;
    const from = mod.segments;
    const name = typeName(def.name);
    const where = `${def.body.kind} \`${def.name}\` of ${ownerName(def)}`;
    const b = def.body;
    const self: WitType = { kind: 'ref', def };
    const layoutAndFlat = (): { size: number; align: number; flat: number } => {
      try {
        const l = layoutOf(self);
        return { size: l.size, align: l.align, flat: flattenType(self).length };
      } catch (cause) {
        if (isAbiError(cause))
          throw new BindgenError('WITKIT_BINDGEN_NO_ABI', `${where}: ${cause.message}`, { cause });
        throw cause;
      }
    };
    const abiHead = (l: { size: number; align: number; flat: number }) => [
      `unsafe impl _rt::Abi for ${name} {`,
      `${INDENT}const SIZE: usize = ${l.size};`,
      `${INDENT}const ALIGN: usize = ${l.align};`,
      `${INDENT}const FLAT: usize = ${l.flat};`,
    ];
    const names =
      b.kind === 'record'
        ? b.fields
        : b.kind === 'variant' || b.kind === 'enum'
          ? b.cases
          : b.kind === 'flags'
            ? b.flags
            : [];
    const repeated = names.find((n, i) => names.findIndex((m) => m.name === n.name) !== i);
    if (repeated !== undefined)
      throw new BindgenError(
        'WITKIT_BINDGEN_NO_ABI',
        `${where}: \`${repeated.name}\` appears twice, which components cannot carry; rename one`,
      );
    out.push('');
    switch (b.kind) {
      case 'alias': {
        out.push(...docLines(def.docs));
        out.push(`pub type ${name} = ${this.rustType(b.type, from, dir, where)};`);
        return;
      }
      case 'record': {
        const l = layoutAndFlat();
        const offsets = recordLayout(b.fields.map((f) => f.type)).offsets;
        const fields = b.fields.map((f) => ({
          field: snake(f.name),
          type: this.rustType(f.type, from, dir, where),
          alloc: hasAllocations(f.type),
          docs: f.docs,
        }));
        const plainData = !b.fields.some((f) => containsHandle(f.type));
        out.push(...docLines(def.docs));
        out.push(`#[derive(${plainData ? 'Clone, Debug, PartialEq' : 'Debug'})]`);
        out.push(`pub struct ${name} {`);
        for (const f of fields) {
          out.push(...docLines(f.docs, INDENT));
          out.push(`${INDENT}pub ${f.field}: ${f.type},`);
        }
        out.push('}');
        out.push(...abiHead(l));
        out.push(`${INDENT}fn lower(&self, out: &mut _rt::Flat) {`);
        for (const f of fields) out.push(`${INDENT}${INDENT}_rt::Abi::lower(&self.${f.field}, out);`);
        out.push(`${INDENT}}`);
        out.push(`${INDENT}unsafe fn store(&self, ptr: *mut u8) {`);
        fields.forEach((f, i) => {
          out.push(`${INDENT}${INDENT}_rt::Abi::store(&self.${f.field}, ptr.add(${offsets[i]}));`);
        });
        out.push(`${INDENT}}`);
        if (fields.some((f) => f.alloc)) {
          out.push(`${INDENT}unsafe fn free_flat(src: &mut _rt::Flat) {`);
          for (const f of fields) out.push(`${INDENT}${INDENT}<${f.type} as _rt::Abi>::free_flat(src);`);
          out.push(`${INDENT}}`);
          out.push(`${INDENT}unsafe fn free(ptr: *const u8) {`);
          fields.forEach((f, i) => {
            if (f.alloc) out.push(`${INDENT}${INDENT}<${f.type} as _rt::Abi>::free(ptr.add(${offsets[i]}));`);
          });
          out.push(`${INDENT}}`);
        } else {
          out.push(`${INDENT}unsafe fn free_flat(src: &mut _rt::Flat) {`);
          out.push(`${INDENT}${INDENT}src.n += ${l.flat};`);
          out.push(`${INDENT}}`);
          out.push(`${INDENT}unsafe fn free(_ptr: *const u8) {}`);
        }
        out.push('}');
        out.push(`unsafe impl _rt::Lift for ${name} {`);
        out.push(`${INDENT}unsafe fn lift(src: &mut _rt::Flat) -> Self {`);
        out.push(`${INDENT}${INDENT}${name} {`);
        for (const f of fields) out.push(`${INDENT}${INDENT}${INDENT}${f.field}: _rt::Lift::lift(src),`);
        out.push(`${INDENT}${INDENT}}`);
        out.push(`${INDENT}}`);
        out.push(`${INDENT}unsafe fn load(ptr: *const u8) -> Self {`);
        out.push(`${INDENT}${INDENT}${name} {`);
        fields.forEach((f, i) => {
          out.push(`${INDENT}${INDENT}${INDENT}${f.field}: _rt::Lift::load(ptr.add(${offsets[i]})),`);
        });
        out.push(`${INDENT}${INDENT}}`);
        out.push(`${INDENT}}`);
        out.push('}');
        return;
      }
      case 'variant':
      case 'enum': {
        const l = layoutAndFlat();
        const cases =
          b.kind === 'variant'
            ? b.cases.map((c) => ({ name: c.name, docs: c.docs, type: c.type }))
            : b.cases.map((c) => ({ name: c.name, docs: c.docs, type: undefined as WitType | undefined }));
        const vl: VariantLayout = variantLayout(cases.map((c) => c.type));
        const rendered = cases.map((c) => ({
          ...c,
          variant: camel(c.name),
          rust: c.type === undefined ? undefined : this.rustType(c.type, from, dir, where),
          alloc: c.type !== undefined && hasAllocations(c.type),
        }));
        const isEnum = b.kind === 'enum';
        const plainData = !cases.some((c) => c.type !== undefined && containsHandle(c.type));
        out.push(...docLines(def.docs));
        if (isEnum) {
          out.push(`#[repr(u${vl.discriminantSize * 8})]`);
          out.push('#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]');
        } else {
          out.push(`#[derive(${plainData ? 'Clone, Debug, PartialEq' : 'Debug'})]`);
        }
        out.push(`pub enum ${name} {`);
        for (const c of rendered) {
          out.push(...docLines(c.docs, INDENT));
          out.push(`${INDENT}${c.variant}${c.rust === undefined ? '' : `(${c.rust})`},`);
        }
        out.push('}');
        const pat = (c: (typeof rendered)[number], bind: string) =>
          `${name}::${c.variant}${c.rust === undefined ? '' : `(${bind})`}`;
        out.push(...abiHead(l));
        out.push(`${INDENT}fn lower(&self, out: &mut _rt::Flat) {`);
        if (isEnum) {
          out.push(`${INDENT}${INDENT}out.push(*self as u32 as u64);`);
        } else {
          out.push(`${INDENT}${INDENT}let end = out.n + ${l.flat};`);
          out.push(`${INDENT}${INDENT}match self {`);
          rendered.forEach((c, i) => {
            if (c.rust === undefined) out.push(`${INDENT}${INDENT}${INDENT}${pat(c, '')} => out.push(${i}),`);
            else {
              out.push(`${INDENT}${INDENT}${INDENT}${pat(c, 'e')} => {`);
              out.push(`${INDENT}${INDENT}${INDENT}${INDENT}out.push(${i});`);
              out.push(`${INDENT}${INDENT}${INDENT}${INDENT}_rt::Abi::lower(e, out);`);
              out.push(`${INDENT}${INDENT}${INDENT}}`);
            }
          });
          out.push(`${INDENT}${INDENT}}`);
          out.push(`${INDENT}${INDENT}out.pad_to(end);`);
        }
        out.push(`${INDENT}}`);
        out.push(`${INDENT}unsafe fn store(&self, ptr: *mut u8) {`);
        if (isEnum) {
          out.push(
            vl.discriminantSize === 1
              ? `${INDENT}${INDENT}*ptr = *self as u8;`
              : `${INDENT}${INDENT}(ptr as *mut u${vl.discriminantSize * 8}).write_unaligned(*self as u${vl.discriminantSize * 8});`,
          );
        } else {
          out.push(`${INDENT}${INDENT}match self {`);
          rendered.forEach((c, i) => {
            out.push(`${INDENT}${INDENT}${INDENT}${pat(c, 'e')} => {`);
            out.push(`${INDENT}${INDENT}${INDENT}${INDENT}${writeDisc(vl.discriminantSize, 'ptr', i)}`);
            if (c.rust !== undefined)
              out.push(
                `${INDENT}${INDENT}${INDENT}${INDENT}_rt::Abi::store(e, ptr.add(${vl.payloadOffset}));`,
              );
            out.push(`${INDENT}${INDENT}${INDENT}}`);
          });
          out.push(`${INDENT}${INDENT}}`);
        }
        out.push(`${INDENT}}`);
        if (rendered.some((c) => c.alloc)) {
          out.push(`${INDENT}unsafe fn free_flat(src: &mut _rt::Flat) {`);
          out.push(`${INDENT}${INDENT}let end = src.n + ${l.flat};`);
          out.push(`${INDENT}${INDENT}match src.next() as u32 {`);
          rendered.forEach((c, i) => {
            if (c.alloc)
              out.push(`${INDENT}${INDENT}${INDENT}${i} => <${c.rust} as _rt::Abi>::free_flat(src),`);
          });
          out.push(`${INDENT}${INDENT}${INDENT}_ => {}`);
          out.push(`${INDENT}${INDENT}}`);
          out.push(`${INDENT}${INDENT}src.skip_to(end);`);
          out.push(`${INDENT}}`);
          out.push(`${INDENT}unsafe fn free(ptr: *const u8) {`);
          out.push(`${INDENT}${INDENT}match ${readDisc(vl.discriminantSize, 'ptr')} {`);
          rendered.forEach((c, i) => {
            if (c.alloc)
              out.push(
                `${INDENT}${INDENT}${INDENT}${i} => <${c.rust} as _rt::Abi>::free(ptr.add(${vl.payloadOffset})),`,
              );
          });
          out.push(`${INDENT}${INDENT}${INDENT}_ => {}`);
          out.push(`${INDENT}${INDENT}}`);
          out.push(`${INDENT}}`);
        } else {
          out.push(`${INDENT}unsafe fn free_flat(src: &mut _rt::Flat) {`);
          out.push(`${INDENT}${INDENT}src.n += ${l.flat};`);
          out.push(`${INDENT}}`);
          out.push(`${INDENT}unsafe fn free(_ptr: *const u8) {}`);
        }
        out.push('}');
        const liftCase = (c: (typeof rendered)[number], i: number, how: string) =>
          `${INDENT}${INDENT}${INDENT}${i} => ${name}::${c.variant}${c.rust === undefined ? '' : `(${how})`},`;
        out.push(`unsafe impl _rt::Lift for ${name} {`);
        out.push(`${INDENT}unsafe fn lift(src: &mut _rt::Flat) -> Self {`);
        if (!isEnum) out.push(`${INDENT}${INDENT}let end = src.n + ${l.flat};`);
        out.push(`${INDENT}${INDENT}let v = match src.next() as u32 {`);
        rendered.forEach((c, i) => {
          out.push(liftCase(c, i, '_rt::Lift::lift(src)'));
        });
        out.push(
          `${INDENT}${INDENT}${INDENT}_ => _rt::invalid(${rustString(`\`${def.name}\` discriminant`)}),`,
        );
        out.push(`${INDENT}${INDENT}};`);
        if (!isEnum) out.push(`${INDENT}${INDENT}src.skip_to(end);`);
        out.push(`${INDENT}${INDENT}v`);
        out.push(`${INDENT}}`);
        out.push(`${INDENT}unsafe fn load(ptr: *const u8) -> Self {`);
        out.push(`${INDENT}${INDENT}match ${readDisc(vl.discriminantSize, 'ptr')} {`);
        rendered.forEach((c, i) => {
          out.push(liftCase(c, i, `_rt::Lift::load(ptr.add(${vl.payloadOffset}))`));
        });
        out.push(
          `${INDENT}${INDENT}${INDENT}_ => _rt::invalid(${rustString(`\`${def.name}\` discriminant`)}),`,
        );
        out.push(`${INDENT}${INDENT}}`);
        out.push(`${INDENT}}`);
        out.push('}');
        return;
      }
      case 'flags': {
        const l = layoutAndFlat();
        const bits = `u${l.size * 8}`;
        const all = b.flags.length === l.size * 8 ? `${bits}::MAX` : `(1 << ${b.flags.length}) - 1`;
        out.push(...docLines(def.docs));
        out.push('///');
        out.push('/// A set of flags: combine them with `|`, test them with `contains`.');
        out.push('#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]');
        out.push(`pub struct ${name} {`);
        out.push(`${INDENT}bits: ${bits},`);
        out.push('}');
        out.push(`impl ${name} {`);
        b.flags.forEach((f, i) => {
          out.push(...docLines(f.docs, INDENT));
          out.push(`${INDENT}pub const ${shouty(f.name)}: ${name} = ${name} { bits: 1 << ${i} };`);
        });
        out.push(
          `${INDENT}const NAMES: [&'static str; ${b.flags.length}] = [${b.flags.map((f) => rustString(f.name)).join(', ')}];`,
        );
        out.push(`${INDENT}/// No flags set.`);
        out.push(`${INDENT}pub const fn empty() -> ${name} {`);
        out.push(`${INDENT}${INDENT}${name} { bits: 0 }`);
        out.push(`${INDENT}}`);
        out.push(`${INDENT}/// Every flag set.`);
        out.push(`${INDENT}pub const fn all() -> ${name} {`);
        out.push(`${INDENT}${INDENT}${name} { bits: ${all} }`);
        out.push(`${INDENT}}`);
        out.push(`${INDENT}/// The flags as bits, the first flag in the lowest bit.`);
        out.push(`${INDENT}pub const fn bits(&self) -> ${bits} {`);
        out.push(`${INDENT}${INDENT}self.bits`);
        out.push(`${INDENT}}`);
        out.push(
          `${INDENT}/// The flags whose bits are set in \`bits\`; bits beyond the last flag are dropped.`,
        );
        out.push(`${INDENT}pub const fn from_bits_truncate(bits: ${bits}) -> ${name} {`);
        out.push(`${INDENT}${INDENT}${name} { bits: bits & ${name}::all().bits }`);
        out.push(`${INDENT}}`);
        out.push(`${INDENT}/// Whether no flag is set.`);
        out.push(`${INDENT}pub const fn is_empty(&self) -> bool {`);
        out.push(`${INDENT}${INDENT}self.bits == 0`);
        out.push(`${INDENT}}`);
        out.push(`${INDENT}/// Whether every flag of \`other\` is set in \`self\`.`);
        out.push(`${INDENT}pub const fn contains(&self, other: ${name}) -> bool {`);
        out.push(`${INDENT}${INDENT}self.bits & other.bits == other.bits`);
        out.push(`${INDENT}}`);
        out.push(`${INDENT}/// Sets the flags of \`other\`.`);
        out.push(`${INDENT}pub fn insert(&mut self, other: ${name}) {`);
        out.push(`${INDENT}${INDENT}self.bits |= other.bits;`);
        out.push(`${INDENT}}`);
        out.push(`${INDENT}/// Clears the flags of \`other\`.`);
        out.push(`${INDENT}pub fn remove(&mut self, other: ${name}) {`);
        out.push(`${INDENT}${INDENT}self.bits &= !other.bits;`);
        out.push(`${INDENT}}`);
        out.push('}');
        for (const [trait, op] of [
          ['BitOr', '|'],
          ['BitAnd', '&'],
          ['BitXor', '^'],
        ] as const) {
          out.push(`impl core::ops::${trait} for ${name} {`);
          out.push(`${INDENT}type Output = ${name};`);
          out.push(`${INDENT}fn ${snake(trait)}(self, other: ${name}) -> ${name} {`);
          out.push(`${INDENT}${INDENT}${name} { bits: self.bits ${op} other.bits }`);
          out.push(`${INDENT}}`);
          out.push('}');
          out.push(`impl core::ops::${trait}Assign for ${name} {`);
          out.push(`${INDENT}fn ${snake(trait)}_assign(&mut self, other: ${name}) {`);
          out.push(`${INDENT}${INDENT}self.bits ${op}= other.bits;`);
          out.push(`${INDENT}}`);
          out.push('}');
        }
        out.push(`impl core::ops::Sub for ${name} {`);
        out.push(`${INDENT}type Output = ${name};`);
        out.push(`${INDENT}fn sub(self, other: ${name}) -> ${name} {`);
        out.push(`${INDENT}${INDENT}${name} { bits: self.bits & !other.bits }`);
        out.push(`${INDENT}}`);
        out.push('}');
        out.push(`impl core::ops::Not for ${name} {`);
        out.push(`${INDENT}type Output = ${name};`);
        out.push(`${INDENT}fn not(self) -> ${name} {`);
        out.push(`${INDENT}${INDENT}${name}::from_bits_truncate(!self.bits)`);
        out.push(`${INDENT}}`);
        out.push('}');
        out.push(`impl core::fmt::Debug for ${name} {`);
        out.push(`${INDENT}fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {`);
        out.push(`${INDENT}${INDENT}let mut set = f.debug_set();`);
        out.push(`${INDENT}${INDENT}for (i, name) in ${name}::NAMES.iter().enumerate() {`);
        out.push(`${INDENT}${INDENT}${INDENT}if self.bits & (1 << i) != 0 {`);
        out.push(`${INDENT}${INDENT}${INDENT}${INDENT}set.entry(name);`);
        out.push(`${INDENT}${INDENT}${INDENT}}`);
        out.push(`${INDENT}${INDENT}}`);
        out.push(`${INDENT}${INDENT}set.finish()`);
        out.push(`${INDENT}}`);
        out.push('}');
        out.push(...abiHead(l));
        out.push(`${INDENT}fn lower(&self, out: &mut _rt::Flat) {`);
        out.push(`${INDENT}${INDENT}out.push(self.bits as u64);`);
        out.push(`${INDENT}}`);
        out.push(`${INDENT}unsafe fn store(&self, ptr: *mut u8) {`);
        out.push(`${INDENT}${INDENT}(ptr as *mut ${bits}).write_unaligned(self.bits);`);
        out.push(`${INDENT}}`);
        out.push(`${INDENT}unsafe fn free_flat(src: &mut _rt::Flat) {`);
        out.push(`${INDENT}${INDENT}src.n += 1;`);
        out.push(`${INDENT}}`);
        out.push(`${INDENT}unsafe fn free(_ptr: *const u8) {}`);
        out.push('}');
        out.push(`unsafe impl _rt::Lift for ${name} {`);
        out.push(`${INDENT}unsafe fn lift(src: &mut _rt::Flat) -> Self {`);
        out.push(`${INDENT}${INDENT}${name}::from_bits_truncate(src.next() as ${bits})`);
        out.push(`${INDENT}}`);
        out.push(`${INDENT}unsafe fn load(ptr: *const u8) -> Self {`);
        out.push(`${INDENT}${INDENT}${name}::from_bits_truncate((ptr as *const ${bits}).read_unaligned())`);
        out.push(`${INDENT}}`);
        out.push('}');
        return;
      }
      case 'resource': {
        const exported = this.isExportedResource(def, dir);
        // Handles of exported resources come from `[resource-new]` of the `[export]` module.
        const handleModule = exported ? `[export]${wasmModule}` : wasmModule;
        const drop = `[resource-drop]${def.name}`;
        // Derived names build on the plain camel-case name: `ResultBorrow`, not `Result_Borrow`.
        const trait = `Guest${camel(def.name)}`;
        const borrowName = `${camel(def.name)}Borrow`;
        out.push(...docLines(def.docs));
        out.push('///');
        out.push(
          exported
            ? `/// An owned handle to a resource this plugin implements (see \`${trait}\`); dropping it calls \`${drop}\`, which runs the value's destructor once no handle is left.`
            : `/// Owns a handle from the host; dropping it calls \`${drop}\`.`,
        );
        out.push('#[derive(Debug)]');
        out.push(`pub struct ${name} {`);
        out.push(`${INDENT}handle: core::cell::Cell<i32>,`);
        out.push('}');
        out.push(`impl ${name} {`);
        if (exported) {
          out.push(`${INDENT}/// Makes \`value\` a resource and returns the first handle to it.`);
          out.push(`${INDENT}pub fn new<V: ${trait}>(value: V) -> ${name} {`);
          out.push(`${INDENT}${INDENT}#[link(wasm_import_module = ${rustString(handleModule)})]`);
          out.push(`${INDENT}${INDENT}extern "C" {`);
          out.push(`${INDENT}${INDENT}${INDENT}#[link_name = ${rustString(`[resource-new]${def.name}`)}]`);
          out.push(`${INDENT}${INDENT}${INDENT}fn wit_new(rep: i32) -> i32;`);
          out.push(`${INDENT}${INDENT}}`);
          out.push(
            `${INDENT}${INDENT}unsafe { ${name}::from_handle(wit_new(_rt::new_rep(Box::new(value)))) }`,
          );
          out.push(`${INDENT}}`);
          out.push(
            `${INDENT}/// The value behind the handle; \`V\` is the type that implements \`${trait}\`.`,
          );
          out.push(`${INDENT}///`);
          out.push(`${INDENT}/// # Panics`);
          out.push(`${INDENT}///`);
          out.push(`${INDENT}/// If the value is not a \`V\`.`);
          out.push(`${INDENT}pub fn get<V: ${trait}>(&self) -> &V {`);
          out.push(`${INDENT}${INDENT}#[link(wasm_import_module = ${rustString(handleModule)})]`);
          out.push(`${INDENT}${INDENT}extern "C" {`);
          out.push(`${INDENT}${INDENT}${INDENT}#[link_name = ${rustString(`[resource-rep]${def.name}`)}]`);
          out.push(`${INDENT}${INDENT}${INDENT}fn wit_rep(handle: i32) -> i32;`);
          out.push(`${INDENT}${INDENT}}`);
          out.push(`${INDENT}${INDENT}unsafe { _rt::rep_ref::<V>(wit_rep(self.handle())) }`);
          out.push(`${INDENT}}`);
        }
        out.push(`${INDENT}/// Takes ownership of \`handle\`, a handle to this resource type.`);
        out.push(`${INDENT}pub unsafe fn from_handle(handle: i32) -> ${name} {`);
        out.push(`${INDENT}${INDENT}${name} { handle: core::cell::Cell::new(handle) }`);
        out.push(`${INDENT}}`);
        out.push(`${INDENT}/// The handle, still owned by \`self\`.`);
        out.push(`${INDENT}pub fn handle(&self) -> i32 {`);
        out.push(`${INDENT}${INDENT}self.handle.get()`);
        out.push(`${INDENT}}`);
        out.push(`${INDENT}/// Gives up ownership of the handle: \`self\` no longer drops it.`);
        out.push(`${INDENT}pub fn take_handle(&self) -> i32 {`);
        out.push(`${INDENT}${INDENT}self.handle.replace(0)`);
        out.push(`${INDENT}}`);
        if (!exported)
          for (const f of b.functions) out.push(...this.importFunction(f, from, wasmModule, INDENT));
        out.push('}');
        out.push(`impl Drop for ${name} {`);
        out.push(`${INDENT}fn drop(&mut self) {`);
        out.push(`${INDENT}${INDENT}let handle = self.handle.get();`);
        out.push(`${INDENT}${INDENT}if handle != 0 {`);
        out.push(`${INDENT}${INDENT}${INDENT}#[link(wasm_import_module = ${rustString(handleModule)})]`);
        out.push(`${INDENT}${INDENT}${INDENT}extern "C" {`);
        out.push(`${INDENT}${INDENT}${INDENT}${INDENT}#[link_name = ${rustString(drop)}]`);
        out.push(`${INDENT}${INDENT}${INDENT}${INDENT}fn wit_drop(handle: i32);`);
        out.push(`${INDENT}${INDENT}${INDENT}}`);
        out.push(`${INDENT}${INDENT}${INDENT}unsafe { wit_drop(handle) }`);
        out.push(`${INDENT}${INDENT}}`);
        out.push(`${INDENT}}`);
        out.push('}');
        out.push(`unsafe impl _rt::Abi for ${name} {`);
        out.push(`${INDENT}const SIZE: usize = 4;`);
        out.push(`${INDENT}const ALIGN: usize = 4;`);
        out.push(`${INDENT}const FLAT: usize = 1;`);
        out.push(`${INDENT}/// Passing an owned handle moves it to the other side.`);
        out.push(`${INDENT}fn lower(&self, out: &mut _rt::Flat) {`);
        out.push(`${INDENT}${INDENT}out.push(_rt::from_i32(self.take_handle()));`);
        out.push(`${INDENT}}`);
        out.push(`${INDENT}unsafe fn store(&self, ptr: *mut u8) {`);
        out.push(`${INDENT}${INDENT}_rt::write_i32(ptr, self.take_handle());`);
        out.push(`${INDENT}}`);
        out.push(`${INDENT}unsafe fn free_flat(src: &mut _rt::Flat) {`);
        out.push(`${INDENT}${INDENT}src.n += 1;`);
        out.push(`${INDENT}}`);
        out.push(`${INDENT}unsafe fn free(_ptr: *const u8) {}`);
        out.push('}');
        out.push(`unsafe impl _rt::Lift for ${name} {`);
        out.push(`${INDENT}unsafe fn lift(src: &mut _rt::Flat) -> Self {`);
        out.push(`${INDENT}${INDENT}${name}::from_handle(_rt::as_i32(src.next()))`);
        out.push(`${INDENT}}`);
        out.push(`${INDENT}unsafe fn load(ptr: *const u8) -> Self {`);
        out.push(`${INDENT}${INDENT}${name}::from_handle(_rt::read_i32(ptr))`);
        out.push(`${INDENT}}`);
        out.push('}');
        if (!exported) {
          // `&R` inside a parameter (`list<borrow<r>>`) lends the handle without moving it.
          out.push(`unsafe impl<'a> _rt::Abi for &'a ${name} {`);
          out.push(`${INDENT}const SIZE: usize = 4;`);
          out.push(`${INDENT}const ALIGN: usize = 4;`);
          out.push(`${INDENT}const FLAT: usize = 1;`);
          out.push(`${INDENT}fn lower(&self, out: &mut _rt::Flat) {`);
          out.push(`${INDENT}${INDENT}out.push(_rt::from_i32(self.handle()));`);
          out.push(`${INDENT}}`);
          out.push(`${INDENT}unsafe fn store(&self, ptr: *mut u8) {`);
          out.push(`${INDENT}${INDENT}_rt::write_i32(ptr, self.handle());`);
          out.push(`${INDENT}}`);
          out.push(`${INDENT}unsafe fn free_flat(src: &mut _rt::Flat) {`);
          out.push(`${INDENT}${INDENT}src.n += 1;`);
          out.push(`${INDENT}}`);
          out.push(`${INDENT}unsafe fn free(_ptr: *const u8) {}`);
          out.push('}');
        }
        if (exported) {
          out.push('');
          out.push(
            `/// A \`borrow<${def.name}>\` parameter: the resource lent for the duration of one call.`,
          );
          out.push('#[derive(Debug)]');
          out.push(`pub struct ${borrowName} {`);
          out.push(`${INDENT}rep: i32,`);
          out.push('}');
          out.push(`impl ${borrowName} {`);
          out.push(`${INDENT}#[doc(hidden)]`);
          out.push(`${INDENT}pub unsafe fn from_rep(rep: i32) -> ${borrowName} {`);
          out.push(`${INDENT}${INDENT}${borrowName} { rep }`);
          out.push(`${INDENT}}`);
          out.push(`${INDENT}/// The value lent; \`V\` is the type that implements \`${trait}\`.`);
          out.push(`${INDENT}///`);
          out.push(`${INDENT}/// # Panics`);
          out.push(`${INDENT}///`);
          out.push(`${INDENT}/// If the value is not a \`V\`.`);
          out.push(`${INDENT}pub fn get<V: ${trait}>(&self) -> &V {`);
          out.push(`${INDENT}${INDENT}unsafe { _rt::rep_ref::<V>(self.rep) }`);
          out.push(`${INDENT}}`);
          out.push('}');
          out.push('');
          out.push('#[doc(hidden)]');
          out.push(`pub unsafe fn _export_dtor_${snake(def.name)}(rep: i32) {`);
          out.push(`${INDENT}_rt::drop_rep(rep)`);
          out.push('}');
        }
        return;
      }
    }
  }

  // ---- functions --------------------------------------------------------------------------

  signature(f: WitFunction, dir: Dir, where: string) {
    try {
      return coreSignature(f, dir);
    } catch (cause) {
      if (isAbiError(cause))
        throw new BindgenError('WITKIT_BINDGEN_NO_ABI', `${where}: ${cause.message}`, { cause });
      throw cause;
    }
  }

  /** Static checks that Rust's layout of each parameter and result agrees with `@witkit/wit`'s. */
  layoutAsserts(f: WitFunction, from: readonly string[], dir: Dir, where: string, indent: string): string[] {
    const out: string[] = [];
    const types = [...f.params.map((p) => p.type), ...(f.result ? [f.result] : [])];
    for (const t of types) {
      if (containsBorrow(t)) continue;
      const u = unalias(t);
      if (!['option', 'result', 'tuple', 'list'].includes(u.kind)) continue;
      const l = layoutOf(t);
      const rust = this.rustType(t, from, dir, where);
      out.push(
        `${indent}const _: () = assert!(<${rust} as _rt::Abi>::SIZE == ${l.size} && <${rust} as _rt::Abi>::ALIGN == ${l.align} && <${rust} as _rt::Abi>::FLAT == ${flattenType(t).length});`,
      );
    }
    return out;
  }

  importFunction(
    f: WitFunction,
    from: readonly string[],
    wasmModule: string,
    indent: string,
    worldKey?: string,
  ): string[] {
    // World-level functions are named by their key in the world, which `include ... with` may rename.
    const linkName = worldKey ?? f.qualifiedName;
    const where = `function \`${linkName}\` of \`${wasmModule}\``;
    const sig = this.signature(f, 'import', where);
    const I = indent;
    const out: string[] = [''];
    out.push(...docLines(f.docs, I));
    const isMethod = f.kind === 'method';
    const params = isMethod ? f.params.slice(1) : f.params;
    const names = params.map((p) => snake(p.name));
    const rustParams = params.map((p, i) => `${names[i]}: ${this.paramType(p.type, from, 'import', where)}`);
    const resultType = f.result === undefined ? undefined : this.rustType(f.result, from, 'import', where);
    let fnName = f.kind === 'constructor' ? 'new' : snake(worldKey ?? f.name);
    // A resource's own helpers keep their names; a WIT function that would shadow one gets a `_`.
    if (f.resource !== undefined && f.kind !== 'constructor' && RESOURCE_HELPERS.has(fnName))
      fnName = `${fnName}_`;
    out.push(
      `${I}pub fn ${fnName}(${[...(isMethod ? ['&self'] : []), ...rustParams].join(', ')})${resultType === undefined ? '' : ` -> ${resultType}`} {`,
    );
    const B = `${I}${INDENT}`;
    out.push(...this.layoutAsserts(f, from, 'import', where, B));
    out.push(`${B}unsafe {`);
    const C = `${B}${INDENT}`;
    const coreParams = sig.params.map((t, i) => `p${i}: ${t}`).join(', ');
    out.push(`${C}#[link(wasm_import_module = ${rustString(wasmModule)})]`);
    out.push(`${C}extern "C" {`);
    out.push(`${C}${INDENT}#[link_name = ${rustString(linkName)}]`);
    out.push(
      `${C}${INDENT}fn wit_import(${coreParams})${sig.results.length ? ` -> ${sig.results[0]}` : ''};`,
    );
    out.push(`${C}}`);
    // Every parameter with its expression, how to lower it and the Rust type to free it as.
    const all = f.params.map((p, i) => {
      const expr = isMethod && i === 0 ? 'self' : names[isMethod ? i - 1 : i]!;
      const t = p.type;
      const isBorrow = t.kind === 'borrow';
      const byValue =
        !isBorrow &&
        (this.optionalSlice(t, from, where) !== undefined ||
          isCopy(t) ||
          unalias(t).kind === 'own' ||
          (unalias(t).kind === 'ref' && (unalias(t) as { def: WitTypeDef }).def.body.kind === 'resource'));
      return {
        expr,
        isBorrow,
        ref: byValue ? `&${expr}` : expr,
        owned: isBorrow ? undefined : this.rustType(t, from, 'import', where, true),
        alloc: hasAllocations(t),
        flat: flattenType(t).length,
      };
    });
    const args: string[] = [];
    if (sig.paramsIndirect) {
      const pl = sig.paramsLayout;
      out.push(`${C}let _args = _rt::alloc(${pl.size}, ${pl.align});`);
      all.forEach((p, i) => {
        out.push(
          p.isBorrow
            ? `${C}_rt::write_i32(_args.add(${pl.offsets[i]}), ${p.expr}.handle());`
            : `${C}_rt::Abi::store(${p.ref}, _args.add(${pl.offsets[i]}));`,
        );
      });
      args.push('_args as usize as i32');
    } else if (all.length > 0) {
      out.push(`${C}let mut _flat = _rt::Flat::new();`);
      for (const p of all) {
        out.push(
          p.isBorrow
            ? `${C}_flat.push(_rt::from_i32(${p.expr}.handle()));`
            : `${C}_rt::Abi::lower(${p.ref}, &mut _flat);`,
        );
      }
      sig.flatParams.forEach((t, i) => {
        args.push(`${AS_CORE[t]}(_flat.v[${i}])`);
      });
    }
    if (sig.resultsIndirect) {
      const words = Math.max(1, Math.ceil(sig.resultLayout!.size / 8));
      out.push(`${C}let mut _ret_area = [0u64; ${words}];`);
      out.push(`${C}let _ret = _ret_area.as_mut_ptr() as *mut u8;`);
      args.push('_ret as usize as i32');
    }
    const call = `wit_import(${args.join(', ')})`;
    const flatResult = !sig.resultsIndirect && sig.results.length === 1;
    out.push(flatResult ? `${C}let _result = ${call};` : `${C}${call};`);
    // What lowering allocated (copies of lists of non-plain elements) is released after the call.
    if (sig.paramsIndirect) {
      const pl = sig.paramsLayout;
      all.forEach((p, i) => {
        if (p.alloc) out.push(`${C}<${p.owned} as _rt::Abi>::free(_args.add(${pl.offsets[i]}));`);
      });
      out.push(`${C}_rt::dealloc(_args, ${pl.size}, ${pl.align});`);
    } else {
      let slot = 0;
      for (const p of all) {
        if (p.alloc) {
          out.push(`${C}_flat.n = ${slot};`);
          out.push(`${C}<${p.owned} as _rt::Abi>::free_flat(&mut _flat);`);
        }
        slot += p.flat;
      }
    }
    if (sig.resultsIndirect) {
      out.push(`${C}<${resultType} as _rt::Lift>::load(_ret)`);
    } else if (flatResult) {
      out.push(`${C}let mut _flat = _rt::Flat::new();`);
      out.push(`${C}_flat.push(${FROM_CORE[sig.results[0]!]}(_result));`);
      out.push(`${C}_flat.n = 0;`);
      out.push(`${C}<${resultType} as _rt::Lift>::lift(&mut _flat)`);
    } else if (resultType !== undefined) {
      // A result with no flat values (an empty tuple cannot occur; `result` with neither
      // payload still has a discriminant), so this is unreachable for valid components.
      out.push(`${C}<${resultType} as _rt::Lift>::lift(&mut _rt::Flat::new())`);
    }
    out.push(`${B}}`);
    out.push(`${I}}`);
    return out;
  }

  /**
   * Lifts a `borrow<r>` parameter of an export. A resource this plugin implements arrives as its
   * representation: `self` of a method becomes `&T::R`, other parameters an `RBorrow`. An
   * imported resource arrives as a handle the callee must not drop.
   */
  liftBorrow(
    out: string[],
    resource: WitTypeDef,
    i: number,
    core: string,
    paramType: string,
    isSelf: boolean,
    args: string[],
  ): void {
    const real = unaliasTypeDef(resource);
    if (this.isExportedResource(real, 'export')) {
      if (isSelf) out.push(`${INDENT}let a${i} = _rt::rep_ref::<_G::${typeName(real.name)}>(${core});`);
      else out.push(`${INDENT}let a${i} = ${paramType}::from_rep(${core});`);
      args.push(`a${i}`);
      return;
    }
    out.push(
      `${INDENT}let a${i} = core::mem::ManuallyDrop::new(${paramType.slice(1)}::from_handle(${core}));`,
    );
    args.push(`&a${i}`);
  }

  /** The trait method of an export, the `_export_*` wrapper and its post-return; registers the macro lines. */
  exportFunction(f: WitFunction, mod: Module, exportName: string, trait: string[], worldKey?: string): void {
    const from = mod.segments;
    const where = `exported function \`${exportName}\``;
    const sig = this.signature(f, 'export', where);
    const resource = f.resource;
    const method = f.kind === 'constructor' ? 'new' : snake(worldKey ?? f.name);
    // Resource functions get wrappers named after their resource: `counter_new`, `counter_get`.
    const fnName = resource === undefined ? method : `${snake(resource.name)}_${method}`;
    const names = f.params.map((p) => snake(p.name));
    const paramTypes = f.params.map((p) => this.paramType(p.type, from, 'export', where));
    const resultType = f.result === undefined ? undefined : this.rustType(f.result, from, 'export', where);
    const implType = resource === undefined ? undefined : `_G::${typeName(resource.name)}`;
    const implTrait = resource === undefined ? undefined : `Guest${camel(resource.name)}`;
    // A constructor returns the new value (`Self`), or a `Result` of it when declared fallible.
    let ctorErr: string | undefined;
    if (f.kind === 'constructor') {
      const isSelf = (t: WitType | undefined) =>
        t !== undefined &&
        ((t.kind === 'own' && unaliasTypeDef(t.resource) === resource) ||
          (t.kind === 'ref' && unaliasTypeDef(t.def) === resource));
      const r = f.result;
      if (r !== undefined && r.kind === 'result' && isSelf(r.ok))
        ctorErr = r.err === undefined ? '()' : this.rustType(r.err, from, 'export', where);
      else if (!isSelf(r))
        throw unsupported(`${where}: a constructor must return its resource, or a \`result\` of it`);
    }
    const traitParams = names.map((n, i) => `${n}: ${paramTypes[i]}`);
    if (f.kind === 'method') traitParams[0] = '&self';
    const traitResult =
      f.kind === 'constructor'
        ? ctorErr === undefined
          ? ' -> Self'
          : ` -> Result<Self, ${ctorErr}>`
        : resultType === undefined
          ? ''
          : ` -> ${resultType}`;
    const sized = f.kind === 'constructor' || f.kind === 'static' ? ' where Self: Sized' : '';
    trait.push('');
    trait.push(...docLines(f.docs, INDENT));
    trait.push(`${INDENT}fn ${method}(${traitParams.join(', ')})${traitResult}${sized};`);

    const out = mod.lines;
    const I = INDENT;
    const coreParams = sig.params.map((t, i) => `p${i}: ${t}`);
    const coreResult = sig.results.length ? ` -> ${sig.results[0]}` : '';
    const stash = `STASH_${fnName.toUpperCase()}`;
    out.push('');
    out.push(`#[doc(hidden)]`);
    out.push(`pub unsafe fn _export_${fnName}<_G: Guest>(${coreParams.join(', ')})${coreResult} {`);
    out.push(...this.layoutAsserts(f, from, 'export', where, I));
    const args: string[] = [];
    if (sig.paramsIndirect) {
      const pl = sig.paramsLayout;
      out.push(`${I}let args = p0 as u32 as usize as *mut u8;`);
      f.params.forEach((p, i) => {
        if (p.type.kind === 'borrow') {
          const core = `_rt::read_i32(args.add(${pl.offsets[i]}))`;
          this.liftBorrow(
            out,
            p.type.resource,
            i,
            core,
            paramTypes[i]!,
            f.kind === 'method' && i === 0,
            args,
          );
        } else {
          out.push(`${I}let a${i}: ${paramTypes[i]} = _rt::Lift::load(args.add(${pl.offsets[i]}));`);
          args.push(`a${i}`);
        }
      });
      // The host allocated the parameter area with cabi_realloc; the callee frees it.
      out.push(`${I}_rt::dealloc(args, ${pl.size}, ${pl.align});`);
    } else if (f.params.length > 0) {
      out.push(`${I}let mut flat = _rt::Flat::new();`);
      sig.params.forEach((t, i) => {
        out.push(`${I}flat.push(${FROM_CORE[t]}(p${i}));`);
      });
      out.push(`${I}flat.n = 0;`);
      f.params.forEach((p, i) => {
        if (p.type.kind === 'borrow') {
          const core = '_rt::as_i32(flat.next())';
          this.liftBorrow(
            out,
            p.type.resource,
            i,
            core,
            paramTypes[i]!,
            f.kind === 'method' && i === 0,
            args,
          );
        } else {
          out.push(`${I}let a${i}: ${paramTypes[i]} = _rt::Lift::lift(&mut flat);`);
          args.push(`a${i}`);
        }
      });
    }
    const call =
      resource === undefined
        ? `_G::${fnName}(${args.join(', ')})`
        : f.kind === 'constructor'
          ? ctorErr === undefined
            ? `${typeName(resource.name)}::new(<${implType} as ${implTrait}>::new(${args.join(', ')}))`
            : `match <${implType} as ${implTrait}>::new(${args.join(', ')}) { Ok(v) => Ok(${typeName(resource.name)}::new(v)), Err(e) => Err(e) }`
          : `<${implType} as ${implTrait}>::${method}(${args.join(', ')})`;
    if (resultType === undefined) {
      out.push(`${I}${call};`);
    } else if (!sig.resultsIndirect) {
      out.push(`${I}let result = ${call};`);
      out.push(`${I}let mut flat = _rt::Flat::new();`);
      out.push(`${I}_rt::Abi::lower(&result, &mut flat);`);
      out.push(`${I}${AS_CORE[sig.results[0]!]}(flat.v[0])`);
    } else {
      this.retAreaSize = Math.max(this.retAreaSize, sig.resultLayout!.size);
      out.push(`${I}let result = ${call};`);
      out.push(`${I}let ret = _rt::ret_area();`);
      out.push(`${I}_rt::Abi::store(&result, ret);`);
      // The stored value points into \`result\`'s buffers: keep it alive until post-return.
      out.push(`${I}${stash} = Some(result);`);
      out.push(`${I}ret as usize as i32`);
    }
    out.push('}');
    const macroArgs = sig.params.map((_, i) => `p${i}`).join(', ');
    const path = `$($path)*${from.length ? `::${from.join('::')}` : ''}`;
    const n = this.exportCount++;
    this.macroLines.push(`#[export_name = ${rustString(exportName)}]`);
    this.macroLines.push(
      `unsafe extern "C" fn export${n}(${coreParams.join(', ')})${coreResult} { ${path}::_export_${fnName}::<$ty>(${macroArgs}) }`,
    );
    if (sig.resultsIndirect) {
      out.push('');
      out.push(`static mut ${stash}: Option<${resultType}> = None;`);
      out.push('');
      out.push('#[doc(hidden)]');
      out.push(`pub unsafe fn _post_return_${fnName}(p0: i32) {`);
      out.push(`${I}<${resultType} as _rt::Abi>::free(p0 as u32 as usize as *const u8);`);
      out.push(`${I}${stash} = None;`);
      out.push('}');
      this.macroLines.push(`#[export_name = ${rustString(`cabi_post_${exportName}`)}]`);
      this.macroLines.push(
        `unsafe extern "C" fn post_return${n}(p0: i32) { ${path}::_post_return_${fnName}(p0) }`,
      );
    }
  }

  // ---- interfaces and the world -----------------------------------------------------------

  rtImport(mod: Module): void {
    if (mod.segments.length === 0) return;
    mod.lines.push('#[allow(unused_imports)]');
    mod.lines.push(`use ${'super::'.repeat(mod.segments.length)}_rt;`);
  }

  importInterface(key: string, iface: WitInterface): void {
    const mod = this.module(this.interfaceSegments(iface, key, 'import'), iface.docs);
    this.rtImport(mod);
    for (const def of iface.types.values()) this.typeDef(def, mod, 'import', key);
    for (const f of iface.functions.values()) {
      if (f.kind === 'freestanding') mod.lines.push(...this.importFunction(f, mod.segments, key, ''));
    }
  }

  exportInterface(key: string, iface: WitInterface): void {
    const mod = this.module(this.interfaceSegments(iface, key, 'export'), iface.docs);
    this.rtImport(mod);
    const resources = [...iface.types.values()].filter((d) => d.body.kind === 'resource');
    for (const def of iface.types.values()) this.typeDef(def, mod, 'export', key);
    const trait: string[] = [];
    const resourceTraits = new Map<WitTypeDef, string[]>(resources.map((r) => [r, []]));
    for (const f of iface.functions.values()) {
      const into = f.resource === undefined ? trait : resourceTraits.get(f.resource);
      this.exportFunction(f, mod, coreExportName(key, f), into ?? trait);
    }
    const path = `$($path)*::${mod.segments.join('::')}`;
    for (const r of resources) {
      const name = typeName(r.name);
      this.macroLines.push(`#[export_name = ${rustString(`${key}#[dtor]${r.name}`)}]`);
      this.macroLines.push(
        `unsafe extern "C" fn dtor${this.exportCount++}(rep: i32) { ${path}::_export_dtor_${snake(r.name)}(rep) }`,
      );
      mod.lines.push('');
      mod.lines.push(...docLines(r.docs));
      if (r.docs) mod.lines.push('///');
      mod.lines.push(
        `/// Implement this for the type behind \`${name}\` and name that type in \`Guest::${name}\`; make handles with \`${name}::new\`.`,
      );
      mod.lines.push(
        `pub trait Guest${camel(r.name)}: 'static {`,
        ...(resourceTraits.get(r) ?? []).slice(1),
        '}',
      );
    }
    mod.lines.push('');
    mod.lines.push(...docLines(iface.docs));
    if (iface.docs) mod.lines.push('///');
    mod.lines.push(`/// Implement this for your plugin type and pass the type to \`${this.macroName}!\`.`);
    const assoc = resources.flatMap((r, i) => [
      ...(i === 0 ? [] : ['']),
      `${INDENT}/// The type that implements resource \`${r.name}\`.`,
      `${INDENT}type ${typeName(r.name)}: Guest${camel(r.name)};`,
    ]);
    const body = [...assoc, ...(assoc.length > 0 ? trait : trait.slice(1))];
    mod.lines.push('pub trait Guest {', ...body, '}');
  }

  get macroName(): string {
    return `export_${snake(this.world.name)}`;
  }

  generate(): string {
    const w = this.world;
    for (const [key, item] of w.imports) {
      if (item.kind === 'interface') this.importInterface(key, item.interface);
      else if (item.kind === 'type') this.typeDef(item.type, this.root, 'import', '$root');
      // Functions of a world-level resource are emitted with the resource's type.
      else if (item.function.kind === 'freestanding')
        this.root.lines.push(...this.importFunction(item.function, [], '$root', '', key));
    }
    const worldTrait: string[] = [];
    for (const [key, item] of w.exports) {
      if (item.kind === 'interface') this.exportInterface(key, item.interface);
      else if (item.kind === 'function') this.exportFunction(item.function, this.root, key, worldTrait, key);
    }
    if (worldTrait.length > 0) {
      this.root.lines.push('');
      this.root.lines.push(...docLines(w.docs));
      if (w.docs) this.root.lines.push('///');
      this.root.lines.push(
        `/// The functions world \`${w.name}\` exports itself; implement it and pass the type to \`${this.macroName}!\`.`,
      );
      this.root.lines.push('pub trait Guest {', ...worldTrait.slice(1), '}');
    }

    const out: string[] = [
      `// Generated by @witkit/bindgen-rust ${GENERATOR_VERSION} from world \`${w.id}\`. Do not edit.`,
      '//',
      '// Save as `src/bindings.rs` and declare it with `mod bindings;` (or pass `with_types_in` to the export',
      '// macro). It needs no crates and builds with Rust 1.63+ for `wasm32-wasi`.',
    ];
    out.push(...this.renderModule(this.root, ''));
    out.push('');
    out.push('#[doc(hidden)]');
    out.push('#[allow(dead_code, unused_unsafe, non_upper_case_globals)]');
    out.push('pub mod _rt {');
    for (const line of RUNTIME.replaceAll('{RET_AREA_SIZE}', String(this.retAreaSize))
      .trimEnd()
      .split('\n')) {
      out.push(line === '' ? '' : `${INDENT}${line}`);
    }
    out.push('}');
    if (this.exportCount > 0) {
      out.push('');
      out.push(...docLines(w.docs));
      if (w.docs) out.push('///');
      out.push(
        `/// Exports \`$ty\` as the implementation of world \`${w.id}\`: \`$ty\` implements the \`Guest\` trait of`,
      );
      out.push('/// every exported interface. Call it once, at the crate root:');
      out.push('///');
      out.push('/// ```ignore');
      out.push(`/// bindings::${this.macroName}!(MyPlugin);`);
      out.push(`/// // or, with the bindings mounted elsewhere:`);
      out.push(`/// bindings::${this.macroName}!(MyPlugin with_types_in crate::path::to::bindings);`);
      out.push('/// ```');
      out.push('#[allow(unused_macros)]');
      out.push(`macro_rules! ${this.macroName} {`);
      // Without an `_initialize` that runs the static constructors, wasm-ld wraps every export
      // (cabi_realloc and post-returns included) in constructor and destructor calls, and those
      // reach WASI imports where the component model forbids calls out. With it, the module is a
      // WASI reactor: the adapter runs `_initialize` once, at instantiation.
      this.macroLines.push('#[cfg(target_arch = "wasm32")]');
      this.macroLines.push('#[export_name = "_initialize"]');
      this.macroLines.push(
        'extern "C" fn initialize() { extern "C" { fn __wasm_call_ctors(); } unsafe { __wasm_call_ctors() } }',
      );
      // The default arm spells the path out rather than calling the macro again: a recursive
      // call would need the macro in scope by name at the caller.
      for (const [pattern, path] of [
        ['$ty:ident', this.modulePath],
        ['$ty:ident with_types_in $($path:tt)*', '$($path)*'],
      ] as const) {
        out.push(`${INDENT}(${pattern}) => {`);
        out.push(`${INDENT}${INDENT}const _: () = {`);
        for (const l of this.macroLines)
          out.push(`${INDENT}${INDENT}${INDENT}${l.replaceAll('$($path)*', path)}`);
        out.push(`${INDENT}${INDENT}};`);
        out.push(`${INDENT}};`);
      }
      out.push('}');
      out.push('#[allow(unused_imports)]');
      out.push(`pub(crate) use ${this.macroName};`);
    }
    return `${out.join('\n')}\n`;
  }

  renderModule(mod: Module, indent: string): string[] {
    const out: string[] = [];
    for (const l of mod.lines) out.push(l === '' ? '' : `${indent}${l}`);
    for (const [name, child] of mod.children) {
      out.push('');
      out.push(...docLines(child.docs, indent));
      if (mod.segments.length === 0) out.push(`${indent}#[allow(dead_code, clippy::all)]`);
      out.push(`${indent}pub mod ${name} {`);
      const body = this.renderModule(child, `${indent}${INDENT}`);
      while (body[0] === '') body.shift();
      out.push(...body);
      out.push(`${indent}}`);
    }
    return out;
  }
}

/**
 * Generates Rust guest bindings for a world as ONE self-contained source file: types for every
 * WIT type (structs, enums with payloads, flags with bit operations, `Option`, `Result`,
 * `String`, `Vec`, `char`), imported functions and resources (whose `Drop` calls
 * `[resource-drop]`), a `Guest` trait per exported interface (and one for the world's own
 * exported functions), and an `export_<world>!` macro that emits the `#[export_name]` wrappers,
 * `cabi_realloc` and the `cabi_post_*` functions that free what exports returned. WIT doc
 * comments become Rust doc comments. It needs no crates and compiles with Rust 1.63+.
 *
 * @throws {@link BindgenError} `WITKIT_BINDGEN_UNSUPPORTED` for exported resources, async types,
 * fixed-length lists and nested borrows; `WITKIT_BINDGEN_NO_ABI` for types no component can carry;
 * `WITKIT_BINDGEN_INVALID_OPTIONS` for bad options. A world that does not exist throws `WitError`.
 *
 * @example
 * ```ts
 * import { resolveWitPath } from '@witkit/wit';
 * const rust = generateRustBindings({ resolve: await resolveWitPath('wit'), world: 'processor-plugin' });
 * await writeFile('src/bindings.rs', rust);
 * // src/lib.rs: mod bindings; struct Plugin; impl bindings::exports::...::Guest for Plugin { ... }
 * //             bindings::export_processor_plugin!(Plugin);
 * ```
 */
export function generateRustBindings(options: RustBindingsOptions): string {
  if (typeof options !== 'object' || options === null)
    throw new BindgenError(
      'WITKIT_BINDGEN_INVALID_OPTIONS',
      `expected an options object, got ${String(options)}`,
    );
  if (typeof options.world !== 'string')
    throw new BindgenError(
      'WITKIT_BINDGEN_INVALID_OPTIONS',
      `expected \`world\` to be a world name or id, got ${typeof options.world}`,
    );
  const modulePath = options.modulePath ?? 'crate::bindings';
  if (!/^(crate|self|super|[A-Za-z_][A-Za-z0-9_]*)(::[A-Za-z_][A-Za-z0-9_]*)*$/.test(modulePath))
    throw new BindgenError(
      'WITKIT_BINDGEN_INVALID_OPTIONS',
      `expected \`modulePath\` to be a Rust path like \`crate::bindings\`, got \`${modulePath}\``,
    );
  const world = selectWorld(options.resolve, options.world);
  return new Generator(world, modulePath).generate();
}

/**
 * {@link generateRustBindings} for a WIT file or directory (with its `deps/`).
 *
 * @throws `WitError` for bad WIT, {@link BindgenError} as {@link generateRustBindings}.
 *
 * @example
 * ```ts
 * const rust = await generateRustBindingsFromPath('wit', { world: 'processor-plugin' });
 * ```
 */
export async function generateRustBindingsFromPath(
  path: string,
  options: RustBindingsPathOptions,
): Promise<string> {
  const resolve = await resolveWitPath(
    path,
    options.features === undefined ? {} : { features: options.features },
  );
  const { features: _features, ...rest } = options;
  return generateRustBindings({ ...rest, resolve });
}

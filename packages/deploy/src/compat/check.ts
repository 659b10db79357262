import { type CompareMode, compareFunctions, type Difference, pathText, pathWords } from './compare.js';
import { describeComponentWorld } from './component-world.js';
import type { HostContract, HostProvisions } from './host-contract.js';
import { sameInterface, splitId, versionLine } from './ids.js';
import { type FunctionShape, functionLabel, type InterfaceShape, type WorldShape } from './shape.js';

/** What kind of difference a {@link Change} is. */
export type ChangeKind = 'removed' | 'added' | 'changed' | 'missing-import';

/** One difference between a component and what it is checked against. */
export interface Change {
  readonly kind: ChangeKind;
  /** What it was found against: the host's contract for the world, or the previous release. */
  readonly against: 'host' | 'previous';
  /** Full id of the interface; `''` for a function the world imports or exports directly. */
  readonly interface: string;
  /** Component-level name of the function (`process`, `[method]logger.log`), when the change is in one. */
  readonly function?: string;
  /** Name of the type the change is in, when it has one (e.g. `process-request`). */
  readonly type?: string;
  /** Where in the signature: `req.input`, `result.err`, `items[]`. */
  readonly path?: string;
  /** What was expected (the contract, the host, the previous release), in WIT syntax. */
  readonly before?: string;
  /** What the component has, in WIT syntax. */
  readonly after?: string;
  /** Whether the change stops the component from being served. */
  readonly breaking: boolean;
  /** One sentence naming the interface, function and types. */
  readonly message: string;
}

/** The outcome of {@link checkCompatibility}. */
export interface CompatibilityReport {
  /** True when no change is breaking. */
  readonly compatible: boolean;
  /** Full id of the world the component was checked as. */
  readonly world: string;
  /** Every difference found: breaking ones first, each group in the order found. */
  readonly changes: readonly Change[];
}

/** What {@link checkCompatibility} compares. */
export interface CompatibilityInput {
  /** The component (bytes), or its world as {@link describeComponentWorld} returns it. */
  readonly component: Uint8Array | WorldShape;
  /** What the host provides and expects for the world the plugin is served as ({@link loadHostContract}). */
  readonly host: HostContract;
  /** The release the component replaces, if any. */
  readonly previous?: Uint8Array | WorldShape;
}

const worldOf = (c: Uint8Array | WorldShape): WorldShape =>
  c instanceof Uint8Array ? describeComponentWorld(c) : c;

/** Where in a signature a difference lies, as the optional fields of a {@link Change}. */
function located(d: Difference): Pick<Change, 'type' | 'path' | 'before' | 'after'> {
  return {
    ...(d.type ? { type: d.type } : {}),
    ...(d.steps.length ? { path: pathText(d.steps) } : {}),
    ...(d.before ? { before: d.before } : {}),
    ...(d.after ? { after: d.after } : {}),
  };
}

function subject(iface: string, fn?: string): string {
  if (fn === undefined) return `\`${iface}\``;
  return iface === ''
    ? `world function \`${functionLabel(fn)}\``
    : `\`${iface}\` function \`${functionLabel(fn)}\``;
}

const functionList = (iface: InterfaceShape) => {
  const names = Object.keys(iface.functions).map(functionLabel);
  return names.length ? ` (functions ${names.map((n) => `\`${n}\``).join(', ')})` : '';
};

/** The provided interface an import binds to: the same id, else the same interface at a compatible version. */
function findProvided(interfaces: HostProvisions['interfaces'], id: string): InterfaceShape | undefined {
  return interfaces[id] ?? Object.values(interfaces).find((i) => sameInterface(i.id, id));
}

class Checker {
  readonly changes: Change[] = [];

  constructor(private readonly world: string) {}

  add(change: Change): void {
    this.changes.push(change);
  }

  /** Every import must be something the host provides, with the same signature. */
  imports(current: WorldShape, provides: HostProvisions): void {
    for (const [id, iface] of Object.entries(current.imports)) {
      const provided = findProvided(provides.interfaces, id);
      const { base, version } = splitId(id);
      const named = provides.byName[base];
      if (provided) {
        for (const [name, fn] of Object.entries(iface.functions)) {
          const host = provided.functions[name];
          if (!host) this.missingFunction(id, name, `the host's \`${provided.id}\` has no such function`);
          else this.mismatch(id, name, host, fn);
        }
      } else if (named && version !== undefined && versionLine(version) === named.versionLine) {
        for (const name of Object.keys(iface.functions)) {
          if (!named.functions.includes(name)) {
            this.missingFunction(
              id,
              name,
              `the host's \`${base}\` (${named.versionLine}.x) has no such function`,
            );
          }
        }
      } else {
        const near = [
          ...Object.keys(provides.interfaces).filter((p) => splitId(p).base === base),
          ...(named ? [`${base}@${named.versionLine}.x`] : []),
        ];
        this.add({
          kind: 'missing-import',
          against: 'host',
          interface: id,
          breaking: true,
          message: `${subject(id)} is imported, but the host does not provide it${near.length ? ` (it provides ${near.map((n) => `\`${n}\``).join(', ')})` : ''}`,
        });
      }
    }
    for (const name of Object.keys(current.importFunctions)) {
      this.missingFunction('', name, 'the host provides no world-level functions');
    }
  }

  private missingFunction(iface: string, fn: string, why: string): void {
    this.add({
      kind: 'missing-import',
      against: 'host',
      interface: iface,
      function: fn,
      breaking: true,
      message: `${subject(iface, fn)} is imported, but ${why}`,
    });
  }

  private mismatch(iface: string, name: string, host: FunctionShape, imported: FunctionShape): void {
    for (const d of compareFunctions(host, imported, 'exact')) {
      if (!d.breaking) continue;
      this.add({
        kind: 'missing-import',
        against: 'host',
        interface: iface,
        function: name,
        ...located(d),
        breaking: true,
        message: `${subject(iface, name)} is imported with another signature than the host provides: ${pathWords(d.steps)} ${d.detail}`,
      });
    }
  }

  /** Compares what was there (`before`) with what the component exports now (`after`). */
  exports(
    before: Pick<WorldShape, 'exports' | 'exportFunctions'>,
    after: WorldShape,
    against: 'host' | 'previous',
  ): void {
    const mode: CompareMode = against === 'host' ? 'exact' : 'evolve';
    for (const [id, expected] of Object.entries(before.exports)) {
      const actual = after.exports[id];
      if (actual) {
        this.functions(id, expected.functions, actual.functions, mode, against);
      } else {
        this.add({
          kind: 'removed',
          against,
          interface: id,
          breaking: true,
          message: `${subject(id)} ${this.gone(against)}${functionList(expected)}`,
        });
      }
    }
    for (const [id, actual] of Object.entries(after.exports)) {
      if (!(id in before.exports)) {
        this.add({
          kind: 'added',
          against,
          interface: id,
          breaking: false,
          message: `${subject(id)} ${this.extra(against)}${functionList(actual)}`,
        });
      }
    }
    this.functions('', before.exportFunctions, after.exportFunctions, mode, against);
  }

  private gone(against: 'host' | 'previous'): string {
    return against === 'host'
      ? `is required by world \`${this.world}\` but not exported`
      : 'was exported by the previous release and is gone';
  }

  private extra(against: 'host' | 'previous'): string {
    return against === 'host'
      ? `is exported beyond what world \`${this.world}\` requires`
      : 'is new in this release';
  }

  private functions(
    iface: string,
    before: Readonly<Record<string, FunctionShape>>,
    after: Readonly<Record<string, FunctionShape>>,
    mode: CompareMode,
    against: 'host' | 'previous',
  ): void {
    for (const [name, fn] of Object.entries(before)) {
      const now = after[name];
      if (!now) {
        this.add({
          kind: 'removed',
          against,
          interface: iface,
          function: name,
          breaking: true,
          message: `${subject(iface, name)} ${this.gone(against)}`,
        });
        continue;
      }
      for (const d of compareFunctions(fn, now, mode)) {
        this.add({
          kind: 'changed',
          against,
          interface: iface,
          function: name,
          ...located(d),
          breaking: d.breaking,
          message: `${subject(iface, name)}: ${pathWords(d.steps)} ${d.detail}`,
        });
      }
    }
    for (const name of Object.keys(after)) {
      if (!(name in before)) {
        this.add({
          kind: 'added',
          against,
          interface: iface,
          function: name,
          breaking: false,
          message: `${subject(iface, name)} ${this.extra(against)}`,
        });
      }
    }
  }
}

/**
 * Checks a component structurally against the host it is to be served by, and against the
 * release it replaces:
 *
 * - every import must be provided by the host with the same signature (`missing-import`);
 * - every export of the served world must be there with exactly the world's signature; more
 *   exports are fine (`added`, not breaking);
 * - against `previous`: functions removed or changed incompatibly break, added ones do not (see
 *   {@link CompareMode} for how variants, enums and flags may grow).
 *
 * Types are compared by shape: renaming a type or an alias changes nothing; a record field, a
 * case or a parameter type that differs is named with both types.
 *
 * @throws {CompatibilityError} `WITKIT_UNREADABLE_COMPONENT` when `component` or `previous` are bytes that are not a component
 *
 * @example
 * ```ts
 * const report = checkCompatibility({ component, previous, host: await loadHostContract('processor-plugin') });
 * if (!report.compatible) console.error(formatCompatibilityReport(report));
 * ```
 */
export function checkCompatibility(input: CompatibilityInput): CompatibilityReport {
  const current = worldOf(input.component);
  const check = new Checker(input.host.world);
  check.imports(current, input.host.provides);
  check.exports(input.host.expects, current, 'host');
  if (input.previous !== undefined) check.exports(worldOf(input.previous), current, 'previous');
  const changes = [...check.changes.filter((c) => c.breaking), ...check.changes.filter((c) => !c.breaking)];
  return { compatible: !changes.some((c) => c.breaking), world: input.host.world, changes };
}

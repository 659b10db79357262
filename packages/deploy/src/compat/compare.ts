import { sameInterface } from './ids.js';
import {
  type FunctionShape,
  renderSignature,
  renderStructure,
  renderType,
  type ValueShape,
} from './shape.js';

/**
 * How two signatures are compared.
 * - `exact`: any difference in shape breaks (a contract the component must meet as written).
 * - `evolve`: the host calls the function, written against `before`, and now meets `after`:
 *   it passes parameters and reads results. Cases appended to a variant, enum or flags in a
 *   parameter are values it never sends (fine); appended in a result, values it cannot read
 *   (breaking). Trailing cases dropped work the other way round.
 */
export type CompareMode = 'exact' | 'evolve';

/** Which way a value flows at a point of a signature, seen from the caller. */
type Position = 'param' | 'result';

/** One step from a function down to the place of a difference. */
export type PathStep =
  | { readonly kind: 'param'; readonly name: string }
  | { readonly kind: 'result' }
  | { readonly kind: 'field'; readonly name: string; readonly owner?: string }
  | { readonly kind: 'case'; readonly name: string; readonly owner?: string }
  | { readonly kind: 'element' | 'some' | 'ok' | 'err' | 'payload' }
  | { readonly kind: 'item'; readonly index: number };

/** One difference between two signatures. */
export interface Difference {
  /** Where it is; empty for the signature as a whole (parameter count, async). */
  readonly steps: readonly PathStep[];
  /** What was expected there, in WIT syntax. */
  readonly before?: string;
  /** What is there now, in WIT syntax. */
  readonly after?: string;
  /** Name of the nearest named type the difference is in, or of the type that changed. */
  readonly type?: string;
  /** What happened, completing "<where> …": `changed from \`a\` to \`b\``, `gained cases \`x\``. */
  readonly detail: string;
  readonly breaking: boolean;
}

/** Size in bytes of a variant's (or enum's) discriminant, or of a flags value, in the Canonical ABI. */
function discriminantBytes(kind: 'variant' | 'enum' | 'flags', count: number): number {
  if (kind === 'flags') return count === 0 ? 0 : count <= 8 ? 1 : count <= 16 ? 2 : 4;
  return count <= 0x100 ? 1 : count <= 0x10000 ? 2 : 4;
}

const quoteList = (names: readonly string[]) => names.map((n) => `\`${n}\``).join(', ');

class Comparison {
  readonly out: Difference[] = [];

  constructor(private readonly mode: CompareMode) {}

  add(steps: readonly PathStep[], diff: Omit<Difference, 'steps'>): void {
    this.out.push({ steps, ...diff });
  }

  value(
    before: ValueShape,
    after: ValueShape,
    steps: readonly PathStep[],
    position: Position,
    container: string | undefined,
  ): void {
    const type = before.name ?? after.name ?? container;
    if (
      before.kind === after.kind &&
      this.inside(before, after, steps, position, before.name ?? container, type)
    ) {
      return;
    }
    this.add(steps, {
      before: renderType(before),
      after: renderType(after),
      ...(type ? { type } : {}),
      detail: `changed from \`${describe(before, after)}\` to \`${describe(after, before)}\``,
      breaking: true,
    });
  }

  /**
   * Compares what two types of the same kind hold, recording differences further down; false
   * when they already differ at this level (a length, an arity, a resource).
   */
  private inside(
    before: ValueShape,
    after: ValueShape,
    steps: readonly PathStep[],
    position: Position,
    inner: string | undefined,
    type: string | undefined,
  ): boolean {
    const at = (step: PathStep) => [...steps, step];
    const owner = inner ? { owner: inner } : {};
    switch (before.kind) {
      case 'list': {
        const a = after as typeof before;
        if (before.length !== a.length) return false;
        this.value(before.element, a.element, at({ kind: 'element' }), position, inner);
        return true;
      }
      case 'option':
        this.value(before.type, (after as typeof before).type, at({ kind: 'some' }), position, inner);
        return true;
      case 'result': {
        const a = after as typeof before;
        if (!before.ok !== !a.ok || !before.err !== !a.err) return false;
        if (before.ok && a.ok) this.value(before.ok, a.ok, at({ kind: 'ok' }), position, inner);
        if (before.err && a.err) this.value(before.err, a.err, at({ kind: 'err' }), position, inner);
        return true;
      }
      case 'tuple': {
        const a = after as typeof before;
        if (before.types.length !== a.types.length) return false;
        for (const [i, t] of before.types.entries()) {
          this.value(t, a.types[i]!, at({ kind: 'item', index: i }), position, inner);
        }
        return true;
      }
      case 'future':
      case 'stream': {
        const a = after as typeof before;
        if (!before.type !== !a.type) return false;
        if (before.type && a.type) this.value(before.type, a.type, at({ kind: 'payload' }), position, inner);
        return true;
      }
      case 'own':
      case 'borrow': {
        const a = after as typeof before;
        return (
          before.resource.name === a.resource.name &&
          sameInterface(before.resource.interface, a.resource.interface)
        );
      }
      case 'record': {
        const a = after as typeof before;
        if (this.fields(before, a, steps, type)) {
          for (const [i, f] of before.fields.entries()) {
            this.value(
              f.type,
              a.fields[i]!.type,
              at({ kind: 'field', name: f.name, ...owner }),
              position,
              inner,
            );
          }
        }
        return true;
      }
      case 'variant': {
        const a = after as typeof before;
        const names = (v: typeof before) => v.cases.map((c) => c.name);
        const common = this.cases('variant', names(before), names(a), steps, position, before, a, type);
        for (let i = 0; i < common; i++) {
          const b = before.cases[i]!;
          const n = a.cases[i]!;
          const step = at({ kind: 'case', name: b.name, ...owner });
          if (!b.type !== !n.type) {
            this.add(step, {
              before: renderType(b.type),
              after: renderType(n.type),
              ...(type ? { type } : {}),
              detail: b.type ? 'lost its payload' : 'gained a payload',
              breaking: true,
            });
          } else if (b.type && n.type) {
            this.value(b.type, n.type, step, position, inner);
          }
        }
        return true;
      }
      case 'enum':
        this.cases(
          'enum',
          before.cases,
          (after as typeof before).cases,
          steps,
          position,
          before,
          after,
          type,
        );
        return true;
      case 'flags':
        this.cases(
          'flags',
          before.flags,
          (after as typeof before).flags,
          steps,
          position,
          before,
          after,
          type,
        );
        return true;
      default:
        return true;
    }
  }

  /**
   * Compares the field names of two records; true when they are the same, in the same order.
   * Fields are positional in the Canonical ABI and named in every binding: any change breaks.
   */
  private fields(
    before: ValueShape & { kind: 'record' },
    after: ValueShape & { kind: 'record' },
    steps: readonly PathStep[],
    type: string | undefined,
  ): boolean {
    const names = before.fields.map((f) => f.name);
    const next = after.fields.map((f) => f.name);
    if (names.join('\n') === next.join('\n')) return true;
    const removed = names.filter((n) => !next.includes(n));
    const added = next.filter((n) => !names.includes(n));
    const parts = [
      ...(removed.length ? [`lost field${removed.length > 1 ? 's' : ''} ${quoteList(removed)}`] : []),
      ...(added.length ? [`gained field${added.length > 1 ? 's' : ''} ${quoteList(added)}`] : []),
    ];
    this.add(steps, {
      before: renderStructure(before),
      after: renderStructure(after),
      ...(type ? { type } : {}),
      detail: parts.length ? parts.join(' and ') : 'reordered its fields',
      breaking: true,
    });
    return false;
  }

  /**
   * Compares the case (or flag) names of a variant, enum or flags type and records what
   * changed; returns how many leading cases both share, whose payloads the caller compares.
   */
  private cases(
    kind: 'variant' | 'enum' | 'flags',
    before: readonly string[],
    after: readonly string[],
    steps: readonly PathStep[],
    position: Position,
    beforeShape: ValueShape,
    afterShape: ValueShape,
    type: string | undefined,
  ): number {
    const shared = before.findIndex((name, i) => after[i] !== name);
    const prefix = shared === -1 ? Math.min(before.length, after.length) : shared;
    if (prefix === before.length && prefix === after.length) return prefix;
    const word = kind === 'flags' ? 'flag' : 'case';
    const sameAbi = discriminantBytes(kind, before.length) === discriminantBytes(kind, after.length);
    let detail: string;
    let breaking: boolean;
    if (prefix === before.length) {
      const added = after.slice(prefix);
      detail = `gained ${word}${added.length > 1 ? 's' : ''} ${quoteList(added)}`;
      breaking = this.mode === 'exact' || position === 'result' || !sameAbi;
    } else if (prefix === after.length) {
      const removed = before.slice(prefix);
      detail = `lost ${word}${removed.length > 1 ? 's' : ''} ${quoteList(removed)}`;
      breaking = this.mode === 'exact' || position === 'param' || !sameAbi;
    } else {
      detail = `changed its ${word}s from ${quoteList(before)} to ${quoteList(after)}`;
      breaking = true;
    }
    this.add(steps, {
      before: renderStructure(beforeShape),
      after: renderStructure(afterShape),
      ...(type ? { type } : {}),
      detail,
      breaking,
    });
    return prefix;
  }
}

const nominal = new Set(['record', 'variant', 'enum', 'flags']);

/**
 * A type for a message: records, variants, enums and flags by name (unless both sides carry the
 * same name), everything else by structure, since an alias's name says nothing about its shape.
 */
function describe(type: ValueShape, other: ValueShape): string {
  return type.name !== undefined && nominal.has(type.kind) && type.name !== other.name
    ? type.name
    : renderStructure(type);
}

/**
 * The differences between two signatures of one function. Parameter names do not count: every
 * binding passes arguments by position. Everything else is judged by `mode`.
 */
export function compareFunctions(
  before: FunctionShape,
  after: FunctionShape,
  mode: CompareMode,
): Difference[] {
  const cmp = new Comparison(mode);
  if (!before.async !== !after.async || before.params.length !== after.params.length) {
    cmp.add([], {
      before: renderSignature(before),
      after: renderSignature(after),
      detail: `changed from \`${renderSignature(before)}\` to \`${renderSignature(after)}\``,
      breaking: true,
    });
    return cmp.out;
  }
  before.params.forEach((p, i) => {
    const next = after.params[i]!;
    const step: PathStep = { kind: 'param', name: p.name };
    if (p.name !== next.name) {
      cmp.add([step], {
        before: p.name,
        after: next.name,
        detail: `was renamed to \`${next.name}\``,
        breaking: false,
      });
    }
    cmp.value(p.type, next.type, [step], 'param', undefined);
  });
  if (!before.result !== !after.result) {
    cmp.add([{ kind: 'result' }], {
      before: renderType(before.result),
      after: renderType(after.result),
      detail: before.result
        ? `was removed (it was \`${renderType(before.result)}\`)`
        : `was added: \`${renderType(after.result)}\``,
      breaking: true,
    });
  } else if (before.result && after.result) {
    cmp.value(before.result, after.result, [{ kind: 'result' }], 'result', undefined);
  }
  return cmp.out;
}

/** A path as text: `req.input`, `result.err`, `items[]`. */
export function pathText(steps: readonly PathStep[]): string {
  let out = '';
  for (const step of steps) {
    switch (step.kind) {
      case 'param':
        out += step.name;
        break;
      case 'result':
        out += 'result';
        break;
      case 'field':
      case 'case':
        out += `.${step.name}`;
        break;
      case 'element':
        out += '[]';
        break;
      case 'item':
        out += `.${step.index}`;
        break;
      default:
        out += `.${step.kind}`;
    }
  }
  return out;
}

/** Where a difference is, in words: ``parameter `req` (field `input` of `process-request`)``. */
export function pathWords(steps: readonly PathStep[]): string {
  if (steps.length === 0) return 'the signature';
  const [head, ...rest] = steps;
  const first = head!.kind === 'param' ? `parameter \`${head!.name}\`` : 'the result';
  if (rest.length === 0) return first;
  const words = rest.map((step) => {
    switch (step.kind) {
      case 'field':
        return `field \`${step.name}\`${step.owner ? ` of \`${step.owner}\`` : ''}`;
      case 'case':
        return `case \`${step.name}\`${step.owner ? ` of \`${step.owner}\`` : ''}`;
      case 'element':
        return 'list element';
      case 'some':
        return 'option value';
      case 'ok':
        return '`ok` value';
      case 'err':
        return '`err` value';
      case 'payload':
        return 'payload';
      case 'item':
        return `tuple item ${step.index}`;
      default:
        return step.kind;
    }
  });
  return `${first} (${words.join(' → ')})`;
}

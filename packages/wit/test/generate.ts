/**
 * Random WIT packages for differential testing against wasm-tools. Deterministic per seed. Most
 * packages are valid by construction; `mutate` breaks one on purpose in one of several ways.
 */

/** A small seeded PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PRIMS = ['bool', 's8', 'u8', 's16', 'u16', 's32', 'u32', 's64', 'u64', 'f32', 'f64', 'char', 'string'];

interface TypeInfo {
  name: string;
  resource: boolean;
}

class Gen {
  readonly lines: string[] = [];
  constructor(private readonly r: () => number) {}

  int(n: number): number {
    return Math.floor(this.r() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  chance(p: number): boolean {
    return this.r() < p;
  }

  /** A type expression over `scope`; `inResult` avoids borrows, `depth` bounds nesting. */
  type(scope: readonly TypeInfo[], inResult: boolean, depth = 0): string {
    const roll = this.int(depth > 2 ? 3 : 10);
    const named = scope;
    if (roll <= 1 || named.length === 0) return this.pick(PRIMS);
    if (roll === 2) {
      const t = this.pick(named);
      if (t.resource && !inResult && this.chance(0.4)) return `borrow<${t.name}>`;
      if (t.resource && this.chance(0.3)) return `own<${t.name}>`;
      return t.name;
    }
    switch (roll) {
      case 3:
        return `list<${this.type(scope, inResult, depth + 1)}>`;
      case 4:
        return `option<${this.type(scope, inResult, depth + 1)}>`;
      case 5: {
        const form = this.int(4);
        if (form === 0) return 'result';
        if (form === 1) return `result<${this.type(scope, inResult, depth + 1)}>`;
        if (form === 2) return `result<_, ${this.type(scope, inResult, depth + 1)}>`;
        return `result<${this.type(scope, inResult, depth + 1)}, ${this.type(scope, inResult, depth + 1)}>`;
      }
      case 6: {
        // Empty tuples, records and flags are valid WIT that components cannot carry: keep them rare.
        const n = this.chance(0.05) ? 0 : 1 + this.int(3);
        return `tuple<${Array.from({ length: n }, () => this.type(scope, inResult, depth + 1)).join(', ')}>`;
      }
      case 7:
        return `list<${this.type(scope, inResult, depth + 1)}, ${1 + this.int(3)}>`;
      default:
        return this.pick(named).name;
    }
  }

  params(scope: readonly TypeInfo[]): string {
    const n = this.int(this.chance(0.1) ? 20 : 4);
    return Array.from({ length: n }, (_, i) => `p${i}: ${this.type(scope, false)}`).join(', ');
  }

  func(name: string, scope: readonly TypeInfo[], prefix = ''): string {
    const result = this.chance(0.6) ? ` -> ${this.type(scope, true)}` : '';
    return `${name}: ${prefix}func(${this.params(scope)})${result};`;
  }
}

/** One generated package and the names of its worlds. */
export interface Generated {
  text: string;
  worlds: string[];
  /** What was broken on purpose, if anything. */
  mutation?: string;
}

/** Generates a package; with `mutate`, breaks it in one way chosen by the seed. */
export function generate(seed: number, mutate: boolean): Generated {
  const g = new Gen(rng(seed));
  const out: string[] = [];
  const version = g.chance(0.5) ? `@${g.int(3)}.${g.int(3)}.${g.int(3)}` : '';
  out.push(`package fz:p${seed}${version};`, '');
  let mutation: string | undefined;
  const mutationKind = mutate ? g.int(7) : -1;

  /** An interface generated so far and how the main package's items refer to it. */
  interface Made {
    ref: string;
    local: string;
    types: TypeInfo[];
  }

  // One interface that `use`s types of earlier ones (never later ones, so there are no cycles).
  const makeInterface = (
    name: string,
    typePrefix: string,
    earlier: readonly Made[],
    refOf: (m: Made) => string,
  ) => {
    const body: string[] = [];
    const scope: TypeInfo[] = [];
    for (const [j, prev] of earlier.entries()) {
      if (prev.types.length === 0 || !g.chance(0.5)) continue;
      const chosen = prev.types.filter(() => g.chance(0.5));
      if (chosen.length === 0) continue;
      const names = chosen.map((t) => {
        const rename = g.chance(0.3) ? `${t.name}-from${j}` : undefined;
        scope.push({ name: rename ?? t.name, resource: t.resource });
        return rename ? `${t.name} as ${rename}` : t.name;
      });
      body.push(`  use ${refOf(prev)}.{${names.join(', ')}};`);
    }
    const typeCount = g.int(6);
    const defs: { name: string; kind: string }[] = [];
    for (let k = 0; k < typeCount; k++) {
      const kind = g.pick(['alias', 'record', 'variant', 'enum', 'flags', 'resource']);
      defs.push({ name: `${typePrefix}-${k}`, kind });
    }
    // Declare in a shuffled order so that references go forwards as well as backwards.
    const order = defs.map((_, k) => k).sort(() => (g.chance(0.5) ? 1 : -1));
    const local: TypeInfo[] = [];
    const texts = new Map<number, string>();
    for (let k = 0; k < defs.length; k++) {
      const d = defs[k]!;
      // A definition refers only to definitions made before it in `defs`, which rules out cycles.
      const visible = [...scope, ...local];
      let text: string;
      switch (d.kind) {
        case 'alias':
          text = `  type ${d.name} = ${g.type(visible, true)};`;
          break;
        case 'record':
          text = `  record ${d.name} { ${Array.from({ length: g.chance(0.1) ? 0 : 1 + g.int(3) }, (_, n) => `f${n}: ${g.type(visible, true)}`).join(', ')} }`;
          break;
        case 'variant':
          text = `  variant ${d.name} { ${Array.from({ length: 1 + g.int(4) }, (_, n) => (g.chance(0.5) ? `c${n}(${g.type(visible, true)})` : `c${n}`)).join(', ')} }`;
          break;
        case 'enum':
          text = `  enum ${d.name} { ${Array.from({ length: 1 + g.int(5) }, (_, n) => `e${n}`).join(', ')} }`;
          break;
        case 'flags':
          text = `  flags ${d.name} { ${Array.from({ length: g.chance(0.1) ? 0 : 1 + g.int(g.chance(0.15) ? 70 : 6) }, (_, n) => `g${n}`).join(', ')} }`;
          break;
        default: {
          const fns: string[] = [];
          const self: TypeInfo = { name: d.name, resource: true };
          const rscope = [...visible, self];
          if (g.chance(0.5)) fns.push(`    constructor(${g.params(rscope)});`);
          for (let m = 0; m < g.int(3); m++) fns.push(`    ${g.func(`m${m}`, rscope)}`);
          if (g.chance(0.4)) fns.push(`    ${g.func('make', rscope, 'static ')}`);
          text =
            fns.length === 0 ? `  resource ${d.name};` : `  resource ${d.name} {\n${fns.join('\n')}\n  }`;
        }
      }
      texts.set(k, text);
      local.push({ name: d.name, resource: d.kind === 'resource' });
    }
    for (const k of order) body.push(texts.get(k)!);
    const fscope = [...scope, ...local];
    for (let f = 0; f < g.int(4); f++) body.push(`  ${g.func(`fn${f}`, fscope)}`);
    return { text: [`interface ${name} {`, ...body, '}', ''], types: local };
  };

  const made: Made[] = [];
  // Sometimes a second package, nested in the same file, that the main package refers to by id.
  if (g.chance(0.35)) {
    const depVersion = g.chance(0.5) ? '@1.0.0' : '';
    const dep: string[] = [];
    const depMade: Made[] = [];
    for (let j = 0; j < 1 + g.int(3); j++) {
      const { text: t, types } = makeInterface(`d${j}`, `u${j}`, depMade, (m) => m.local);
      dep.push(...t.map((l) => `  ${l}`));
      depMade.push({ ref: `fz:dep${seed}/d${j}${depVersion}`, local: `d${j}`, types });
    }
    out.push(`package fz:dep${seed}${depVersion} {`, ...dep, '}', '');
    made.push(...depMade);
  }
  const ifaceCount = 1 + g.int(4);
  for (let i = 0; i < ifaceCount; i++) {
    const { text: t, types } = makeInterface(`i${i}`, `t${i}`, made, (m) => m.ref);
    out.push(...t);
    made.push({ ref: `i${i}`, local: `i${i}`, types });
  }

  const worldCount = 1 + g.int(3);
  const worlds: string[] = [];
  for (let w = 0; w < worldCount; w++) {
    const body: string[] = [];
    const imported = new Set<number>();
    const exported = new Set<number>();
    for (let i = 0; i < made.length; i++) {
      const roll = g.int(4);
      if (roll === 1) imported.add(i);
      if (roll === 2) exported.add(i);
      if (roll === 3 && g.chance(0.3)) {
        imported.add(i);
        exported.add(i);
      }
    }
    for (const i of imported) body.push(`  import ${made[i]!.ref};`);
    for (const i of exported) body.push(`  export ${made[i]!.ref};`);
    // World-level `use`, types and functions over them.
    const wscope: TypeInfo[] = [];
    const withTypes = made.filter((m) => m.types.length > 0);
    if (withTypes.length > 0 && g.chance(0.3)) {
      const m = g.pick(withTypes);
      const t = g.pick(m.types);
      body.push(`  use ${m.ref}.{${t.name} as wt${w}};`);
      wscope.push({ name: `wt${w}`, resource: t.resource });
    }
    if (g.chance(0.3)) {
      body.push(`  record wr${w} { a: ${g.type(wscope, true)} }`);
      wscope.push({ name: `wr${w}`, resource: false });
    }
    if (g.chance(0.4)) body.push(`  import wf${w}: func(a: ${g.type(wscope, false)}) -> u32;`);
    if (g.chance(0.4)) body.push(`  export run${w}: func() -> ${g.type(wscope, true)};`);
    if (withTypes.length > 0 && g.chance(0.3)) {
      const m = g.pick(withTypes);
      const t = g.pick(m.types);
      const dir = g.pick(['import', 'export']);
      body.push(
        `  ${dir} inline${w}: interface {`,
        `    use ${m.ref}.{${t.name}};`,
        `    ${g.func('f', [t])}`,
        '  }',
      );
    }
    if (w > 0 && g.chance(0.4)) {
      const other = g.int(w);
      body.push(
        g.chance(0.5)
          ? `  include w${other};`
          : `  include w${other} with { wf${other} as renamed-wf${other} }`,
      );
    }
    out.push(`world w${w} {`, ...body, '}', '');
    worlds.push(`w${w}`);
  }

  let text = out.join('\n');
  if (mutate) {
    const lines = text.split('\n');
    const idx = (re: RegExp) => lines.findIndex((l) => re.test(l));
    switch (mutationKind) {
      case 0: {
        mutation = 'unknown type in a function';
        const at = idx(/^interface /);
        lines.splice(at + 1, 0, '  broken: func(a: no-such-type);');
        break;
      }
      case 1: {
        mutation = 'duplicate interface';
        lines.push('interface i0 {}');
        break;
      }
      case 2: {
        mutation = 'borrow in a result';
        const at = idx(/^interface /);
        lines.splice(at + 1, 0, '  resource rr;', '  broken: func() -> borrow<rr>;');
        break;
      }
      case 3: {
        mutation = 'interface cycle';
        lines.push(
          'interface cyc-a { use cyc-b.{x}; type y = u8; }',
          'interface cyc-b { use cyc-a.{y}; type x = u8; }',
        );
        break;
      }
      case 4: {
        mutation = 'type cycle through a list';
        const at = idx(/^interface /);
        lines.splice(at + 1, 0, '  record loop-a { b: list<loop-b> }', '  variant loop-b { a(loop-a) }');
        break;
      }
      case 5: {
        mutation = 'import of a missing interface';
        const at = idx(/^world /);
        lines.splice(at + 1, 0, '  import no-such-iface;');
        break;
      }
      default: {
        mutation = 'duplicate world import';
        const at = idx(/^world /);
        lines.splice(at + 1, 0, '  import i0;', '  import i0;');
      }
    }
    text = lines.join('\n');
  }
  return { text, worlds, ...(mutation === undefined ? {} : { mutation }) };
}

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findWorld, packageId, witDir, worlds } from '@witkit/wit-types';
import { describe, expect, it } from 'vitest';

const repoWit = fileURLToPath(new URL('../../../wit', import.meta.url));
const generated = join(witDir, '..', 'generated');

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

describe('@witkit/wit-types', () => {
  it('lists every world of the contracts with the interfaces it imports and exports', () => {
    expect(packageId).toBe('witkit:plugin-system@0.1.0');
    expect(worlds.map((w) => w.name)).toEqual([
      'minimal-plugin',
      'processor-plugin',
      'event-plugin',
      'service-plugin',
      'full-plugin',
      'plugin-v1',
      'plugin-v2',
    ]);
    for (const world of worlds) expect(world.imports).toEqual(['witkit:host-api/host-services@0.1.0']);
    expect(findWorld('processor-plugin')?.exports).toEqual([
      'witkit:plugin-system/base-plugin@0.1.0',
      'witkit:plugin-system/data-processor@0.1.0',
    ]);
    expect(findWorld('witkit:plugin-system/plugin-v1@0.1.0')?.exports).toEqual([
      'witkit:plugin-api/plugin@1.0.0',
    ]);
    expect(findWorld('plugin-v2')?.exports).toEqual(['witkit:plugin-api/plugin@2.0.0']);
    expect(findWorld('no-such-world')).toBeUndefined();
  });

  it('ships the .wit files exactly as they are in the repository', () => {
    expect(files(witDir)).toEqual(files(repoWit));
    for (const file of files(repoWit)) {
      expect(readFileSync(join(witDir, file), 'utf8')).toBe(readFileSync(join(repoWit, file), 'utf8'));
    }
  });

  it('generates guest and host declarations for every world', () => {
    for (const world of worlds) {
      expect(files(join(generated, 'guest', world.name))).toContain(`${world.name}.d.ts`);
      expect(readFileSync(join(generated, 'guest', world.name, 'index.d.ts'), 'utf8')).toContain(
        `export type Exports = typeof import('${world.id}');`,
      );
      expect(readFileSync(join(generated, 'host', world.name, 'index.d.ts'), 'utf8')).toContain('as Exports');
    }
    // Doc comments of the WIT reach the types.
    expect(
      readFileSync(
        join(generated, 'guest', 'processor-plugin', 'interfaces', 'witkit-host-api-host-services.d.ts'),
        'utf8',
      ),
    ).toContain('Publishes an event on the host');
  });
});

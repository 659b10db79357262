import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runCli } from '@witkit/cli';
import { tempDir } from '@witkit-internal/test-support';
import { afterAll, describe, expect, it } from 'vitest';

const tmp = tempDir('witkit-cli-');
afterAll(() => tmp.cleanup());

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('witkit cli', () => {
  it('doctor reports every toolchain piece, all found on a bootstrapped machine', async () => {
    const { code, out } = await cli('doctor');
    for (const piece of [
      'node',
      'pnpm',
      'jco',
      'wasi shim',
      'quickjs engine',
      'starlingmonkey engine',
      'rust wasm',
    ]) {
      expect(out).toMatch(new RegExp(`^ok\\s+${piece}\\s+\\S`, 'm'));
    }
    expect(out).toMatch(/^ok\s+jco\s+@bytecodealliance\/jco-transpile 0\.15\.0$/m);
    expect(code).toBe(0);
  });

  it('build prints the error code and the plugin, and exits 1, for a folder that is not a plugin', async () => {
    const dir = join(tmp.dir, 'not-a-plugin');
    mkdirSync(dir);
    writeFileSync(join(dir, 'package.json'), '{ "name": "plain" }');
    const { code, err } = await cli('build', dir);
    expect(code).toBe(1);
    expect(err).toMatch(
      /^error\[WITKIT_BUILD_NOT_A_PLUGIN\]: not-a-plugin: `.*not-a-plugin` holds no plugin: add /,
    );
    expect(err).toContain('[package.metadata.witkit]');
  });

  it('wit resolve prints the worlds as JSON, and points at bad WIT with exit code 1', async () => {
    const wit = join(createRequire(import.meta.url).resolve('@witkit/wit-types/package.json'), '..', 'wit');
    const ok = await cli('wit', 'resolve', wit, '--world', 'service-plugin', '--json');
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('"witkit:plugin-system/request-handler@0.1.0"');
    const bad = join(tmp.dir, 'bad.wit');
    writeFileSync(bad, 'package a:b;\ninterface i {\n  f: func(x: u32) -> strng;\n}\n');
    const failed = await cli('wit', 'resolve', bad);
    expect(failed.code).toBe(1);
    expect(failed.err).toContain(`error[WITKIT_WIT_RESOLVE]: ${bad}:3:22: type \`strng\` does not exist`);
  });

  it('bindgen rust writes the bindings of a world, and names the missing external tool', async () => {
    const wit = join(createRequire(import.meta.url).resolve('@witkit/wit-types/package.json'), '..', 'wit');
    const out = join(tmp.dir, 'bindings.rs');
    const { code } = await cli('bindgen', 'rust', wit, '--world', 'processor-plugin', '--out', out);
    expect(code).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('macro_rules! export_processor_plugin');
    const external = await cli(
      'bindgen',
      'rust',
      wit,
      '--world',
      'processor-plugin',
      '--out',
      out,
      '--with',
      'wit-bindgen',
    );
    expect(external.code).toBe(1);
    expect(external.err).toMatch(/^error\[WITKIT_BINDGEN_TOOL_MISSING\]: .*cargo install wit-bindgen-cli/);
  });

  it('exits 2 on an unknown command', async () => {
    const { code, err } = await cli('frobnicate');
    expect(code).toBe(2);
    expect(err).toContain("unknown command 'frobnicate'");
  });

  it('runs as the `witkit` binary that package managers link', async () => {
    const pkgFile = createRequire(import.meta.url).resolve('@witkit/cli/package.json');
    const { bin } = JSON.parse(readFileSync(pkgFile, 'utf8')) as { bin: { witkit: string } };
    const { stdout } = await promisify(execFile)(join(pkgFile, '..', bin.witkit), ['--help']);
    expect(stdout).toContain('doctor');
    expect(stdout).toContain('build [dirs...]');
  });
});

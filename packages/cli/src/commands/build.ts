import { type AnyBuiltPlugin, buildPlugin } from '@witkit/build';

/**
 * Builds each plugin folder into a component, one after another (componentizers and cargo
 * are memory hungry, and turbo already runs packages in parallel). A folder with a
 * package.json `witkit` field is a TypeScript plugin; one with a Cargo.toml
 * `[package.metadata.witkit]` is a Rust plugin.
 */
export async function runBuild(
  dirs: readonly string[],
  log: (line: string) => void,
): Promise<AnyBuiltPlugin[]> {
  const built: AnyBuiltPlugin[] = [];
  for (const dir of dirs.length > 0 ? dirs : ['.']) {
    const result = await buildPlugin(dir);
    log(
      `built ${result.name}@${result.version} (${result.engine}) -> ${result.componentPath} ` +
        `${(result.size / 1024).toFixed(0)} KiB in ${result.durationMs} ms`,
    );
    built.push(result);
  }
  return built;
}

import { type BuiltPlugin, buildJsPlugin } from '@witkit/build';

/**
 * Builds each plugin folder into a component, one after another (componentizers are
 * memory hungry, and turbo already runs packages in parallel).
 */
export async function runBuild(dirs: readonly string[], log: (line: string) => void): Promise<BuiltPlugin[]> {
  const built: BuiltPlugin[] = [];
  for (const dir of dirs.length > 0 ? dirs : ['.']) {
    const result = await buildJsPlugin(dir);
    log(
      `built ${result.name}@${result.version} (${result.engine}) -> ${result.componentPath} ` +
        `${(result.size / 1024).toFixed(0)} KiB in ${result.durationMs} ms`,
    );
    built.push(result);
  }
  return built;
}

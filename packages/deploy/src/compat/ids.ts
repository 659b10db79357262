/** `ns:pkg/name@1.2.3` → its unversioned part and its version. */
export function splitId(id: string): { readonly base: string; readonly version?: string } {
  const at = id.lastIndexOf('@');
  return at < 0 ? { base: id } : { base: id.slice(0, at), version: id.slice(at + 1) };
}

/** `1.2.3` → `1`, `0.2.12` → `0.2`, `0.0.4` → `0.0.4`: versions of one line are semver-compatible. */
export function versionLine(version: string): string {
  const [major = '', minor = '', patch = ''] = version.split(/[.+-]/);
  if (major !== '0') return major;
  return minor !== '0' ? `0.${minor}` : `0.0.${patch}`;
}

/**
 * Whether two interface ids name what a linker binds as one interface: the same id, or the same
 * interface at two versions of one semver line.
 */
export function sameInterface(a: string, b: string): boolean {
  if (a === b) return true;
  const x = splitId(a);
  const y = splitId(b);
  return (
    x.base === y.base &&
    x.version !== undefined &&
    y.version !== undefined &&
    versionLine(x.version) === versionLine(y.version)
  );
}

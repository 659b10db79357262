/**
 * The bucket (0-9999) of a request key: FNV-1a of the plugin name and the key. The same key
 * always gets the same bucket, so it stays on the same version while the percentage holds,
 * and a key on the candidate at 10% is still on it at 25%.
 */
export function bucketOf(plugin: string, key: string): number {
  let hash = 0x811c9dc5;
  const text = `${plugin}\u0000${key}`;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % 10_000;
}

/**
 * A router sending `percent` of keys to `candidate` and the rest to `stable`. Calls without a
 * key are spread at random in the same proportion.
 */
export function canaryRouter(
  plugin: string,
  stable: string,
  candidate: string,
  percent: number,
): (key: string | undefined) => string {
  const threshold = Math.round(percent * 100);
  return (key) =>
    (key === undefined ? Math.random() * 10_000 : bucketOf(plugin, key)) < threshold ? candidate : stable;
}

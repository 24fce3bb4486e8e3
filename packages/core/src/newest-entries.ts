/**
 * Sets `key` in `map` as its newest entry and drops the oldest past `limit`: the bounded
 * caches of a backend (insertion order is age; a set key moves to the end).
 */
export function setNewest<K, V>(map: Map<K, V>, key: K, value: V, limit: number): void {
  map.delete(key);
  if (map.size >= limit) {
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
  map.set(key, value);
}

import { createHash } from 'node:crypto';

/** sha256 in hex of a text, remembered: a run hashes each migration once, whichever caches key on it. */
export function textHasher(): (text: string) => string {
  const hashes = new Map<string, string>();
  return (text) => {
    let hash = hashes.get(text);
    if (hash === undefined) {
      hash = createHash('sha256').update(text).digest('hex');
      hashes.set(text, hash);
    }
    return hash;
  };
}

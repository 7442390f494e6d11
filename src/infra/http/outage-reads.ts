/**
 * The reads a router serves from the cache while the database hangs or elects a primary:
 * requireDatabase lets GET and HEAD of these through and answers anything else 503 at once.
 * Each router declares its own, as patterns of the path under its mount point, starting with `^`.
 */
export type OutageReads = readonly RegExp[];

/** A router's outage reads as paths under the parent it is mounted in at `mount`. */
export function underMount(mount: string, reads: OutageReads): RegExp[] {
  const prefix = mount.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return reads.map((pattern) => new RegExp(`^${prefix}${pattern.source.slice(1)}`, pattern.flags));
}

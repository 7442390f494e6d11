export default async function globalTeardown(): Promise<void> {
  await Promise.all((globalThis.sharedTestServers ?? []).map((server) => server.destroy()));
}

import type { Redis } from 'ioredis';

type ScriptCommand = (numberOfKeys: number, ...keysAndArgs: (string | number)[]) => Promise<unknown>;

/** Every script made by luaScript in this process, by command name: connections define them all when made. */
const registered = new Map<string, string>();

/**
 * Defines every registered script on a new connection. A script defined later, on its first
 * call, would miss an auto-pipeline the connection already opened in that tick: ioredis then
 * throws for the command and leaves that pipeline's results one short, an uncaught TypeError
 * that ends the process (ioredis #1931).
 */
export function defineLuaScripts(client: Redis): void {
  const commands = client as unknown as Record<string, ScriptCommand | undefined>;
  for (const [name, lua] of registered) if (commands[name] === undefined) client.defineCommand(name, { lua });
}

/**
 * A Lua script run through ioredis's defineCommand: on each connection ioredis sends the whole
 * script (EVAL) once and its SHA (EVALSHA) after, and sends it again on NOSCRIPT. A failover's
 * new master starts with an empty script cache (scripts are not replicated), so a client that
 * kept SHAs of its own would fail there (rate-limit-redis #71, #144); this one does not.
 * `name` must be unique among the process's scripts. Call it at module load, before connections
 * are made, so that each connection defines it up front (defineLuaScripts).
 */
export function luaScript<Result>(name: string, lua: string): (client: Redis, keys: readonly string[], ...args: (string | number)[]) => Promise<Result> {
  if (registered.has(name) && registered.get(name) !== lua) throw new Error(`two Lua scripts are named ${name}`);
  registered.set(name, lua);
  return async (client, keys, ...args) => {
    const commands = client as unknown as Record<string, ScriptCommand | undefined>;
    if (commands[name] === undefined) {
      client.defineCommand(name, { lua });
      // A connection made before this script was registered: let an auto-pipeline opened in this tick go first.
      await new Promise((resolve) => setImmediate(resolve));
    }
    return (await commands[name]!(keys.length, ...keys, ...args)) as Result;
  };
}

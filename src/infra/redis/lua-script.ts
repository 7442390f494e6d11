import type { Redis } from 'ioredis';

type ScriptCommand = (numberOfKeys: number, ...keysAndArgs: (string | number)[]) => Promise<unknown>;

/**
 * A Lua script run through ioredis's defineCommand: on each connection ioredis sends the whole
 * script (EVAL) once and its SHA (EVALSHA) after, and sends it again on NOSCRIPT. A failover's
 * new master starts with an empty script cache (scripts are not replicated), so a client that
 * kept SHAs of its own would fail there (rate-limit-redis #71, #144); this one does not.
 * `name` must be unique among the process's scripts.
 */
export function luaScript<Result>(name: string, lua: string): (client: Redis, keys: readonly string[], ...args: (string | number)[]) => Promise<Result> {
  return async (client, keys, ...args) => {
    const commands = client as unknown as Record<string, ScriptCommand | undefined>;
    if (commands[name] === undefined) client.defineCommand(name, { lua });
    return (await commands[name]!(keys.length, ...keys, ...args)) as Result;
  };
}

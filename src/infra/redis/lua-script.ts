import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';

type ScriptCommand = (numberOfKeys: number, ...keysAndArgs: (string | number)[]) => Promise<unknown>;

/** assets/lua/, three levels above this file in both src/ and dist/ (the image ships assets/). */
const scriptFolder = join(__dirname, '..', '..', '..', 'assets', 'lua');

/**
 * The Lua script assets/lua/<file>.lua run through ioredis's defineCommand: on each connection
 * ioredis sends the whole script (EVAL) once and its SHA (EVALSHA) after, and sends it again on
 * NOSCRIPT. A failover's new master starts with an empty script cache (scripts are not
 * replicated), so a client that kept SHAs of its own would fail there (rate-limit-redis #71,
 * #144); this one does not. `name` must be unique among the process's scripts. The file is read
 * when the module loads, so a missing one stops the process at start-up.
 */
export function luaScript<Result>(name: string, file: string): (client: Redis, keys: readonly string[], ...args: (string | number)[]) => Promise<Result> {
  const lua = readFileSync(join(scriptFolder, `${file}.lua`), 'utf8');
  return async (client, keys, ...args) => {
    const commands = client as unknown as Record<string, ScriptCommand | undefined>;
    if (commands[name] === undefined) client.defineCommand(name, { lua });
    return (await commands[name]!(keys.length, ...keys, ...args)) as Result;
  };
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';

type ScriptCommand = (numberOfKeys: number, ...keysAndArgs: (string | number)[]) => Promise<unknown>;

/** assets/lua/, three levels above this file in both src/ and dist/ (the image ships assets/). */
const scriptFolder = join(__dirname, '..', '..', '..', 'assets', 'lua');
/** Every script, by command name: defined on each client as it is made (defineLuaScripts). */
const registered = new Map<string, string>();

const commandsOf = (client: Redis): Record<string, ScriptCommand | undefined> => client as unknown as Record<string, ScriptCommand | undefined>;

/**
 * Defines every script on a new client, before it sends anything. An auto-pipelining client
 * copies its commands into each pipeline it makes, so a command defined while a pipeline is
 * gathering that tick's commands is missing from it: ioredis then throws, and the pipeline's
 * answers no longer match its callers (an uncaught "results[i] is not iterable").
 */
export function defineLuaScripts(client: Redis): void {
  for (const [name, lua] of registered) if (commandsOf(client)[name] === undefined) client.defineCommand(name, { lua });
}

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
  if (registered.has(name) && registered.get(name) !== lua) throw new Error(`two Lua scripts are named ${name}`);
  registered.set(name, lua);
  return async (client, keys, ...args) => {
    const commands = commandsOf(client);
    if (commands[name] !== undefined) return (await commands[name](keys.length, ...keys, ...args)) as Result;
    // A client made before this script was loaded: defined now, and this call is a plain EVAL
    // (a pipeline already gathering commands would not have the new one).
    client.defineCommand(name, { lua });
    return (await client.eval(lua, keys.length, ...keys, ...args)) as Result;
  };
}

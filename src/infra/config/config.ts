import type { z } from 'zod';
import { ConfigError } from './config-error';
import { configOf } from './config-areas';
import { redisConfigOf } from './redis-config';
import { developmentEnvironments, developmentJwtSecret, envSchema, type Env } from './schema';
import { readSecretFiles } from './secret-files';

export { ConfigError } from './config-error';
export type { RateLimitRule, SignInRules } from './config-areas';

export interface LoadOptions {
  /**
   * False for one-shot commands (migrate, seed) that neither issue nor verify tokens:
   * they run without JWT_SECRET whatever NODE_ENV says.
   */
  needsSecrets?: boolean;
  /** Values used where the environment sets none (a command's quieter log level). */
  defaults?: Record<string, string>;
}

/** Rules between variables, reported with the others (an empty path: the message names them). */
function crossFieldRules(env: Env, context: z.RefinementCtx): void {
  const problem = (message: string, variable?: string): void => context.addIssue({ code: 'custom', message, path: variable ? [variable] : [] });
  if (env.MONGODB_POOL_MIN > env.MONGODB_POOL_MAX) problem('must not exceed MONGODB_POOL_MAX', 'MONGODB_POOL_MIN');
  if (env.STORAGE_DRIVER === 'supabase' && (!env.SUPABASE_URL || !env.SUPABASE_SERVICE_KEY)) {
    problem('SUPABASE_URL and SUPABASE_SERVICE_KEY are required when STORAGE_DRIVER=supabase');
  }
  if (env.SUPABASE_PRIVATE_BUCKET === env.SUPABASE_BUCKET) {
    problem('must differ from SUPABASE_BUCKET (documents must not share the avatar bucket)', 'SUPABASE_PRIVATE_BUCKET');
  }
  if (env.LESSON_GENERATOR === 'openai' && !env.LLM_API_KEY) problem('LLM_API_KEY is required when LESSON_GENERATOR=openai');
}

/** The development secret only where NODE_ENV explicitly allows it; elsewhere a real one or a stop. */
function jwtSecretOf(env: Env, options: LoadOptions): string {
  const developmentAllowed = developmentEnvironments.includes(env.NODE_ENV) || options.needsSecrets === false;
  if (env.JWT_SECRET !== undefined && (env.JWT_SECRET !== developmentJwtSecret || developmentAllowed)) return env.JWT_SECRET;
  if (developmentAllowed) return developmentJwtSecret;
  throw new ConfigError(
    `invalid environment: JWT_SECRET must be set to a secret of your own (e.g. \`openssl rand -hex 32\`), or JWT_SECRET_FILE to a file holding one (NODE_ENV=${env.NODE_ENV}; the committed development secret is accepted only with NODE_ENV=test)`,
  );
}

/**
 * The environment's one schema: each variable (schema.ts), the rules between them, and as its
 * output the service's configuration, whose type is `Config`.
 */
function configSchema(options: LoadOptions, instanceNumber: string) {
  return envSchema
    .superRefine(crossFieldRules)
    .transform((env) => configOf(env, { jwtSecret: jwtSecretOf(env, options), redis: redisConfigOf(env), instanceNumber }));
}

export type Config = z.output<ReturnType<typeof configSchema>>;

/** An empty variable (`PORT=`) means "use the default", as in most dotenv tooling. */
function withoutEmptyValues(environment: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(environment).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''));
}

/**
 * Validates the environment once. Throws a ConfigError whose message names every bad
 * variable, so the entry point can print one line and stop.
 */
export function loadConfig(environment: NodeJS.ProcessEnv = process.env, options: LoadOptions = {}): Config {
  const secrets = readSecretFiles(withoutEmptyValues({ ...options.defaults, ...environment }));
  if (secrets.problems.length > 0) throw new ConfigError(`invalid environment: ${secrets.problems.join('; ')}`);
  const parsed = configSchema(options, environment.NODE_APP_INSTANCE ?? '0').safeParse(secrets.environment);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const name = issue.path.join('.');
    const file = secrets.readFrom.get(name);
    const variable = file === undefined ? name : `${name} (read from ${file})`;
    return variable === '' ? issue.message : `${variable} ${issue.message}`;
  });
  throw new ConfigError(`invalid environment: ${problems.join('; ')}`);
}

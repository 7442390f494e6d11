import pino, { type Logger } from 'pino';
import type { Config } from './config/config';

export type { Logger } from 'pino';

/** Paths that may carry credentials; pino replaces them before a line is written. */
const redactedPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.refreshToken',
  '*.accessToken',
  '*.token',
  'config.auth',
  'config.lessons.llm.apiKey',
  'config.storage.serviceKey',
];

export function createLogger(config: Pick<Config, 'logLevel' | 'instanceId' | 'version'>): Logger {
  return pino({
    level: config.logLevel,
    base: { instance: config.instanceId, version: config.version },
    redact: { paths: redactedPaths, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}

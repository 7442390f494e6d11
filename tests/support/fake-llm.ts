import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export const fakeLlmKey = 'test-llm-key';
export const fakeLlmModel = 'test-model';

export type FakeLlmMode = 'ok' | 'error' | 'hang';

export interface RecordedLlmRequest {
  /** What our client sent that an OpenAI-compatible API would not accept; empty when right. */
  problems: string[];
  text: string;
  level: string;
}

export interface FakeLlm {
  /** The base URL for LLM_BASE_URL. */
  readonly baseUrl: string;
  readonly requests: RecordedLlmRequest[];
  mode: FakeLlmMode;
  /** Delay before answering in `ok` mode. */
  delayMs: number;
  /** Resolves at the next request received. */
  nextRequest(): Promise<RecordedLlmRequest>;
  close(): Promise<void>;
}

interface ChatRequest {
  model?: unknown;
  temperature?: unknown;
  response_format?: { type?: unknown };
  messages?: { role?: unknown; content?: unknown }[];
}

/** Checks one request against the chat-completions contract our client must follow. */
function check(req: IncomingMessage, raw: string): RecordedLlmRequest {
  const problems: string[] = [];
  if (req.method !== 'POST') problems.push(`method ${req.method}`);
  if (req.url !== '/v1/chat/completions') problems.push(`path ${req.url}`);
  if (req.headers.authorization !== `Bearer ${fakeLlmKey}`) problems.push('authorization header');
  if (!req.headers['content-type']?.startsWith('application/json')) problems.push('content-type');
  let body: ChatRequest = {};
  try {
    body = JSON.parse(raw) as ChatRequest;
  } catch {
    problems.push('body is not JSON');
  }
  if (body.model !== fakeLlmModel) problems.push(`model ${String(body.model)}`);
  if (body.temperature !== 0) problems.push('temperature');
  if (body.response_format?.type !== 'json_object') problems.push('response_format');
  const [system, user] = body.messages ?? [];
  if (system?.role !== 'system' || typeof system.content !== 'string') problems.push('system message');
  let input: { text?: string; level?: string } = {};
  try {
    input = JSON.parse(String(user?.content)) as typeof input;
  } catch {
    problems.push('user message is not the JSON lesson input');
  }
  if (user?.role !== 'user' || typeof input.text !== 'string' || typeof input.level !== 'string') problems.push('user message');
  return { problems, text: input.text ?? '', level: input.level ?? '' };
}

/** A lesson as a provider would write it, made from the first words of the text. */
function lessonReply(text: string): string {
  const words = text.split(/\s+/).filter((word) => /^[A-Za-z]+$/.test(word));
  const content = {
    title: 'Provider lesson',
    summary: ['A summary written by the provider.'],
    vocabulary: [{ word: words[2] ?? 'word', example: text.slice(0, 80) }],
    exercises: [
      { type: 'cloze', prompt: `${words[0] ?? 'The'} _____ ${words[2] ?? 'end'}`, answer: words[1] ?? 'word' },
      { type: 'multipleChoice', prompt: 'Which is a fruit?', options: ['apple', 'chair', 'cloud'], answer: 0 },
      { type: 'sentenceOrder', answer: words.slice(0, 5) },
    ],
  };
  return JSON.stringify({
    id: 'chatcmpl-test',
    object: 'chat.completion',
    choices: [{ index: 0, message: { role: 'assistant', content: JSON.stringify(content) }, finish_reason: 'stop' }],
  });
}

/** An OpenAI-compatible chat-completions server on loopback: the third-party API of the lesson provider. */
export async function startFakeLlm(): Promise<FakeLlm> {
  const sockets = new Set<Socket>();
  const replies = new Set<NodeJS.Timeout>();
  const waiters: ((request: RecordedLlmRequest) => void)[] = [];
  const fake = {
    baseUrl: '',
    requests: [] as RecordedLlmRequest[],
    mode: 'ok' as FakeLlmMode,
    delayMs: 0,
    nextRequest: () => new Promise<RecordedLlmRequest>((resolve) => waiters.push(resolve)),
    close: async () => {
      for (const reply of replies) clearTimeout(reply);
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      const recorded = check(req, raw);
      fake.requests.push(recorded);
      waiters.splice(0).forEach((resolve) => resolve(recorded));
      if (fake.mode === 'hang') return;
      if (fake.mode === 'error') {
        res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"message":"overloaded"}}');
        return;
      }
      const reply = setTimeout(() => {
        replies.delete(reply);
        res.writeHead(200, { 'content-type': 'application/json' }).end(lessonReply(recorded.text));
      }, fake.delayMs);
      replies.add(reply);
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  return fake;
}

export function llmEnvironment(fake: FakeLlm, overrides: Record<string, string> = {}): Record<string, string> {
  return { LESSON_GENERATOR: 'openai', LLM_BASE_URL: fake.baseUrl, LLM_API_KEY: fakeLlmKey, LLM_MODEL: fakeLlmModel, ...overrides };
}

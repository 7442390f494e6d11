export interface ServerSentEvent {
  event: string;
  data: unknown;
}

export interface EventStream {
  readonly status: number;
  readonly headers: Headers;
  /** Every event until the server ends the stream. */
  events(): Promise<ServerSentEvent[]>;
  /** Resolves at the first event named `name` (events before it are kept for `events()`). */
  waitFor(name: string): Promise<ServerSentEvent>;
  /** Raw text received so far (comments and `retry:` lines included). */
  raw(): string;
}

/** A Server-Sent Events client over fetch, parsing `event:` / `data:` blocks. */
export async function openEventStream(url: string, headers: Record<string, string>): Promise<EventStream> {
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers } });
  const received: ServerSentEvent[] = [];
  const listeners: (() => void)[] = [];
  let raw = '';
  const done = (async () => {
    if (!response.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body) {
      const text = decoder.decode(chunk as Uint8Array, { stream: true });
      raw += text;
      buffer += text;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data !== undefined) received.push({ event, data: JSON.parse(data) as unknown });
        listeners.splice(0).forEach((notify) => notify());
      }
    }
  })();
  return {
    status: response.status,
    headers: response.headers,
    events: async () => {
      await done;
      return received;
    },
    async waitFor(name) {
      for (;;) {
        const found = received.find((event) => event.event === name);
        if (found) return found;
        const settled = await Promise.race([new Promise<'more'>((resolve) => listeners.push(() => resolve('more'))), done.then(() => 'ended' as const)]);
        if (settled === 'ended' && !received.some((event) => event.event === name)) throw new Error(`the stream ended without a "${name}" event: ${raw}`);
      }
    },
    raw: () => raw,
  };
}

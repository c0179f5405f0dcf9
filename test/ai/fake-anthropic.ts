import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the fake received, as the SDK sent it. */
export interface Recorded {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  body: Record<string, unknown>;
}

/** What the fake answers: a streamed forced tool call, or an API error. */
export type FakeReply =
  | {
      kind: 'tool';
      input: unknown;
      usage?: { input_tokens: number; output_tokens: number };
      stopReason?: string;
      model?: string;
      /** holds the stream once the JSON sent so far contains `after`, until `until` settles */
      pause?: { after: string; until: Promise<unknown> };
    }
  | { kind: 'error'; status: number; type: string; message: string; headers?: Record<string, string> }
  | { kind: 'hang' };

export interface FakeAnthropic {
  url: string;
  requests: Recorded[];
  close(): Promise<void>;
}

/**
 * A local HTTP server on 127.0.0.1 that speaks enough of the Messages API for the SDK: POST /v1/messages
 * with `stream: true`, answered by the same server-sent events the API sends (message_start,
 * content_block_start with a tool_use block, input_json_delta chunks, content_block_stop, message_delta,
 * message_stop), or an error body with the API's status codes.
 */
export async function startFakeAnthropic(reply: (request: Recorded, index: number) => FakeReply): Promise<FakeAnthropic> {
  const requests: Recorded[] = [];
  const open = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (raw += chunk));
    req.on('end', () => {
      const recorded: Recorded = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        raw,
        body: raw ? (JSON.parse(raw) as Record<string, unknown>) : {},
      };
      requests.push(recorded);
      const answer = reply(recorded, requests.length - 1);
      if (answer.kind === 'hang') {
        open.add(res);
        return;
      }
      if (answer.kind === 'error') {
        res.writeHead(answer.status, { 'content-type': 'application/json', 'request-id': 'req_fake', ...answer.headers });
        res.end(JSON.stringify({ type: 'error', error: { type: answer.type, message: answer.message } }));
        return;
      }
      void streamToolCall(res, recorded, answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of open) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function streamToolCall(res: ServerResponse, request: Recorded, answer: Extract<FakeReply, { kind: 'tool' }>): Promise<void> {
  const model = answer.model ?? String(request.body.model);
  const usage = answer.usage ?? { input_tokens: 1200, output_tokens: 300 };
  const toolChoice = request.body.tool_choice as { name?: string } | undefined;
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'request-id': 'req_fake' });
  const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  send('message_start', {
    type: 'message_start',
    message: {
      id: 'msg_fake',
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: {
        input_tokens: usage.input_tokens,
        output_tokens: 1,
        cache_creation_input_tokens: null,
        cache_read_input_tokens: null,
        server_tool_use: null,
        service_tier: 'standard',
      },
    },
  });
  send('ping', { type: 'ping' });
  send('content_block_start', {
    type: 'content_block_start',
    index: 0,
    content_block: { type: 'tool_use', id: 'toolu_fake', name: toolChoice?.name ?? 'tool', input: {} },
  });
  // split at arbitrary points, as the API does, so partial JSON is exercised
  const json = JSON.stringify(answer.input);
  let paused = false;
  for (let i = 0; i < json.length; i += 17) {
    if (answer.pause && !paused && json.slice(0, i).includes(answer.pause.after)) {
      paused = true;
      await answer.pause.until;
    }
    send('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: json.slice(i, i + 17) } });
  }
  send('content_block_stop', { type: 'content_block_stop', index: 0 });
  send('message_delta', {
    type: 'message_delta',
    delta: { stop_reason: answer.stopReason ?? 'tool_use', stop_sequence: null },
    usage: { output_tokens: usage.output_tokens },
  });
  send('message_stop', { type: 'message_stop' });
  res.end();
}

import { describe, expect, it } from 'vitest';
import { createSseParser, readEventStream } from '../src/sse.js';

function parse(chunks) {
  const events = [];
  const p = createSseParser((e) => events.push(e));
  chunks.forEach((c) => p.push(c));
  return events;
}

describe('event-stream parsing', () => {
  it('dispatches named events at blank lines and skips keepalive comments', () => {
    const ev = parse([': keepalive\n\nevent: status\ndata: {"a":1}\n\nevent: transfers\ndata: {"arcs":[]}\n\n']);
    expect(ev).toEqual([
      { event: 'status', data: '{"a":1}', id: null },
      { event: 'transfers', data: '{"arcs":[]}', id: null },
    ]);
  });

  it('joins data lines and reassembles chunks cut anywhere, CRLF split between chunks included', () => {
    const text = 'event: audit-run\r\ndata: {"runId":\r\ndata: "x"}\r\n\r\n';
    for (let cut = 1; cut < text.length; cut++) {
      expect(parse([text.slice(0, cut), text.slice(cut)])).toEqual([{ event: 'audit-run', data: '{"runId":\n"x"}', id: null }]);
    }
  });

  it('names an unnamed event message and drops an unterminated one', () => {
    const events = [];
    const p = createSseParser((e) => events.push(e));
    p.push('data:x\n\ndata: half');
    expect(events).toEqual([{ event: 'message', data: 'x', id: null }]);
    expect(p.pending()).toBe('data: half');
  });

  it('ignores an event with no data (token-expired carries data; an empty block is no event)', () => {
    expect(parse(['event: status\n\n'])).toEqual([]);
    expect(parse(['event: token-expired\ndata: {}\n\n'])).toEqual([{ event: 'token-expired', data: '{}', id: null }]);
  });

  it('reads a whole fetch body', async () => {
    const enc = new TextEncoder();
    const body = new ReadableStream({
      start(c) {
        c.enqueue(enc.encode('event: status\nda'));
        c.enqueue(enc.encode('ta: {"regions":[]}\n'));
        c.enqueue(enc.encode('\n'));
        c.close();
      },
    });
    const events = [];
    await readEventStream(new Response(body), (e) => events.push(e));
    expect(events).toEqual([{ event: 'status', data: '{"regions":[]}', id: null }]);
  });
});
